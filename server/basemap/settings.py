"""The base map settings: checked once at start-up, described to the clients by
``GET /api/v1/basemap``.

``BASEMAP`` is ``"none"``, ``"package"`` (the tile package the server serves itself, at
``/tiles/{z}/{x}/{y}.<format>``) or an XYZ/WMTS tile source::

    {"url": "https://t{s}.example.cn/vec_w/wmts?…&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
     "overlay_url": "…labels…", "subdomains": "01234567", "attribution": "…",
     "crs": "WGS84" | "GCJ02", "min_zoom": 3, "max_zoom": 18, "bounds": [w, s, e, n]}

``crs`` is the datum the tiles are drawn in: clients shift the grids, records and the GPS
position into it, so outlines sit on the streets of a GCJ-02 map. Unset, ``BASEMAP`` is the
package when ``TILE_PACKAGE`` is set, else none. ``OFFLINE_TILES`` is how much of it phones keep.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.basemap.package import PackageError, TilePackage
from server.basemap.source import TileSource
from server.basemap.tiles import MAX_ZOOM

DATUMS = {"WGS84": "WGS84", "CGCS2000": "WGS84", "GCJ02": "GCJ02"}  # CGCS2000 ≈ WGS-84 (cm)
SOURCE_KEYS = {"url", "overlay_url", "subdomains", "attribution", "crs", "min_zoom", "max_zoom",
               "bounds"}
PLACEHOLDERS = {"s", "x", "y", "z", "-y", "r"}
OFFLINE_DEFAULTS = {"min_zoom": 15, "max_zoom": 18, "max_mb": 120}


class SettingsError(ValueError):
    """A base map setting that cannot work; the message names the setting."""


@dataclass(frozen=True)
class BaseMapSettings:
    """What clients are told (``description``) and the package served at /tiles, if any."""

    description: dict[str, Any]
    tiles: TileSource | None

    @property
    def version(self) -> str:
        """Changes whenever what the clients are told changes (phones then refresh tiles)."""
        return self.description["version"]


def basemap_settings(config: dict[str, Any]) -> BaseMapSettings:
    """Check the BASEMAP, TILE_PACKAGE and OFFLINE_TILES settings; raise SettingsError."""
    package = _package(config.get("TILE_PACKAGE"))
    tiles = TileSource(package) if package else None
    choice = config.get("BASEMAP") or ("package" if package else "none")
    if choice == "none":
        source = None
    elif choice == "package":
        if package is None:
            raise SettingsError("ZHIWANG_BASEMAP is \"package\" but ZHIWANG_TILE_PACKAGE is unset")
        source = _package_source(package)
    elif isinstance(choice, dict):
        source = _external_source(choice)
    else:
        raise SettingsError('ZHIWANG_BASEMAP must be "none", "package" or a JSON object')
    offline = _offline(config.get("OFFLINE_TILES") or {}, source)
    description = {"source": source, "offline": offline}
    version = hashlib.sha256(json.dumps(
        [description, package.metadata if package else None], sort_keys=True).encode())
    return BaseMapSettings({**description, "version": version.hexdigest()[:16]}, tiles)


def _package(path: str | None) -> TilePackage | None:
    if not path:
        return None
    try:
        return TilePackage.open(Path(path))
    except PackageError as error:
        raise SettingsError(f"ZHIWANG_TILE_PACKAGE: {error}") from None


def _package_source(package: TilePackage) -> dict[str, Any]:
    low, high = package.zoom_range()
    try:
        return _external_source({
            "url": f"/tiles/{{z}}/{{x}}/{{y}}.{package.format}",
            "attribution": package.metadata.get("attribution", ""),
            "crs": package.metadata.get("crs", "WGS84"),
            "min_zoom": low, "max_zoom": high,
            "bounds": list(package.bounds()) if package.bounds() else None,
        })
    except SettingsError as error:
        raise SettingsError(f"tile package {package.path}: {error}") from None


def _external_source(raw: dict[str, Any]) -> dict[str, Any]:
    unknown = set(raw) - SOURCE_KEYS
    if unknown:
        raise SettingsError(f"ZHIWANG_BASEMAP: unknown keys {sorted(unknown)} "
                            f"(known: {sorted(SOURCE_KEYS)})")
    url = _url(raw.get("url"), "url", required=True)
    crs = str(raw.get("crs", "WGS84")).upper().replace("-", "")
    if crs not in DATUMS:
        raise SettingsError(f"ZHIWANG_BASEMAP.crs must be one of {sorted(DATUMS)}")
    low = _zoom(raw.get("min_zoom", 0), "ZHIWANG_BASEMAP.min_zoom")
    high = _zoom(raw.get("max_zoom", 18), "ZHIWANG_BASEMAP.max_zoom")
    if low > high:
        raise SettingsError("ZHIWANG_BASEMAP: min_zoom is above max_zoom")
    subdomains = raw.get("subdomains", "abc")
    if isinstance(subdomains, str):
        subdomains = list(subdomains)
    if not (isinstance(subdomains, list) and subdomains
            and all(isinstance(s, str) and s for s in subdomains)):
        raise SettingsError("ZHIWANG_BASEMAP.subdomains must be a string or a list of strings")
    return {"url": url, "overlay_url": _url(raw.get("overlay_url"), "overlay_url"),
            "attribution": str(raw.get("attribution", "")), "crs": DATUMS[crs],
            "min_zoom": low, "max_zoom": high, "subdomains": subdomains,
            "bounds": _bounds(raw.get("bounds"))}


def _url(value: Any, key: str, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.startswith(("https://", "http://", "/")):
        raise SettingsError(f"ZHIWANG_BASEMAP.{key} must be an http(s) URL or a path")
    if not all(p in value for p in ("{z}", "{x}")) or not ("{y}" in value or "{-y}" in value):
        raise SettingsError(f"ZHIWANG_BASEMAP.{key} must contain {{z}}, {{x}} and {{y}}")
    unknown = set(re.findall(r"\{ *([\w-]+) *\}", value)) - PLACEHOLDERS
    if unknown:  # Leaflet would stop at an unknown placeholder: write keys into the URL
        raise SettingsError(f"ZHIWANG_BASEMAP.{key}: unknown placeholders {sorted(unknown)} "
                            f"(known: {sorted(PLACEHOLDERS)})")
    return value


def _zoom(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ZOOM:
        raise SettingsError(f"{key} must be a whole number from 0 to {MAX_ZOOM}")
    return value


def _bounds(value: Any) -> list[float] | None:
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            or not (-180 <= value[0] < value[2] <= 180 and -90 <= value[1] < value[3] <= 90)):
        raise SettingsError("ZHIWANG_BASEMAP.bounds must be [west, south, east, north] in degrees")
    return [float(v) for v in value]


def _offline(raw: Any, source: dict[str, Any] | None) -> dict[str, Any] | None:
    """The zooms and size phones keep offline, within the source's zooms (None: nothing)."""
    if not isinstance(raw, dict) or set(raw) - set(OFFLINE_DEFAULTS):
        raise SettingsError(f"ZHIWANG_OFFLINE_TILES must be an object with {sorted(OFFLINE_DEFAULTS)}")
    wanted = {**OFFLINE_DEFAULTS, **raw}
    low = _zoom(wanted["min_zoom"], "ZHIWANG_OFFLINE_TILES.min_zoom")
    high = _zoom(wanted["max_zoom"], "ZHIWANG_OFFLINE_TILES.max_zoom")
    size = wanted["max_mb"]
    if not isinstance(size, (int, float)) or isinstance(size, bool) or not 0 <= size <= 4096:
        raise SettingsError("ZHIWANG_OFFLINE_TILES.max_mb must be a number from 0 to 4096")
    if source is None or size == 0:
        return None
    low, high = max(low, source["min_zoom"]), min(high, source["max_zoom"])
    return {"min_zoom": low, "max_zoom": high, "max_mb": size} if low <= high else None
