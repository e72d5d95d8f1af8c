"""XLSX (Office Open XML) through XlsxWriter's constant-memory mode: rows go to disk as written."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

import xlsxwriter

from server.domain.export_table import ExportTable
from server.services.exports.formats.base import Batch, Formatter, file_pieces
from server.services.exports.formats.flat import flattener

MAX_ROWS = 1_048_576  # rows of one worksheet, the header included
OPTIONS = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
           "strings_to_urls": False}


class XlsxFormatter(Formatter):
    """One worksheet per 1,048,575 records (Excel's limit), each with the header row frozen.

    Strings are always written as strings, never as formulas or links; numbers as numbers.
    """

    name = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def encode(self, table: ExportTable, batches: Iterable[Batch],
               workdir: Path) -> Iterator[bytes]:
        """The workbook, written to a temporary file row by row, then read out."""
        path = workdir / "export.xlsx"
        workbook = xlsxwriter.Workbook(str(path), {**OPTIONS, "tmpdir": str(workdir)})
        bold = workbook.add_format({"bold": True})
        flat = flattener(table)
        sheet, row_number, sheets = None, MAX_ROWS, 0
        for batch in batches:
            for row in batch:
                if row_number == MAX_ROWS:
                    sheets += 1
                    sheet = _worksheet(workbook, table, sheets, bold)
                    row_number = 1
                sheet.write_row(row_number, 0, flat(row))
                row_number += 1
        if sheet is None:
            _worksheet(workbook, table, 1, bold)
        workbook.close()
        yield from file_pieces(path)


def _worksheet(workbook: xlsxwriter.Workbook, table: ExportTable, number: int,
               bold: object) -> object:
    """A new worksheet named after the kind, its header row written and frozen."""
    name = table.kind[:27] if number == 1 else f"{table.kind[:24]} ({number})"
    sheet = workbook.add_worksheet(name)
    for i, column in enumerate(table.columns):
        sheet.set_column(i, i, min(max(_display_width(column.header) + 2, 10), 40))
    sheet.write_row(0, 0, [column.header for column in table.columns], bold)
    sheet.freeze_panes(1, 0)
    return sheet


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
