"""The clients draw in GCJ-02 exactly as the server converts: server/web/shared/datum.js
against server.domain.coordinates on the same points, within 1e-9 degrees (~0.1 mm)."""
from __future__ import annotations

import json
import random

from server.domain.coordinates import outside_china, wgs84_to_gcj02

TOLERANCE_DEG = 1e-9


def _points() -> list[tuple[float, float]]:
    rng = random.Random(2017)
    across_china = [(rng.uniform(73.0, 135.5), rng.uniform(3.0, 54.0)) for _ in range(2000)]
    pingshan = [(rng.uniform(114.28, 114.42), rng.uniform(22.62, 22.77)) for _ in range(500)]
    # On and just beside the edges of the box where GCJ-02 applies, and far outside it.
    edges = [(lon, lat) for lon in (72.004, 72.0039999, 137.8347, 137.8347001, 105.0)
             for lat in (0.8293, 0.8292999, 55.8271, 55.8271001, 35.0)]
    elsewhere = [(2.35, 48.85), (-74.0, 40.7), (0.0, 0.0), (180.0, -90.0), (-180.0, 90.0)]
    return across_china + pingshan + edges + elsewhere


RUN_IN_PAGE = """async (points) => {
    const { outsideChina, wgs84ToGcj02 } = await import('/shared/datum.js');
    return JSON.parse(points).map(([lon, lat]) => [outsideChina(lon, lat), ...wgs84ToGcj02(lon, lat)]);
}"""


def test_the_clients_shift_points_to_gcj02_exactly_as_the_server(phone):
    points = _points()
    page = phone.new_page()
    page.goto("/app/manifest.webmanifest")  # any page of the origin, without the app running
    shifted = page.evaluate(RUN_IN_PAGE, json.dumps(points))
    differences = []
    for (lon, lat), (outside, js_lon, js_lat) in zip(points, shifted):
        py_lon, py_lat = wgs84_to_gcj02(lon, lat)
        if (outside != outside_china(lon, lat) or abs(js_lon - py_lon) > TOLERANCE_DEG
                or abs(js_lat - py_lat) > TOLERANCE_DEG):
            differences.append(((lon, lat), (js_lon, js_lat), (py_lon, py_lat)))
    assert len(shifted) == len(points) > 2500
    assert sum(1 for lon, lat in points if not outside_china(lon, lat)) > 2400
    assert not differences, differences[:10]
