"""Base map settings: "none", the server's tile package, or an XYZ source with its datum;
anything that cannot work is refused at start-up, naming the setting."""
from __future__ import annotations

from pathlib import Path

import pytest

from server.basemap.package import create_package
from server.basemap.settings import SettingsError, basemap_settings

TIANDITU = {"url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                   "&LAYER=vec&TILEMATRIXSET=w&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY",
            "overlay_url": "https://t{s}.tianditu.gov.cn/cva_w/wmts?TILEMATRIX={z}&TILEROW={y}"
                           "&TILECOL={x}&tk=KEY",
            "subdomains": "01234567", "attribution": "© 天地图", "crs": "CGCS2000",
            "min_zoom": 3, "max_zoom": 18}


def package(tmp_path: Path, **metadata: str) -> str:
    path = tmp_path / "district.mbtiles"
    create_package(path, {"format": "png", "minzoom": "12", "maxzoom": "17", "crs": "GCJ02",
                          "attribution": "区测绘院", "bounds": "114.2,22.6,114.5,22.8", **metadata})
    return str(path)


def test_without_settings_there_is_no_base_map():
    settings = basemap_settings({})
    assert settings.description["source"] is None and settings.description["offline"] is None
    assert settings.tiles is None


def test_a_tile_package_is_the_base_map_by_default_with_its_own_metadata(tmp_path):
    settings = basemap_settings({"TILE_PACKAGE": package(tmp_path)})
    source = settings.description["source"]
    assert source["url"] == "/tiles/{z}/{x}/{y}.png" and source["crs"] == "GCJ02"
    assert (source["min_zoom"], source["max_zoom"]) == (12, 17)
    assert source["attribution"] == "区测绘院" and source["bounds"] == [114.2, 22.6, 114.5, 22.8]
    assert settings.description["offline"] == {"min_zoom": 15, "max_zoom": 17, "max_mb": 120}
    assert settings.tiles is not None


def test_an_xyz_source_is_described_to_the_clients_with_its_datum():
    settings = basemap_settings({"BASEMAP": TIANDITU,
                                 "OFFLINE_TILES": {"min_zoom": 16, "max_mb": 300}})
    source = settings.description["source"]
    assert source["crs"] == "WGS84"  # CGCS2000 differs from WGS-84 by centimetres
    assert source["subdomains"] == list("01234567") and source["overlay_url"].startswith("https://t{s}")
    assert settings.description["offline"] == {"min_zoom": 16, "max_zoom": 18, "max_mb": 300}


def test_the_version_changes_with_what_the_clients_are_told():
    one = basemap_settings({"BASEMAP": TIANDITU}).version
    assert one == basemap_settings({"BASEMAP": dict(TIANDITU)}).version
    assert one != basemap_settings({"BASEMAP": {**TIANDITU, "crs": "GCJ02"}}).version
    assert one != basemap_settings({"BASEMAP": TIANDITU, "OFFLINE_TILES": {"max_mb": 10}}).version


def test_no_offline_pack_when_its_zooms_miss_the_source_or_its_size_is_zero():
    assert basemap_settings({"BASEMAP": {**TIANDITU, "max_zoom": 14}}).description["offline"] is None
    assert basemap_settings({"BASEMAP": TIANDITU,
                             "OFFLINE_TILES": {"max_mb": 0}}).description["offline"] is None


@pytest.mark.parametrize("settings, named", [
    ({"BASEMAP": "package"}, "ZHIWANG_TILE_PACKAGE is unset"),
    ({"BASEMAP": "osm"}, "ZHIWANG_BASEMAP must be"),
    ({"BASEMAP": {"attribution": "x"}}, "ZHIWANG_BASEMAP.url"),
    ({"BASEMAP": {"url": "javascript:alert(1)//{z}{x}{y}"}}, "ZHIWANG_BASEMAP.url"),
    ({"BASEMAP": {"url": "https://tiles.example/{z}/{x}.png"}}, "{y}"),
    ({"BASEMAP": {"url": "https://tiles.example/{z}/{x}/{y}.png?key={key}"}}, "placeholders"),
    ({"BASEMAP": {**TIANDITU, "crs": "BD09"}}, "ZHIWANG_BASEMAP.crs"),
    ({"BASEMAP": {**TIANDITU, "min_zoom": 19}}, "min_zoom is above max_zoom"),
    ({"BASEMAP": {**TIANDITU, "max_zoom": "18"}}, "ZHIWANG_BASEMAP.max_zoom"),
    ({"BASEMAP": {**TIANDITU, "bounds": [114, 22]}}, "ZHIWANG_BASEMAP.bounds"),
    ({"BASEMAP": {**TIANDITU, "subdomains": []}}, "ZHIWANG_BASEMAP.subdomains"),
    ({"BASEMAP": {**TIANDITU, "tms": True}}, "unknown keys ['tms']"),
    ({"BASEMAP": TIANDITU, "OFFLINE_TILES": {"max_mb": -1}}, "ZHIWANG_OFFLINE_TILES.max_mb"),
    ({"BASEMAP": TIANDITU, "OFFLINE_TILES": {"zoom": 3}}, "ZHIWANG_OFFLINE_TILES"),
    ({"BASEMAP": TIANDITU, "OFFLINE_TILES": {"max_zoom": 99}}, "ZHIWANG_OFFLINE_TILES.max_zoom"),
    ({"TILE_PACKAGE": "/nonexistent/district.mbtiles"}, "ZHIWANG_TILE_PACKAGE: no tile package"),
])
def test_settings_that_cannot_work_are_refused_naming_the_setting(settings, named):
    with pytest.raises(SettingsError, match=named.replace("[", r"\[").replace("{", r"\{")):
        basemap_settings(settings)


def test_a_file_that_is_no_raster_package_is_refused(tmp_path):
    not_sqlite = tmp_path / "notes.mbtiles"
    not_sqlite.write_text("hello")
    with pytest.raises(SettingsError, match="not an MBTiles file"):
        basemap_settings({"TILE_PACKAGE": str(not_sqlite)})
    with pytest.raises(SettingsError, match="not a raster format"):
        basemap_settings({"TILE_PACKAGE": package(tmp_path, format="pbf")})
