"""Reading import files: formats, encodings, separators and refusals."""

from __future__ import annotations

import codecs
import datetime
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.utils import translation

from kasipodaq.core.errors import DomainError
from kasipodaq.registry.imports.errors import ImportFileError
from kasipodaq.registry.imports.reading import CsvTable, open_table

HEADER = ["ИИН", "Фамилия", "Имя"]
ROWS = [
    ["880101300123", "Ахметов", "Ерлан"],
    ["900215400456", "Иванова, Мария", "Анна"],
]


def write_csv(path: Path, *, encoding: str, delimiter: str, bom: bool = False) -> Path:
    lines = []
    for cells in [HEADER, *ROWS]:
        quoted = [
            f'"{cell}"' if delimiter in cell or "," in cell else cell for cell in cells
        ]
        lines.append(delimiter.join(quoted))
    data = "\r\n".join(lines).encode(encoding)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data + b"\r\n")
    return path


def values(table) -> list[tuple[int, tuple[str, ...]]]:
    return [(row.number, row.values) for row in table.rows()]


def refusal(path: Path) -> tuple[str, str]:
    """The refusal's code and its message as written in the source (the msgid)."""
    with pytest.raises(ImportFileError) as caught, translation.override(None):
        open_table(path)
    assert isinstance(caught.value, DomainError)
    with translation.override(None):
        return caught.value.code, str(caught.value.message)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", False, "utf-8"),
        ("utf-8", True, "utf-8-sig"),
        ("cp1251", False, "cp1251"),
    ],
)
def test_csv_variants_read_alike(tmp_path, delimiter, encoding, bom, detected):
    """CSV in UTF-8 (with or without BOM) or Windows-1251, with any separator, reads
    to the same headers and rows, quoted separators kept inside their cell."""
    path = write_csv(
        tmp_path / "m.csv", encoding=encoding, delimiter=delimiter, bom=bom
    )
    table = open_table(path)
    assert isinstance(table, CsvTable)
    assert table.encoding == detected
    assert table.delimiter == delimiter
    assert table.headers == HEADER
    assert values(table) == [(2, tuple(ROWS[0])), (3, tuple(ROWS[1]))]


def test_cp1251_and_utf8_are_told_apart(tmp_path):
    """The same Russian text decodes right whether saved in UTF-8 or Windows-1251."""
    text = "Код;Наименование\r\n01;Профсоюз работников образования\r\n"
    (tmp_path / "a.csv").write_bytes(text.encode("cp1251"))
    (tmp_path / "b.csv").write_bytes(text.encode("utf-8"))
    for name in ("a.csv", "b.csv"):
        table = open_table(tmp_path / name)
        assert table.headers == ["Код", "Наименование"]
        assert [row.values for row in table.rows()] == [
            ("01", "Профсоюз работников образования")
        ]


def test_format_is_recognised_by_content_not_name(tmp_path):
    """A CSV named .xlsx is read as CSV; an XLSX named .csv as a workbook."""
    csv_path = write_csv(tmp_path / "m.xlsx", encoding="utf-8", delimiter=";")
    assert open_table(csv_path).format == "csv"
    xlsx_path = tmp_path / "m.csv"
    write_xlsx(xlsx_path)
    assert open_table(xlsx_path).format == "xlsx"


def test_csv_empty_lines_are_skipped_but_counted(tmp_path):
    """Blank lines are not rows, yet later rows keep their line number in the file."""
    path = tmp_path / "m.csv"
    path.write_text("\n\nИИН,Имя\n880101300123,Ерлан\n\n,\n900215400456,Анна\n")
    table = open_table(path)
    assert table.header_row_number == 3
    assert values(table) == [
        (4, ("880101300123", "Ерлан")),
        (7, ("900215400456", "Анна")),
    ]


def test_quoted_line_breaks_stay_in_one_cell(tmp_path):
    """A quoted cell spanning lines is one cell; row numbers count records."""
    path = tmp_path / "m.csv"
    path.write_text('ИИН,Адрес\n1,"ул. Абая\n10"\n2,x\n', encoding="utf-8")
    assert values(open_table(path)) == [(2, ("1", "ул. Абая\n10")), (3, ("2", "x"))]


def write_xlsx(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Члены")
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy"})
    sheet.write_row(0, 0, ["ИИН", "ФИО", "Дата вступления", "Взносы"])
    sheet.write_number(1, 0, 880101300123)
    sheet.write_string(1, 1, "Ахметов Ерлан Серікұлы")
    sheet.write_datetime(
        1,
        2,
        datetime.date(2020, 1, 5),
        date_format,
    )
    sheet.write_number(1, 3, 2.5)
    # Row 3 is left empty; row 4 is hidden.
    sheet.write_number(3, 0, 90215400456)
    sheet.write_string(3, 1, "  Иванова Анна  ")
    sheet.write_formula(3, 3, "=1+2", None, 3)
    sheet.set_row(3, None, None, {"hidden": True})
    sheet.merge_range(4, 0, 4, 1, "Объединено")
    workbook.close()
    return path


def test_xlsx_cells_come_out_as_import_text(tmp_path):
    """Dates become ISO dates, whole numbers lose «.0» (a number IIN stays 12 digits,
    a dropped leading zero is not restored), formulas give their value, hidden rows
    are read, an empty row is skipped and a merged range keeps its value in its first
    cell only."""
    table = open_table(write_xlsx(tmp_path / "m.xlsx"))
    assert table.format == "xlsx"
    assert table.headers == ["ИИН", "ФИО", "Дата вступления", "Взносы"]
    assert values(table) == [
        (2, ("880101300123", "Ахметов Ерлан Серікұлы", "2020-01-05", "2.5")),
        (4, ("90215400456", "Иванова Анна", "", "3")),
        (5, ("Объединено", "", "", "")),
    ]


def test_xlsx_row_numbers_follow_the_sheet_when_it_starts_lower(tmp_path):
    """A header on row 3, column B: rows are numbered as the spreadsheet shows them."""
    path = tmp_path / "m.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(2, 1, ["Код", "Уровень"])
    sheet.write_row(4, 1, ["01", "central"])
    workbook.close()
    table = open_table(path)
    assert table.header_row_number == 3
    assert values(table) == [(5, ("01", "central"))]


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Лист1">
<table:table-row>
 <table:table-cell office:value-type="string"><text:p>Код</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><text:p>Дата открытия</text:p>
 </table:table-cell>
</table:table-row>
<table:table-row>
 <table:table-cell office:value-type="float" office:value="17"><text:p>17</text:p>
 </table:table-cell>
 <table:table-cell office:value-type="date" office:date-value="1995-03-01">
  <text:p>01.03.1995</text:p></table:table-cell>
</table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>
"""
ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/"
  manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def test_ods_is_read(tmp_path):
    """An OpenDocument spreadsheet reads like an XLSX: ISO dates, whole numbers."""
    path = tmp_path / "orgs.ods"
    write_ods(path)
    table = open_table(path)
    assert table.format == "ods"
    assert table.headers == ["Код", "Дата открытия"]
    assert values(table) == [(2, ("17", "1995-03-01"))]


def test_ods_under_another_name_is_read(tmp_path):
    """An ODS saved without its extension is still recognised as ODS."""
    path = tmp_path / "upload"
    write_ods(path)
    assert open_table(path).format == "ods"


def write_ods(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            zipfile.ZIP_STORED,
        )
        # Office writes no whitespace between elements; calamine expects none.
        content = re.sub(r">\s+<", "><", ODS_CONTENT)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST, zipfile.ZIP_DEFLATED)


def test_truncated_xlsx_is_refused(tmp_path):
    """An XLSX cut in half is refused as damaged, not with calamine's own error."""
    data = write_xlsx(tmp_path / "full.xlsx").read_bytes()
    path = tmp_path / "half.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert refusal(path) == (
        "damaged",
        "The file is damaged or incomplete and cannot be read.",
    )


def test_xls_with_garbage_is_refused(tmp_path):
    """An OLE2 header followed by garbage is refused as a damaged file."""
    path = tmp_path / "m.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x07" * 2000)
    assert refusal(path)[0] == "damaged"


def test_zip_that_is_no_spreadsheet_is_refused(tmp_path):
    """A zip archive holding neither a workbook nor an OpenDocument sheet is refused."""
    path = tmp_path / "m.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    code, message = refusal(path)
    assert code == "unknown_format"
    assert "XLSX, XLS, ODS or CSV" in message


def test_binary_file_is_refused(tmp_path):
    """A binary file of another kind (here a PNG) is an unknown format."""
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert refusal(path)[0] == "unknown_format"


@pytest.mark.parametrize("content", [b"", b"  \r\n\r\n", b",,,\r\n, ,\r\n"])
def test_empty_file_is_refused(tmp_path, content):
    """A file with nothing in it, or only blank lines and separators, has no header."""
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    assert refusal(path) == ("empty_file", "The file is empty: it has no header row.")


def test_empty_workbook_is_refused(tmp_path):
    """A workbook whose sheet has no cells is empty too."""
    path = tmp_path / "m.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet()
    workbook.close()
    assert refusal(path)[0] == "empty_file"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_header_without_rows_is_refused(tmp_path, kind):
    """A header row with nothing under it is refused as having no data rows."""
    path = tmp_path / f"m.{kind}"
    if kind == "csv":
        path.write_text("ИИН;Фамилия\r\n;\r\n\r\n", encoding="utf-8")
    else:
        workbook = xlsxwriter.Workbook(str(path))
        workbook.add_worksheet().write_row(0, 0, ["ИИН", "Фамилия"])
        workbook.close()
    assert refusal(path) == (
        "no_rows",
        "The file has a header row but no data rows.",
    )


def test_utf16_is_refused_as_an_encoding(tmp_path):
    """UTF-16 text (some programs' «Unicode text») is not a supported encoding."""
    path = tmp_path / "m.csv"
    path.write_bytes("ИИН\tФамилия\r\n1\tА\r\n".encode("utf-16"))
    code, message = refusal(path)
    assert code == "encoding"
    assert "UTF-8 or Windows-1251" in message


def test_bytes_invalid_in_both_encodings_are_refused(tmp_path):
    """Byte 0x98 is invalid in UTF-8 and undefined in Windows-1251: refused."""
    path = tmp_path / "m.csv"
    path.write_bytes("ИИН;Фамилия\r\n1;".encode("cp1251") + b"\x98\r\n")
    assert refusal(path)[0] == "encoding"


def test_encoding_change_past_the_sample_names_the_row(tmp_path):
    """A file in UTF-8 at the start and Windows-1251 later is refused at the row."""
    path = tmp_path / "m.csv"
    ascii_rows = "".join(f"{n:012d};Ivanov\n" for n in range(20_000))
    path.write_bytes(
        ("IIN;Name\n" + ascii_rows).encode() + "1;Иванов\n".encode("cp1251")
    )
    table = open_table(path)
    assert isinstance(table, CsvTable)
    assert table.encoding == "utf-8"
    with pytest.raises(ImportFileError) as caught, translation.override(None):
        list(table.rows())
    assert caught.value.code == "encoding"
    assert str(caught.value.message).startswith("Row 20002 is not valid UTF-8")


def test_oversized_cell_is_refused_at_its_row(tmp_path):
    """A CSV cell too long to be a cell (a broken quote swallowing the file) is
    refused as damaged, naming the row."""
    path = tmp_path / "m.csv"
    path.write_text("ИИН;Фамилия\n1;" + "x" * 200_000 + "\n", encoding="utf-8")
    assert refusal(path) == (
        "damaged",
        "Row 2 of the file is damaged and cannot be read.",
    )


def test_missing_file_is_refused(tmp_path):
    """A path that does not exist is refused, not an OSError."""
    assert refusal(tmp_path / "absent.csv")[0] == "unreadable"


def test_large_csv_is_streamed_in_bounded_memory(tmp_path):
    """100,000 rows are read without holding the file in memory."""
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("ИИН;Фамилия;Имя;Код организации\n")
        for n in range(100_000):
            out.write(f"{n:012d};Ахметов;Ерлан;P{n % 500:04d}\n")
    assert path.stat().st_size > 4_000_000
    tracemalloc.start()
    try:
        table = open_table(path)
        count = 0
        last = 0
        for row in table.rows():
            count += 1
            last = row.number
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, last) == (100_000, 100_001)
    assert peak < 1_500_000
