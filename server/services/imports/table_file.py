"""Reading a table file (CSV or XLSX) row by row: the one reader of every bulk import.

A file is inspected once (format, encoding, header, size), then read as many times as needed,
from any row on (a job resuming after its worker died starts where its last checkpoint was).
Rows are numbered as a spreadsheet numbers them: the header is row 1 when it is the first line.
Nothing here knows about forms; a cell is a string (CSV) or what openpyxl reads (XLSX: str,
int, float, bool, datetime, or None).

- CSV: comma-separated, UTF-8 with or without BOM; a file that is not UTF-8 is read as GB18030
  (what Excel on a Chinese Windows saves as "CSV"). UTF-16, NUL bytes (a binary file) and cells
  longer than the csv module's limit are refused.
- XLSX: the first worksheet, read with openpyxl in read-only mode (constant memory), formulas as
  the value the spreadsheet last calculated; the zip's declared sizes are checked first (no
  zip bombs), XML is parsed through defusedxml. The old binary XLS format is refused.
"""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


FORMATS = ("csv", "xlsx")
ENCODINGS = ("utf-8-sig", "gb18030")
MAX_COLUMNS = 1000
MAX_UNZIPPED_BYTES = 2 * 1024**3        # the whole workbook, unpacked
MAX_SHARED_STRINGS_BYTES = 256 * 1024**2  # openpyxl keeps the shared strings in memory
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class TableProblem(Exception):
    """The file cannot be read (from ``row`` on, when known): a problem of the file as a whole."""

    def __init__(self, message: str, message_zh: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message, self.message_zh, self.row = message, message_zh, row

    def as_error(self) -> dict[str, str]:
        """The problem as one error of a problem+json ``errors`` list or a row's errors."""
        where = f"row {self.row}: " if self.row else ""
        return {"field": "file", "code": "unreadable", "message": where + self.message,
                "message_zh": (f"第 {self.row} 行：" if self.row else "") + self.message_zh}


@dataclass(frozen=True)
class TableInfo:
    """What inspecting a file found: how to read it, its header, and how many rows follow."""

    format: str
    encoding: str | None
    header: tuple[str | None, ...]
    header_row: int
    rows: int | None  # data rows after the header (XLSX: as the sheet declares, may be None)

    def as_dict(self) -> dict[str, Any]:
        """JSON for a job's payload."""
        return {"format": self.format, "encoding": self.encoding, "header": list(self.header),
                "header_row": self.header_row, "rows": self.rows}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableInfo:
        """Back from a job's payload."""
        return cls(data["format"], data["encoding"], tuple(data["header"]), data["header_row"],
                   data["rows"])


@dataclass(frozen=True)
class TableRow:
    """One data row: its number in the file, and its cells in header order."""

    number: int
    cells: tuple[Any, ...]


def inspect_table(path: Path) -> TableInfo:
    """Check that a file is a readable CSV or XLSX table with a header row; count its rows."""
    with open(path, "rb") as handle:
        start = handle.read(8)
    if start.startswith(b"PK\x03\x04"):
        return _inspect_xlsx(path)
    if start.startswith(_XLS_MAGIC):
        raise TableProblem("old Excel (XLS) files are not read: save the sheet as XLSX or CSV",
                           "不支持旧版 Excel（XLS）文件，请另存为 XLSX 或 CSV")
    if start.startswith(_UTF16_BOMS):
        raise TableProblem("UTF-16 text is not read: save as CSV (UTF-8)",
                           "不支持 UTF-16 文本，请另存为 CSV（UTF-8）")
    return _inspect_csv(path)


def read_rows(path: Path, info: TableInfo, after: int = 0) -> Iterator[TableRow]:
    """The data rows that are not blank, from row ``after + 1`` on."""
    rows = _csv_rows(path, info.encoding or ENCODINGS[0]) if info.format == "csv" \
        else _xlsx_rows(path)
    width = len(info.header)
    for number, cells in rows:
        if number <= max(after, info.header_row) or _blank(cells):
            continue
        if len(cells) > width and _blank(cells[width:]):
            cells = cells[:width]  # a sheet's declared but empty columns
        yield TableRow(number, tuple(cells) + (None,) * (width - len(cells)))


def _blank(cells: Any) -> bool:
    return all(c is None or (type(c) is str and not c.strip()) for c in cells)


# ---------------------------------------------------------------------------------------- CSV

def _inspect_csv(path: Path) -> TableInfo:
    for encoding in ENCODINGS:
        try:
            return _scan_csv(path, encoding)
        except UnicodeDecodeError:
            continue
    raise TableProblem("the file is neither UTF-8 nor GB18030 text: save it as CSV (UTF-8)",
                       "文件不是 UTF-8 或 GB18030 编码的文本，请另存为 CSV（UTF-8）")


def _scan_csv(path: Path, encoding: str) -> TableInfo:
    """Read the whole file once: the encoding holds, the csv module can parse every row."""
    header: tuple[str | None, ...] | None = None
    header_row, rows = 0, 0
    for number, cells in _csv_rows(path, encoding):
        if header is None:
            if not _blank(cells):
                header, header_row = _trimmed(cells), number
        elif not _blank(cells):
            rows += 1
    if header is None:
        raise TableProblem("the file is empty: the first row must name the columns",
                           "文件为空：第一行应为列名")
    _check_width(header)
    return TableInfo("csv", encoding, header, header_row, rows)


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        reader = csv.reader(text, strict=False)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise TableProblem(f"cannot be read as CSV from here on ({error})",
                                   "从此行起无法按 CSV 读取（单元格过长或引号不配对）",
                                   number + 1) from None
            number += 1
            if any("\x00" in cell for cell in cells):
                raise TableProblem("contains NUL bytes: not a text file",
                                   "含有 NUL 字节，不是文本文件", number)
            yield number, cells


# --------------------------------------------------------------------------------------- XLSX

def _inspect_xlsx(path: Path) -> TableInfo:
    _check_zip(path)
    book = _workbook(path)
    with book as sheet:
        for number, cells in _sheet_rows(sheet):
            if not _blank(cells):
                header = _trimmed([_header_cell(c) for c in cells])
                _check_width(header)
                last = book.declared_rows
                return TableInfo("xlsx", None, header, number,
                                 max(last - number, 0) if isinstance(last, int) else None)
    raise TableProblem("the first sheet is empty: its first row must name the columns",
                       "第一个工作表为空：第一行应为列名")


def _openpyxl() -> Any:
    """openpyxl, imported when a workbook is first read (it is slow to import: the app and
    the workers that never read one start faster), with the fix below applied."""
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    ReadOnlyWorksheet._get_size = _declared_size  # openpyxl is pinned: see requirements.txt
    return openpyxl


def _declared_size(sheet: Any) -> None:
    """openpyxl's ``ReadOnlyWorksheet._get_size``, stopping where the sheet's data starts.

    openpyxl 3.1 looks for ``<dimension>`` until the *end* of ``<sheetData>``: a sheet without
    one (openpyxl's own write-only files) was parsed whole, just to open it, to learn nothing.
    The outcome is the same (the declared size, or none); only the wasted pass is gone."""
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse
    with sheet._get_source() as source:
        for _, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                (sheet._min_column, sheet._min_row, sheet._max_column,
                 sheet._max_row) = SheetDimension.from_tree(element).boundaries
                return
            if element.tag == DATA_TAG:
                return


def _xlsx_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    with _workbook(path) as sheet:
        yield from _sheet_rows(sheet)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise TableProblem(f"not a readable XLSX workbook ({error})",
                           "不是可读取的 XLSX 工作簿") from None
    shared = sum(m.file_size for m in members if m.filename.endswith("sharedStrings.xml"))
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES or \
            shared > MAX_SHARED_STRINGS_BYTES:
        raise TableProblem("the workbook unpacks to more than this server reads",
                           "工作簿解压后过大")


class _workbook:
    """The first worksheet of a workbook opened read-only, closed on the way out."""

    def __init__(self, path: Path) -> None:
        self.path, self.book, self.file = path, None, None
        self.declared_rows: int | None = None

    def __enter__(self) -> Any:
        # A file object, not a path: openpyxl judges a path by its extension, and an upload
        # is kept under a name of our own.
        self.file = open(self.path, "rb")
        try:
            # openpyxl raises many kinds of errors on a broken workbook (zip, XML, KeyError…):
            # every one of them means the same to the person who sent it.
            self.book = _openpyxl().load_workbook(self.file, read_only=True, data_only=True)
            sheet = self.book.worksheets[0]
            self.declared_rows = sheet.max_row
            # Read every row there is, whatever the sheet declares (some writers declare A1:A1).
            sheet.reset_dimensions()
            return sheet
        except Exception as error:
            self.__exit__()
            raise TableProblem(f"not a readable XLSX workbook ({type(error).__name__})",
                               "不是可读取的 XLSX 工作簿") from None

    def __exit__(self, *exc: Any) -> None:
        if self.book is not None:
            self.book.close()
        if self.file is not None:
            self.file.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    rows = sheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as error:  # broken XML or cell data inside the sheet
            raise TableProblem(f"the sheet cannot be read from here on ({type(error).__name__})",
                               "从此行起无法读取工作表", number + 1) from None
        number += 1
        yield number, cells


def _header_cell(value: Any) -> str | None:
    return None if value is None else str(value)


def _trimmed(header: list[str | None]) -> tuple[str | None, ...]:
    """The header without the blank cells at its end (sheets often declare empty columns)."""
    end = len(header)
    while end and (header[end - 1] is None or not header[end - 1].strip()):  # type: ignore[union-attr]
        end -= 1
    return tuple(header[:end])


def _check_width(header: tuple[str | None, ...]) -> None:
    if len(header) > MAX_COLUMNS:
        raise TableProblem(f"the header has more than {MAX_COLUMNS} columns",
                           f"表头超过 {MAX_COLUMNS} 列", 1)
