"""GCJ-02 conversion: the inverse is exact to well within half a metre."""
from __future__ import annotations

import random

import pytest

from server.domain.coordinates import distance_m, gcj02_to_wgs84, outside_china, wgs84_to_gcj02


def test_the_gcj02_shift_in_shenzhen_is_hundreds_of_metres():
    lon, lat = 114.35, 22.70
    shifted = wgs84_to_gcj02(lon, lat)
    assert 200 < distance_m(lon, lat, *shifted) < 800


@pytest.mark.parametrize("seed", range(5))
def test_converting_back_round_trips_within_half_a_metre(seed):
    rng = random.Random(seed)
    for _ in range(200):
        lon, lat = rng.uniform(73.5, 134.7), rng.uniform(18.2, 53.5)
        back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
        assert distance_m(lon, lat, *back) < 0.5


def test_the_inverse_lands_where_the_forward_shift_points():
    gcj = (114.356789, 22.712345)
    wgs = gcj02_to_wgs84(*gcj)
    assert distance_m(*gcj, *wgs84_to_gcj02(*wgs)) < 0.01


def test_points_outside_china_are_not_shifted():
    assert outside_china(2.35, 48.85)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)
