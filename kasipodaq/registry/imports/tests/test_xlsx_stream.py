"""The streamed XLSX reader gives what calamine gives, in bounded memory."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from kasipodaq.registry.imports import reading
from kasipodaq.registry.imports.errors import ImportFileError
from kasipodaq.registry.imports.reading import (
    SheetTable,
    StreamedSheetTable,
    open_table,
)


def _both(path: Path, monkeypatch: Any) -> tuple[list[Any], list[Any]]:
    """The rows as calamine reads them and as the stream reads them."""
    whole = open_table(path)
    assert isinstance(whole, SheetTable)
    monkeypatch.setattr(reading, "STREAM_XLSX_ABOVE", 0)
    streamed = open_table(path)
    assert isinstance(streamed, StreamedSheetTable)
    assert streamed.headers == whole.headers
    return _trimmed(whole.rows()), _trimmed(streamed.rows())


def _trimmed(rows: Any) -> list[tuple[int, tuple[str, ...]]]:
    """Rows without their trailing empty cells (calamine pads to the sheet's width)."""
    trimmed = []
    for row in rows:
        values = list(row.values)
        while values and not values[-1]:
            values.pop()
        trimmed.append((row.number, tuple(values)))
    return trimmed


def _naive(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> Any:
    """A spreadsheet's date and time, which know no time zone."""
    return dt.datetime(year, month, day, hour, minute)  # noqa: DTZ001


@pytest.mark.parametrize("constant_memory", [True, False], ids=["inline", "shared"])
@pytest.mark.parametrize("date_1904", [False, True], ids=["1900", "1904"])
def test_every_kind_of_cell_reads_as_calamine_reads_it(
    tmp_path: Path, monkeypatch: Any, constant_memory: bool, date_1904: bool
) -> None:
    path = tmp_path / "cells.xlsx"
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": constant_memory,
            "strings_to_numbers": False,
            "date_1904": date_1904,
        },
    )
    hidden = workbook.add_worksheet("Скрытый")
    hidden.write(0, 0, "not this one")
    hidden.hide()
    sheet = workbook.add_worksheet("Члены")
    workbook.worksheets_objs.reverse()  # the hidden sheet comes first in the file
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    custom = workbook.add_format({"num_format": '[$-419]d mmmm yyyy "г."'})
    percent = workbook.add_format({"num_format": "0.0%"})
    sheet.write_row(2, 0, ["ИИН", "Ф.И.О.", "Дата", "Время", "Число", "Флаг"], bold)
    sheet.write_string(3, 0, " 850517400123 ")
    sheet.write_rich_string(3, 1, bold, "Ахметова", " Айгуль")
    sheet.write_datetime(3, 2, _naive(2015, 9, 1), day)
    sheet.write_datetime(3, 3, _naive(2015, 9, 1, 8, 30), moment)
    sheet.write_number(3, 4, 42)
    sheet.write_boolean(3, 5, True)
    sheet.write_number(4, 0, 850517400123)
    sheet.write_formula(4, 1, '="Ким "&"Ольга"', None, "Ким Ольга")
    sheet.write_datetime(4, 2, _naive(1999, 12, 31), custom)
    sheet.write_number(4, 4, 0.125, percent)
    sheet.write_boolean(4, 5, False)
    sheet.write_string(4, 6, " «Ким & Ко» <1> ")  # escaped in the XML
    # A gap of an empty row and cells far to the right.
    sheet.write_string(6, 0, "после пустой строки")
    sheet.write_string(6, 4, "правее")
    sheet.merge_range(7, 0, 8, 1, "объединено")
    sheet.write_string(9, 2, "скрытая строка")
    sheet.set_row(9, None, None, {"hidden": True})
    workbook.close()

    whole, streamed = _both(path, monkeypatch)

    assert streamed == whole
    assert [number for number, _values in streamed] == [4, 5, 7, 8, 10]
    assert streamed[0][1][:3] == ("850517400123", "Ахметова Айгуль", "2015-09-01")
    assert streamed[1][1][6] == "«Ким & Ко» <1>"


def test_an_openpyxl_workbook_with_shared_strings_reads_the_same(
    tmp_path: Path, monkeypatch: Any
) -> None:
    path = tmp_path / "openpyxl.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ИИН", "Фамилия", "Дата вступления"])
    sheet.append(["850517400123", "Ахметова & Co <test>", dt.date(2015, 9, 1)])
    sheet.append(["850517400124", "Ахметова & Co <test>", None])
    workbook.save(path)

    whole, streamed = _both(path, monkeypatch)

    assert streamed == whole
    assert streamed[0][1][1] == "Ахметова & Co <test>"


def test_a_large_workbook_is_streamed_in_bounded_memory(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Many rows pass without the sheet being held: one row is alive at a time."""
    path = tmp_path / "large.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["ИИН", "Фамилия"])
    for number in range(1, 20_001):
        sheet.write_row(number, 0, [f"{number:012d}", "Ахметова"])
    workbook.close()
    monkeypatch.setattr(reading, "STREAM_XLSX_ABOVE", 0)

    rows = open_table(path).rows()
    first = next(rows)
    rest = sum(1 for _ in rows)

    assert first.number == 2
    assert rest == 19_999


def test_a_damaged_worksheet_is_refused_as_damaged(
    tmp_path: Path, monkeypatch: Any
) -> None:
    path = tmp_path / "cells.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet().write_row(0, 0, ["ИИН", "Фамилия"])
    workbook.worksheets()[0].write_row(1, 0, ["1", "2"])
    workbook.close()
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    monkeypatch.setattr(reading, "STREAM_XLSX_ABOVE", 0)

    with pytest.raises(ImportFileError) as refused:
        list(open_table(damaged).rows())

    assert refused.value.code == "damaged"


def test_an_xml_bomb_is_refused_not_expanded(tmp_path: Path, monkeypatch: Any) -> None:
    """Entities in a worksheet (the billion-laughs attack) are not parsed."""
    path = tmp_path / "cells.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet().write_row(0, 0, ["ИИН", "Фамилия"])
    workbook.close()
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(bomb, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"<worksheet",
                    b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet',
                    1,
                )
            target.writestr(item, data)
    monkeypatch.setattr(reading, "STREAM_XLSX_ABOVE", 0)

    with pytest.raises(ImportFileError) as refused:
        open_table(bomb)

    assert refused.value.code == "damaged"


PREFIXED_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<x:sheetData>"
    '<x:row><x:c t="inlineStr"><x:is><x:t>ИИН</x:t></x:is></x:c>'
    '<x:c t="inlineStr"><x:is><x:t xml:space="preserve"> Фамилия </x:t></x:is></x:c>'
    "</x:row>"
    '<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:r><x:t>Ким &amp; </x:t></x:r>'
    "<x:r><x:t>Ко &#1046;</x:t></x:r></x:is></x:c>"
    '<x:c r="C3"><x:v>12.5</x:v></x:c><x:c r="D3" s="0"/></x:row>'
    '<x:row r="4"/>'
    '<x:row r="5"><x:c r="B5" t="str"><x:f>A1</x:f><x:v>ИИН</x:v></x:c></x:row>'
    "</x:sheetData></x:worksheet>"
)


def test_a_worksheet_written_with_prefixes_and_without_references_reads_the_same(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Another writer's spelling of the same XML: prefixed tags, cells without a
    reference, rich text runs, character references, self-closing cells and rows."""
    path = tmp_path / "written.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet().write_row(0, 0, ["x"])
    workbook.close()
    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(other, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = PREFIXED_SHEET.encode()
            target.writestr(item, data)

    whole, streamed = _both(other, monkeypatch)

    assert streamed == whole
    assert streamed == [(3, ("Ким &Ко Ж", "", "12.5")), (5, ("", "ИИН"))]
