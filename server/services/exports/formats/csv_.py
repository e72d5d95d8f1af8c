"""CSV: UTF-8 with a byte-order mark, so that Excel opens Chinese text intact (RFC 4180)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from server.domain.export_table import ExportTable
from server.services.exports.formats.base import Batch, Formatter
from server.services.exports.formats.flat import flattener

BOM = "\ufeff"
# Excel runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvFormatter(Formatter):
    """Comma-separated values, CRLF line ends, a header row."""

    name = "csv"
    media_type = "text/csv; charset=utf-8; header=present"
    extension = "csv"

    def encode(self, table: ExportTable, batches: Iterable[Batch],
               workdir: Path) -> Iterator[bytes]:
        """A header row, then each batch of rows as soon as it comes."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([column.header for column in table.columns])
        yield (BOM + buffer.getvalue()).encode("utf-8")
        flat = flattener(table)
        free = [i for i, column in enumerate(table.columns) if column.free_text]
        for batch in batches:
            buffer.seek(0)
            buffer.truncate()
            for row in batch:
                for i in free:
                    value = row[i]
                    if value and value.startswith(FORMULA_STARTS):
                        row[i] = "'" + value  # shown as text, as Excel's own ' prefix does
                writer.writerow(flat(row))
            yield buffer.getvalue().encode("utf-8")
