"""GeoPackage (OGC 12-128r18, version 1.2), written directly with SQLite.

No GDAL: the subset an export needs (one point layer in EPSG:4326, attribute columns) is a
handful of tables fully described by the standard, and Python's sqlite3 writes it in constant
memory; a GDAL binding would add a large native dependency for it. Written: the
``application_id`` and ``user_version`` pragmas, ``gpkg_spatial_ref_sys`` (with the required
-1, 0 and 4326 rows), ``gpkg_contents`` (with the layer's extent), ``gpkg_geometry_columns``,
and the layer with geometries as GeoPackage binary (header, then little-endian WKB). No spatial
index (an optional extension): GIS software can build one (QGIS, ``ogrinfo -sql``).
"""
from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from server.domain.export_table import LAT, LON, ExportTable
from server.services.exports.formats.base import Batch, Formatter, file_pieces
from server.services.exports.formats.flat import flattener

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10200         # GeoPackage 1.2
WGS84 = 4326
# Header: "GP", version 0, flags (little-endian, no envelope, not empty), SRS id; then WKB Point.
POINT = struct.Struct("<2sBBiBIdd")
COLUMN_TYPES = {"integer": "INTEGER", "decimal": "REAL", "date": "DATE"}
WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
             'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
             'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
             'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
             'AUTHORITY["EPSG","4326"]]')
SPATIAL_REF_SYS = (  # the rows the standard requires
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined",
     "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined",
     "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", WGS84, "EPSG", WGS84, WGS84_WKT,
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"))
SCHEMA = """
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
"""


def point_blob(lon: float, lat: float) -> bytes:
    """A WGS-84 point as a GeoPackage geometry blob (GeoPackageBinary header + WKB)."""
    return POINT.pack(b"GP", 0, 0b0000_0001, WGS84, 1, 1, lon, lat)


class GpkgFormatter(Formatter):
    """One point layer named after the kind; every column but lon/lat is an attribute."""

    name = "gpkg"
    media_type = "application/geopackage+sqlite3"
    extension = "gpkg"

    def encode(self, table: ExportTable, batches: Iterable[Batch],
               workdir: Path) -> Iterator[bytes]:
        """The GeoPackage, built in a temporary SQLite file, then read out."""
        path = workdir / "export.gpkg"
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            _create(connection, table)
            extent = _insert(connection, table, batches)
            connection.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, "
                               "max_y = ?", extent)
            connection.execute("COMMIT")
        finally:
            connection.close()
        yield from file_pieces(path)


def _create(connection: sqlite3.Connection, table: ExportTable) -> None:
    # The file is a scratch copy until it is finished: no journal, no syncing.
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {USER_VERSION}")
    connection.execute("BEGIN")
    for statement in filter(str.strip, SCHEMA.split(";")):
        connection.execute(statement)
    connection.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                           SPATIAL_REF_SYS)
    columns = ", ".join(f"{_quoted(c.header)} {COLUMN_TYPES.get(c.type, 'TEXT')}"
                        for i, c in enumerate(table.columns) if i not in (LON, LAT))
    layer = layer_name(table)
    connection.execute(f"CREATE TABLE {_quoted(layer)} (fid INTEGER PRIMARY KEY "
                       f"AUTOINCREMENT NOT NULL, geom POINT, {columns})")
    connection.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                       "VALUES (?, 'features', ?, ?)", (layer, layer, WGS84))
    connection.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', ?, 0, 0)",
                       (layer, WGS84))


def _insert(connection: sqlite3.Connection, table: ExportTable,
            batches: Iterable[Batch]) -> tuple[Any, ...]:
    """Insert the rows batch by batch; the layer's extent (None when empty)."""
    attributes = [i for i in range(len(table.columns)) if i not in (LON, LAT)]
    marks = ", ".join("?" * (len(attributes) + 1))
    insert = f"INSERT INTO {_quoted(layer_name(table))} VALUES (NULL, {marks})"
    flat = flattener(table)
    low_x = low_y = float("inf")
    high_x = high_y = float("-inf")
    for batch in batches:
        values = []
        for row in batch:
            lon, lat = row[LON], row[LAT]
            low_x, high_x = min(low_x, lon), max(high_x, lon)
            low_y, high_y = min(low_y, lat), max(high_y, lat)
            flat(row)
            values.append([point_blob(lon, lat), *[row[i] for i in attributes]])
        connection.executemany(insert, values)
    return (low_x, low_y, high_x, high_y) if low_x <= high_x else (None, None, None, None)


def layer_name(table: ExportTable) -> str:
    """The layer is named after the kind (names starting gpkg_, rtree_ are the standard's)."""
    reserved = table.kind.startswith(("gpkg_", "rtree_", "sqlite_"))
    return f"records_{table.kind}" if reserved else table.kind


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
