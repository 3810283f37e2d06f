"""The member list as a file, built row by row so that any size fits in memory.

`member_rows` reads only the exported columns, in chunks; `csv_chunks` turns rows
into text for a streamed response; `xlsx_file` writes a workbook to a temporary
file in xlsxwriter's constant-memory mode.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kasipodaq.core.dates import today

from .models import Category, LeaveReason, Person, Sex

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK_SIZE = 2000
# Excel in the union's locales (ru, kk) separates CSV fields with semicolons.
CSV_DELIMITER = ";"
BOM = "\ufeff"

# The columns read from the database, in the order of the file.
LOOKUPS = (
    "iin",
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "sex",
    "phone",
    "email",
    "current_membership__org_unit__code",
    "current_membership__org_unit__name_ru",
    "current_membership__org_unit__name_kk",
    "current_membership__category",
    "current_membership__joined_on",
    "current_membership__left_on",
    "current_membership__leave_reason",
)
_NAME_RU, _NAME_KK = 9, 10
# Free-text columns of the file that a spreadsheet could take for a formula.
_TEXT_COLUMNS = frozenset({1, 2, 3, 7, 8, 9})

Row = tuple[Any, ...]


def headers() -> list[str]:
    """The column titles in the active language."""
    return [
        _("IIN"),
        _("Last name"),
        _("First name"),
        _("Patronymic"),
        _("Date of birth"),
        _("Sex"),
        _("Phone"),
        _("Email"),
        _("Organization code"),
        _("Organization"),
        _("Category"),
        _("Joined on"),
        _("Left on"),
        _("Reason for leaving"),
    ]


def member_rows(people: QuerySet[Person]) -> Iterator[Row]:
    """One tuple per person of `people`, coded values spelled out.

    Labels and the language are fixed now, when called, not when the rows are
    consumed: a streamed response reads them after the view has returned.
    """
    labels = {
        5: {k: str(v) for k, v in Sex.choices},
        10: {k: str(v) for k, v in Category.choices},
        13: {k: str(v) for k, v in LeaveReason.choices},
    }
    kazakh = get_language() == "kk"
    rows = people.values_list(*LOOKUPS).iterator(chunk_size=CHUNK_SIZE)
    return _spelled_out(rows, labels, kazakh)


def _spelled_out(
    rows: Iterable[Row], labels: dict[int, dict[str, str]], kazakh: bool
) -> Iterator[Row]:
    for raw in rows:
        name = (raw[_NAME_KK] if kazakh else "") or raw[_NAME_RU]
        row = [*raw[:_NAME_RU], name, *raw[_NAME_KK + 1 :]]
        for column, names in labels.items():
            row[column] = names.get(row[column], row[column] or "")
        yield tuple(row)


class _Line:
    """A file-like object that hands back what the csv writer writes."""

    def write(self, text: str) -> str:
        return text


def _csv_cell(column: int, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if column in _TEXT_COLUMNS and str(value)[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # Kept from being run as a formula when the file is opened in a spreadsheet.
        return "'" + str(value)
    return value


def csv_chunks(rows: Iterable[Row]) -> Iterator[str]:
    """The CSV text, a line at a time, for a StreamingHttpResponse.

    It starts with a byte order mark so that Excel reads it as UTF-8.
    """
    writer = csv.writer(_Line(), delimiter=CSV_DELIMITER)
    head = BOM + writer.writerow(headers())

    def lines() -> Iterator[str]:
        yield head
        for row in rows:
            yield writer.writerow([_csv_cell(i, v) for i, v in enumerate(row)])

    return lines()


def xlsx_file(rows: Iterable[Row]) -> IO[bytes]:
    """A workbook of the rows in an anonymous temporary file, rewound for reading.

    The file disappears when closed (FileResponse closes it once sent).
    """
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        workbook = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "default_date_format": "dd.mm.yyyy",
            },
        )
        sheet = workbook.add_worksheet(_("Members")[:31])
        bold = workbook.add_format({"bold": True})
        titles = headers()
        sheet.write_row(0, 0, titles, bold)
        for column, width in enumerate((14, 18, 16, 18, 12, 8, 18, 24, 12, 40)):
            sheet.set_column(column, column, width)
        sheet.set_column(len(titles) - 4, len(titles) - 1, 14)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, row)
        workbook.close()
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def export_filename(file_format: str) -> str:
    return f"members-{today().isoformat()}.{file_format}"
