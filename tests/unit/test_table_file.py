"""Reading table files: CSV in the encodings spreadsheets write, XLSX read-only, nothing fatal."""
from __future__ import annotations

import codecs
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from server.services.imports import table_file
from server.services.imports.table_file import TableProblem, inspect_table, read_rows


def write(tmp_path: Path, content: bytes, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def xlsx(tmp_path: Path, rows: list[list[object]], name: str = "file.xlsx") -> Path:
    book = openpyxl.Workbook()
    for cells in rows:
        book.active.append(cells)
    path = tmp_path / name
    book.save(path)
    return path


def cells(path: Path, after: int = 0) -> list[tuple[int, tuple]]:
    info = inspect_table(path)
    return [(row.number, row.cells) for row in read_rows(path, info, after)]


def refusal(path: Path) -> TableProblem:
    with pytest.raises(TableProblem) as refused:
        inspect_table(path)
    return refused.value


CSV = "姓名,公民身份号码\r\n李娜,440310199001011234\r\n\r\n王伟,\"多行\n地址\"\r\n"


class TestCsv:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
    def test_utf8_with_or_without_bom_and_gb18030_read_the_same(self, tmp_path, encoding):
        path = write(tmp_path, CSV.encode(encoding))
        info = inspect_table(path)
        assert info.format == "csv" and info.header == ("姓名", "公民身份号码")
        assert info.rows == 2 and info.header_row == 1
        assert cells(path) == [(2, ("李娜", "440310199001011234")), (4, ("王伟", "多行\n地址"))]

    def test_reading_resumes_after_a_row(self, tmp_path):
        assert [n for n, _ in cells(write(tmp_path, CSV.encode()), after=2)] == [4]

    def test_short_rows_are_padded_to_the_header(self, tmp_path):
        assert cells(write(tmp_path, b"a,b,c\n1\n")) == [(2, ("1", None, None))]

    def test_trailing_blank_header_cells_are_not_columns(self, tmp_path):
        assert inspect_table(write(tmp_path, b"a,b,,\n1,2,,\n")).header == ("a", "b")

    @pytest.mark.parametrize("content, words", [
        (b"", "empty"), (b"\r\n\r\n", "empty"),
        (codecs.BOM_UTF16_LE + "a,b".encode("utf-16-le"), "UTF-16"),
        (b"\xd0\xcf\x11\xe0rest of an old workbook", "XLS"),
        (b"a,b\n1,\x002\n", "NUL"),
        (b"a,b\n\xff\xfe\xfd\x80\x80,1\n", "neither UTF-8 nor GB18030"),
    ])
    def test_what_is_not_a_readable_csv_is_refused_as_a_whole(self, tmp_path, content, words):
        assert words in refusal(write(tmp_path, content)).message

    def test_a_cell_too_long_for_the_csv_reader_names_its_row(self, tmp_path):
        huge = b"a,b\n1,2\n3," + b"x" * 200_000 + b"\n"
        problem = refusal(write(tmp_path, huge))
        assert problem.row == 3 and problem.as_error()["field"] == "file"

    def test_too_many_columns_are_refused(self, tmp_path):
        header = ",".join(f"c{i}" for i in range(table_file.MAX_COLUMNS + 1)).encode()
        assert "columns" in refusal(write(tmp_path, header + b"\n")).message


class TestXlsx:
    def test_the_first_sheet_is_read_with_its_cell_types_and_row_numbers(self, tmp_path):
        path = xlsx(tmp_path, [["name", "born", "rooms", None], [], ["李娜", datetime(1990, 1, 1), 3],
                               ["王伟", None, 2.5]])
        info = inspect_table(path)
        assert (info.format, info.header, info.header_row) == ("xlsx", ("name", "born", "rooms"), 1)
        assert cells(path) == [(3, ("李娜", datetime(1990, 1, 1), 3)), (4, ("王伟", None, 2.5))]

    def test_a_formula_counts_by_its_last_calculated_value(self, tmp_path):
        path = xlsx(tmp_path, [["a", "b"], [1, "=A2*2"]])
        assert cells(path) == [(2, (1, None))]  # openpyxl writes no cached value

    def test_a_header_below_blank_rows_is_found(self, tmp_path):
        path = xlsx(tmp_path, [[], ["a"], ["x"]])
        assert inspect_table(path).header_row == 2 and cells(path) == [(3, ("x",))]

    def test_a_sheet_without_declared_size_is_read_whole(self, tmp_path):
        book = openpyxl.Workbook(write_only=True)  # writes no <dimension>
        sheet = book.create_sheet()
        for values in [["a", "b"], *([n, str(n)] for n in range(1, 301))]:
            sheet.append(values)
        book.save(tmp_path / "streamed.xlsx")
        info = inspect_table(tmp_path / "streamed.xlsx")
        assert info.rows is None and len(cells(tmp_path / "streamed.xlsx")) == 300

    def test_a_sheet_declaring_a_wrong_size_is_still_read_whole(self, tmp_path):
        right = xlsx(tmp_path, [["a"], ["x"], ["y"], ["z"]])
        wrong = tmp_path / "wrong.xlsx"
        with zipfile.ZipFile(right) as source, zipfile.ZipFile(wrong, "w") as target:
            for member in source.infolist():
                content = source.read(member)
                if member.filename.startswith("xl/worksheets/"):
                    content = content.replace(b'<dimension ref="A1:A4"', b'<dimension ref="A1:A1"')
                    assert b'"A1:A1"' in content
                target.writestr(member, content)
        assert [n for n, _ in cells(wrong)] == [2, 3, 4]

    def test_opening_a_workbook_does_not_parse_its_whole_sheet(self, tmp_path):
        # openpyxl 3.1 would, for a sheet without <dimension>: see table_file._declared_size.
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet
        inspect_table(xlsx(tmp_path, [["a"]]))
        assert ReadOnlyWorksheet._get_size is table_file._declared_size

    def test_an_empty_sheet_is_refused(self, tmp_path):
        assert "empty" in refusal(xlsx(tmp_path, [])).message

    def test_a_broken_zip_is_refused(self, tmp_path):
        good = xlsx(tmp_path, [["a"], ["x"]]).read_bytes()
        assert "XLSX" in refusal(write(tmp_path, good[: len(good) // 2], "cut.xlsx")).message

    def test_a_zip_that_is_not_a_workbook_is_refused(self, tmp_path):
        path = tmp_path / "other.xlsx"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
        assert "XLSX" in refusal(path).message

    def test_a_workbook_unpacking_beyond_the_limit_is_refused_before_it_is_opened(
            self, tmp_path, monkeypatch):
        path = xlsx(tmp_path, [["a"], ["x" * 5000]])
        monkeypatch.setattr(table_file, "MAX_UNZIPPED_BYTES", 4000)
        assert "unpacks" in refusal(path).message
