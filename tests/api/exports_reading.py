"""Reading exported files back, each with the library a department would use, as row dicts."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import struct
from pathlib import Path
from typing import Any

import openpyxl

BOM = "\ufeff"


def read_csv(body: bytes) -> list[dict[str, Any]]:
    """CSV rows by header (the file must start with a UTF-8 byte-order mark)."""
    text = body.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def read_xlsx(body: bytes) -> list[dict[str, Any]]:
    """Rows of every worksheet, by header."""
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    rows = []
    for sheet in workbook.worksheets:
        values = sheet.iter_rows(values_only=True)
        header = next(values)
        rows.extend(dict(zip(header, row)) for row in values)
    return rows


def read_geojson(body: bytes) -> list[dict[str, Any]]:
    """Feature properties, with the point as lon/lat and the feature id."""
    collection = json.loads(body)
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    rows = []
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        rows.append({**feature["properties"], "_feature_id": feature["id"],
                     "_lon": lon, "_lat": lat})
    return rows


def read_gpkg(body: bytes, directory: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The layer's rows (geometry decoded to lon/lat) and the GeoPackage's metadata."""
    path = directory / "read.gpkg"
    path.write_bytes(body)
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        meta = {"application_id": connection.execute("PRAGMA application_id").fetchone()[0],
                "user_version": connection.execute("PRAGMA user_version").fetchone()[0],
                "integrity": connection.execute("PRAGMA integrity_check").fetchone()[0],
                "contents": [dict(r) for r in connection.execute("SELECT * FROM gpkg_contents")],
                "geometry_columns": [dict(r) for r in connection.execute(
                    "SELECT * FROM gpkg_geometry_columns")],
                "srs": {r["srs_id"] for r in connection.execute(
                    "SELECT srs_id FROM gpkg_spatial_ref_sys")}}
        layer = meta["contents"][0]["table_name"]
        meta["types"] = {r["name"]: r["type"] for r in connection.execute(
            f'PRAGMA table_info("{layer}")')}
        rows = []
        for row in connection.execute(f'SELECT * FROM "{layer}" ORDER BY fid'):
            values = dict(row)
            lon, lat = decode_point(values.pop("geom"))
            rows.append({**values, "_lon": lon, "_lat": lat})
    return rows, meta


def decode_point(blob: bytes) -> tuple[float, float]:
    """A GeoPackage binary point: 'GP', version, flags, srs id, then WKB (either byte order)."""
    magic, version, flags, srs_id = struct.unpack_from("<2sBBi", blob)
    assert magic == b"GP" and version == 0 and srs_id == 4326
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    wkb = blob[8 + envelope:]
    order = "<" if wkb[0] == 1 else ">"
    kind, lon, lat = struct.unpack_from(f"{order}Idd", wkb, 1)
    assert kind == 1
    return lon, lat
