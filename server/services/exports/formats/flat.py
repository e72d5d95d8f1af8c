"""What the flat formats (CSV, XLSX, GeoPackage) share: one value per cell."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.domain.export_table import ExportTable

LIST_SEPARATOR = ";"  # choice codes never contain it


def flattener(table: ExportTable) -> Callable[[list[Any]], list[Any]]:
    """A function that joins a row's lists (select_multiple) into ``a;b`` in place."""
    lists = [i for i, column in enumerate(table.columns) if column.type == "list"]

    def flat(row: list[Any]) -> list[Any]:
        for i in lists:
            if type(row[i]) is list:
                row[i] = LIST_SEPARATOR.join(row[i])
        return row
    return flat
