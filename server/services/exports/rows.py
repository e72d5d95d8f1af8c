"""Reading an export's records in chunks, and showing each as the reader may see it.

``shown_row`` is the one place an export asks disclosure about a record: every row passes
through it before any format sees it.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson
from psycopg.adapt import Loader
from psycopg.rows import namedtuple_row
from psycopg.types.string import TextLoader
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.orm import Session

from server.domain.export_table import ExportTable
from server.domain.id_card import CHINA_STANDARD_TIME
from server.models import User
from server.services.disclosure import shown_data
from server.services.exports.selection import Selection

CHUNK = 2000  # rows per FETCH from the server-side cursor


def record_batches(connection: Connection, selection: Selection,
                   size: int = CHUNK) -> Iterator[list[Any]]:
    """The selected records, ``size`` at a time, through a server-side cursor (flat memory).

    psycopg's own cursor, in the connection's transaction: rows are plain named tuples, ids
    come as text (every format writes them so) and record data is parsed by orjson, which
    spares a million rows a layer of per-row objects and most of the JSON parsing time.
    """
    driver = connection.connection.driver_connection
    with driver.cursor(name=f"export_{uuid.uuid4().hex}", row_factory=namedtuple_row) as cursor:
        cursor.adapters.register_loader("uuid", TextLoader)
        cursor.adapters.register_loader("jsonb", _OrjsonLoader)
        cursor.execute(_driver_sql(selection.query()), selection.params)
        while batch := cursor.fetchmany(size):
            yield batch


def _driver_sql(sql: str) -> str:
    """SQL with ``:name`` parameters as psycopg writes them (``%(name)s``)."""
    return str(text(sql).compile(dialect=psycopg_dialect.dialect()))


class _OrjsonLoader(Loader):
    """jsonb (text format) parsed by orjson: the same values as json.loads, faster."""

    def load(self, data: Any) -> Any:
        return orjson.loads(data)


def shown_row(session: Session, user: User, row: Any) -> Mapping[str, Any]:
    """A record's data as this user may see it: masked (or hidden) per disclosure."""
    return shown_data(session, user, row.form_id, row.form_version, row.data) or {}


def table_rows(session: Session, user: User, table: ExportTable,
               batches: Iterable[list[Any]]) -> Iterator[list[list[Any]]]:
    """Rows of cells in the table's column order, each record shown as the user may see it."""
    for batch in batches:
        yield [table.cells(_fixed(row), shown_row(session, user, row)) for row in batch]


def _fixed(row: Any) -> list[Any]:
    """The facts every export has, in ``export_table.FIXED`` order."""
    lon, lat = _point(row.geometry)
    return [row.id, row.grid, row.version, row.form_version,
            row.updated_at.astimezone(CHINA_STANDARD_TIME).isoformat(), row.updated_by, lon, lat]


def _point(geometry: str) -> tuple[float, float]:
    """(lon, lat) of a point as ST_AsGeoJSON writes it: ``{"type":"Point","coordinates":[x,y]}``
    (sliced, not parsed: a JSON parser per row costs more than the rest of the facts)."""
    x, _, y = geometry[geometry.index("[") + 1:geometry.rindex("]")].partition(",")
    return float(x), float(y)
