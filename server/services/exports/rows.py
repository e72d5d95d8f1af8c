"""Reading an export's records in chunks, and showing each as the reader may see it.

``shown_row`` is the one place an export asks disclosure about a record: every row passes
through it before any format sees it.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from server.domain.export_table import ExportTable
from server.domain.id_card import CHINA_STANDARD_TIME
from server.models import User
from server.services.disclosure import shown_data
from server.services.exports.selection import Selection

CHUNK = 2000  # rows per fetch from the server-side cursor


def record_batches(connection: Connection, selection: Selection,
                   size: int = CHUNK) -> Iterator[list[Any]]:
    """The selected records, ``size`` at a time, through a server-side cursor (flat memory)."""
    # Options of this statement only: Connection.execution_options() would change the
    # connection for every later statement of the request.
    result = connection.execute(text(selection.query()), selection.params,
                                execution_options={"yield_per": size})
    try:
        for partition in result.partitions():
            yield list(partition)
    finally:
        result.close()


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
    lon, lat = json.loads(row.geometry)["coordinates"]
    return [str(row.id), row.grid, row.version, row.form_version,
            row.updated_at.astimezone(CHINA_STANDARD_TIME).isoformat(), row.updated_by, lon, lat]
