"""Coordinates from phones: range checks and GCJ-02 (Chinese map SDKs) to WGS-84."""
from __future__ import annotations

import math

# The GCJ-02 datum shift is defined on the Krasovsky ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323
TOLERANCE_DEG = 1e-9  # about 0.1 mm: far inside the 0.5 m the inversion must reach


def outside_china(lon: float, lat: float) -> bool:
    """GCJ-02 applies only inside mainland China's rough bounding box."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Shift a WGS-84 point to GCJ-02 (the published forward transform)."""
    if outside_china(lon, lat):
        return lon, lat
    x, y = lon - 105.0, lat - 35.0
    dlat = _shift_lat(x, y)
    dlon = _shift_lon(x, y)
    radlat = math.radians(lat)
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float, max_iterations: int = 30) -> tuple[float, float]:
    """Invert the GCJ-02 shift by fixed-point iteration until the round trip is exact."""
    wgs_lon, wgs_lat = lon, lat
    for _ in range(max_iterations):
        back_lon, back_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        d_lon, d_lat = lon - back_lon, lat - back_lat
        if abs(d_lon) < TOLERANCE_DEG and abs(d_lat) < TOLERANCE_DEG:
            break
        wgs_lon, wgs_lat = wgs_lon + d_lon, wgs_lat + d_lat
    return wgs_lon, wgs_lat


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on a 6,371 km sphere)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret
