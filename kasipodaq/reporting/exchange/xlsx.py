"""A printed report as an XLSX workbook in the union's layout.

One worksheet: the title lines (form, organization, year and the date it
describes, status), then a table of code, indicator and value, with a header row
for each section and, in the consolidated view, a column per organization below.
Numbers stay numbers, shown with the places of their type; text stays text, never
taken for a formula. It prints on A4, as wide as the page, the table's header
repeated on every page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from kasipodaq.registry.exports import in_temporary_file, new_workbook

from ..models import ValueType
from .layout_rows import PrintedReport

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {
    ValueType.COUNT: "#,##0",
    ValueType.AMOUNT: "#,##0.00",
    ValueType.PERCENT: "0.0",
}
CODE_WIDTH, NAME_WIDTH, VALUE_WIDTH = 18, 60, 16
A4 = 9


def report_filename(printed: PrintedReport, extension: str) -> str:
    """E.g. ``membership-2025-U00012-kk.xlsx``."""
    return (
        f"{printed.form_code}-{printed.year}-{printed.organization.code}"
        f"-{printed.language}.{extension}"
    )


def write_report_xlsx(printed: PrintedReport, target: IO[bytes] | str) -> None:
    workbook = new_workbook(target)
    workbook.set_properties(
        {"title": printed.form_name, "subject": printed.organization.name}
    )
    sheet = workbook.add_worksheet(printed.form_code[:31])
    formats = _formats(workbook)
    last_column = 1 + printed.value_columns
    sheet.set_column(0, 0, CODE_WIDTH)
    sheet.set_column(1, 1, NAME_WIDTH)
    sheet.set_column(2, last_column, VALUE_WIDTH)

    row = 0
    for number, line in enumerate(printed.heading):
        sheet.write_string(row, 0, line, formats["title" if number == 0 else "line"])
        row += 1
    row += 1
    header_row = row
    for column, title in enumerate(printed.column_titles):
        sheet.write_string(row, column, title, formats["header"])
    row += 1
    for printed_row in printed.rows:
        if printed_row.is_section:
            sheet.merge_range(
                row, 0, row, last_column, printed_row.name, formats["section"]
            )
            row += 1
            continue
        sheet.write_string(row, 0, printed_row.code, formats["code"])
        sheet.write_string(row, 1, printed_row.name, formats["name"])
        for offset, value in enumerate(printed_row.values):
            _write_value(sheet, row, 2 + offset, value, printed_row.value_type, formats)
        row += 1

    sheet.freeze_panes(header_row + 1, 2)
    sheet.repeat_rows(header_row)
    sheet.set_paper(A4)
    if printed.children:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    workbook.close()


def report_xlsx_file(printed: PrintedReport) -> IO[bytes]:
    """The workbook in an anonymous temporary file, rewound for reading."""
    return in_temporary_file(lambda target: write_report_xlsx(printed, target))


def _write_value(
    sheet: Any,
    row: int,
    column: int,
    value: Decimal | str | None,
    value_type: str,
    formats: dict[str, Any],
) -> None:
    if value is None:
        sheet.write_blank(row, column, None, formats["text"])
    elif isinstance(value, str):
        sheet.write_string(row, column, value, formats["text"])
    else:
        sheet.write_number(row, column, float(value), formats[value_type])


def _formats(workbook: Any) -> dict[str, Any]:
    cell = {"border": 1, "valign": "top"}
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "line": workbook.add_format({}),
        "header": workbook.add_format(
            {**cell, "bold": True, "bg_color": "#D9D9D9", "text_wrap": True}
        ),
        "section": workbook.add_format({**cell, "bold": True, "bg_color": "#F2F2F2"}),
        "code": workbook.add_format({**cell, "font_color": "#595959"}),
        "name": workbook.add_format({**cell, "text_wrap": True}),
        "text": workbook.add_format({**cell, "text_wrap": True}),
    }
    for value_type, number_format in NUMBER_FORMATS.items():
        formats[value_type] = workbook.add_format({**cell, "num_format": number_format})
    return formats
