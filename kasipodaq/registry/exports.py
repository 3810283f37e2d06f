"""Registry files built row by row so that any size fits in memory.

Three files are made. The member list is what the list page shows, one row per
person with their current membership. The membership history (one row per
membership period, ended ones too) and the organization tree (one row per period
a unit stood under a parent, parents first) are import files: their titles are
spellings the importer recognises and their coded values are spelled out as it
reads them, so that an export imports back into an empty registry.

Each ``*_rows`` function reads only the exported columns, in chunks, and gives a
``Sheet``; ``csv_chunks`` turns a sheet into text for a streamed response,
``xlsx_file`` into a workbook in a temporary file (xlsxwriter's constant-memory
mode), and ``write_file`` into a file on disk, for the commands.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import xlsxwriter
from django.db import models
from django.db.models import Case, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _

from kasipodaq.access.perms import Perm
from kasipodaq.access.scoping import scope
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Level,
    OrgPlacement,
    OrgUnit,
    Sector,
)

from .imports.headers import Field
from .imports.reading import FORMULA_STARTS
from .models import Category, LeaveReason, Membership, Person, Sex

if TYPE_CHECKING:  # a development-only package: the annotations' type
    from django_stubs_ext import StrOrPromise

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
# What a spreadsheet takes a cell starting with for a formula.

Row = tuple[Any, ...]
Choices = type[models.TextChoices]


@dataclasses.dataclass(frozen=True)
class Sheet:
    """An export: its column titles and rows, and how its cells are written.

    Titles and coded values are put in words when the sheet is made, in the active
    language, not when its rows are consumed: a streamed response reads them after
    the view has returned.
    """

    title: str
    headers: list[str]
    rows: Iterable[Row]
    # Columns of free text that a spreadsheet could take for a formula.
    text_columns: frozenset[int]
    widths: tuple[int, ...]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


def _sheet(
    rows: QuerySet[Any],
    lookups: Iterable[str],
    *,
    title: str,
    headers: list[str],
    coded: dict[int, Choices],
    text_columns: frozenset[int],
    widths: tuple[int, ...],
) -> Sheet:
    """A sheet of these columns of `rows`, the `coded` ones spelled out."""
    labels = {
        column: {value: str(label) for value, label in choices.choices}
        for column, choices in coded.items()
    }
    values = rows.values_list(*lookups).iterator(chunk_size=CHUNK_SIZE)
    return Sheet(
        title=title,
        headers=headers,
        rows=_spelled_out(values, labels),
        text_columns=text_columns,
        widths=widths,
    )


def _spelled_out(
    rows: Iterable[Row], labels: dict[int, dict[str, str]]
) -> Iterator[Row]:
    for raw in rows:
        row = list(raw)
        for column, names in labels.items():
            row[column] = names.get(row[column], row[column] or "")
        yield tuple(row)


# The member list: what the list page shows, one row per person.

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
    "org_name",
    "current_membership__category",
    "current_membership__joined_on",
    "current_membership__left_on",
    "current_membership__leave_reason",
)
_ORG_NAME_RU = "current_membership__org_unit__name_ru"
_ORG_NAME_KK = "current_membership__org_unit__name_kk"


def headers() -> list[str]:
    """The member list's column titles in the active language."""
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


def member_rows(people: QuerySet[Person]) -> Sheet:
    """The member list: one row per person of `people`, current membership only.

    The organization is named in Kazakh when the language is Kazakh and it has a
    Kazakh name, else in Russian.
    """
    name: Any = F(_ORG_NAME_RU)
    if get_language() == "kk":
        name = Coalesce(NullIf(F(_ORG_NAME_KK), Value("")), F(_ORG_NAME_RU))
    return _sheet(
        people.annotate(org_name=name),
        LOOKUPS,
        title=_("Members"),
        headers=headers(),
        coded={5: Sex, 10: Category, 13: LeaveReason},
        text_columns=frozenset({1, 2, 3, 7, 8, 9}),
        widths=(14, 18, 16, 18, 12, 8, 18, 24, 12, 40, 14, 14, 14, 14),
    )


# Import files: each column is a field the importer knows.

COLUMN_TITLES: dict[Field, StrOrPromise] = {
    Field.IIN: pgettext_lazy("file column", "IIN"),
    Field.LAST_NAME: pgettext_lazy("file column", "Last name"),
    Field.FIRST_NAME: pgettext_lazy("file column", "First name"),
    Field.PATRONYMIC: pgettext_lazy("file column", "Patronymic"),
    Field.BIRTH_DATE: pgettext_lazy("file column", "Date of birth"),
    Field.SEX: pgettext_lazy("file column", "Sex"),
    Field.PHONE: pgettext_lazy("file column", "Phone"),
    Field.EMAIL: pgettext_lazy("file column", "Email"),
    Field.ORG_CODE: pgettext_lazy("file column", "Organization code"),
    Field.CATEGORY: pgettext_lazy("file column", "Category"),
    Field.JOINED_ON: pgettext_lazy("file column", "Joined on"),
    Field.LEFT_ON: pgettext_lazy("file column", "Left on"),
    Field.LEAVE_REASON: pgettext_lazy("file column", "Reason for leaving"),
    Field.CODE: pgettext_lazy("file column", "Code"),
    Field.PARENT_CODE: pgettext_lazy("file column", "Parent code"),
    Field.LEVEL: pgettext_lazy("file column", "Level"),
    Field.NAME_RU: pgettext_lazy("file column", "Russian name"),
    Field.NAME_KK: pgettext_lazy("file column", "Kazakh name"),
    Field.BIN: pgettext_lazy("file column", "BIN"),
    Field.SECTOR: pgettext_lazy("file column", "Sector"),
    Field.EMPLOYEES: pgettext_lazy("file column", "Employees"),
    Field.OPENED_ON: pgettext_lazy("file column", "Opened on"),
    Field.CLOSED_ON: pgettext_lazy("file column", "Closed on"),
    Field.PLACED_FROM: pgettext_lazy("file column", "Under this parent from"),
}
# Fields whose values are codes, written as their labels.
CODED: dict[Field, Choices] = {
    Field.SEX: Sex,
    Field.CATEGORY: Category,
    Field.LEAVE_REASON: LeaveReason,
    Field.LEVEL: Level,
    Field.SECTOR: Sector,
}
# Fields of free text, typed by staff (a phone is kept as typed: "+7 701 …").
TEXT_FIELDS = frozenset(
    {
        Field.LAST_NAME,
        Field.FIRST_NAME,
        Field.PATRONYMIC,
        Field.EMAIL,
        Field.ORG_CODE,
        Field.CODE,
        Field.PARENT_CODE,
        Field.NAME_RU,
        Field.NAME_KK,
    }
)
WIDTHS: dict[Field, int] = {
    Field.LAST_NAME: 18,
    Field.FIRST_NAME: 16,
    Field.PATRONYMIC: 18,
    Field.SEX: 8,
    Field.PHONE: 18,
    Field.EMAIL: 24,
    Field.NAME_RU: 40,
    Field.NAME_KK: 40,
    Field.LEVEL: 24,
    Field.SECTOR: 20,
}
DEFAULT_WIDTH = 14

# The membership history: a column per field of a member import file.
HISTORY_COLUMNS: tuple[tuple[Field, str], ...] = (
    (Field.IIN, "person__iin"),
    (Field.LAST_NAME, "person__last_name"),
    (Field.FIRST_NAME, "person__first_name"),
    (Field.PATRONYMIC, "person__patronymic"),
    (Field.BIRTH_DATE, "person__birth_date"),
    (Field.SEX, "person__sex"),
    (Field.PHONE, "person__phone"),
    (Field.EMAIL, "person__email"),
    (Field.ORG_CODE, "org_unit__code"),
    (Field.CATEGORY, "category"),
    (Field.JOINED_ON, "joined_on"),
    (Field.LEFT_ON, "left_on"),
    (Field.LEAVE_REASON, "leave_reason"),
)

# The organizations: a column per field of an organization import file, read
# from each placement of a unit.
LATEST_EMPLOYEES = "latest_employees"
PLACED_FROM = "placed_from"
ORG_COLUMNS: tuple[tuple[Field, str], ...] = (
    (Field.CODE, "unit__code"),
    (Field.PARENT_CODE, "parent__code"),
    (Field.PLACED_FROM, PLACED_FROM),
    (Field.LEVEL, "unit__level"),
    (Field.NAME_RU, "unit__name_ru"),
    (Field.NAME_KK, "unit__name_kk"),
    (Field.BIN, "unit__employer__bin"),
    (Field.SECTOR, "unit__employer__sector"),
    (Field.EMPLOYEES, LATEST_EMPLOYEES),
    (Field.OPENED_ON, "unit__opened_on"),
    (Field.CLOSED_ON, "unit__closed_on"),
)


def _import_sheet(
    rows: QuerySet[Any], columns: tuple[tuple[Field, str], ...], *, title: str
) -> Sheet:
    fields = [field for field, _lookup in columns]
    return _sheet(
        rows,
        (lookup for _field, lookup in columns),
        title=title,
        headers=[str(COLUMN_TITLES[field]) for field in fields],
        coded={i: CODED[field] for i, field in enumerate(fields) if field in CODED},
        text_columns=frozenset(
            i for i, field in enumerate(fields) if field in TEXT_FIELDS
        ),
        widths=tuple(WIDTHS.get(field, DEFAULT_WIDTH) for field in fields),
    )


def history_memberships(
    people: QuerySet[Person], *, user: Any = None
) -> QuerySet[Membership]:
    """Every membership of `people`, ended ones too, by IIN and then date joined.

    For a user, only the memberships in organizations the user may export from:
    the file is the user's to import back, and another region's codes are not the
    user's to see. Without a user (the command line) a person's whole story.
    """
    memberships = Membership.objects.filter(person__in=people.values("pk"))
    if user is not None:
        memberships = scope(memberships, user, Perm.MEMBER_EXPORT)
    return memberships.order_by("person__iin", "joined_on", "pk")


def member_history_rows(people: QuerySet[Person], *, user: Any = None) -> Sheet:
    """The membership history of `people` as a member import file.

    One row per membership period, ordered by IIN and then date joined.
    """
    return _import_sheet(
        history_memberships(people, user=user),
        HISTORY_COLUMNS,
        title=_("Membership history"),
    )


def org_rows(units: QuerySet[OrgUnit]) -> Sheet:
    """The organizations `units` as an organization import file.

    A row per placement: a unit that moved has one for each parent it stood
    under, the first from the date it opened (its date left empty), each later one
    from the date it moved, so that the tree of any past date comes back with
    the file. Ordered by path, so that a parent comes before its children, and
    a unit's rows by date. A closed unit (merged, liquidated, gone) ends under
    the parent it had when it closed, which is still its parent. BIN and sector
    are the employer's; employees, the latest count.
    """
    latest = EmployeeCount.objects.filter(unit=OuterRef("unit_id")).order_by(
        "-counted_on"
    )
    placements = (
        OrgPlacement.objects.filter(unit__in=units.values("pk"))
        .annotate(
            **{
                LATEST_EMPLOYEES: Subquery(latest.values("employees")[:1]),
                PLACED_FROM: Case(
                    When(valid_from=F("unit__opened_on"), then=Value(None)),
                    default=F("valid_from"),
                ),
            }
        )
        .order_by("unit__path", "valid_from")
    )
    return _import_sheet(placements, ORG_COLUMNS, title=_("Organizations"))


# Writing a sheet.


class _Line:
    """A file-like object that hands back what the csv writer writes."""

    def write(self, text: str) -> str:
        return text


def _csv_cell(value: Any, text: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if text and str(value)[:1] in FORMULA_STARTS:
        # Kept from being run as a formula when the file is opened in a spreadsheet.
        return "'" + str(value)
    return value


def csv_chunks(sheet: Sheet) -> Iterator[str]:
    """The CSV text, a line at a time, for a StreamingHttpResponse.

    It starts with a byte order mark so that Excel reads it as UTF-8.
    """
    writer = csv.writer(_Line(), delimiter=CSV_DELIMITER)
    head = BOM + writer.writerow(sheet.headers)
    text = [i in sheet.text_columns for i in range(len(sheet.headers))]

    def lines() -> Iterator[str]:
        yield head
        for row in sheet:
            yield writer.writerow(
                [_csv_cell(v, t) for v, t in zip(row, text, strict=True)]
            )

    return lines()


def new_workbook(target: IO[bytes] | str) -> xlsxwriter.Workbook:
    """A workbook written row by row in constant memory, every cell as given: no
    text taken for a formula, a number or a link."""
    return xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": "dd.mm.yyyy",
        },
    )


def in_temporary_file(write: Callable[[IO[bytes]], object]) -> IO[bytes]:
    """What ``write`` writes, in an anonymous temporary file rewound for reading.

    The file disappears when closed (FileResponse closes it once sent).
    """
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        write(target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def _write_workbook(sheet: Sheet, target: IO[bytes] | str) -> None:
    workbook = new_workbook(target)
    worksheet = workbook.add_worksheet(sheet.title[:31])
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, sheet.headers, bold)
    for column, width in enumerate(sheet.widths):
        worksheet.set_column(column, column, width)
    worksheet.freeze_panes(1, 0)
    for number, row in enumerate(sheet, start=1):
        worksheet.write_row(number, 0, row)
    workbook.close()


def xlsx_file(sheet: Sheet) -> IO[bytes]:
    """A workbook of the sheet in an anonymous temporary file, rewound for reading."""
    return in_temporary_file(lambda target: _write_workbook(sheet, target))


def format_of(path: Path) -> str | None:
    """The export format a file name asks for by its extension, or None."""
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


class _Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Row]:
        for row in self.rows:
            self.count += 1
            yield row


def write_file(sheet: Sheet, path: Path) -> int:
    """Write the sheet to `path` in the format of its extension; the rows written.

    The file is written beside `path` under a temporary name and renamed when
    complete, so an export that fails half-way leaves no truncated file behind.
    Like any temporary file it is readable by its owner only, as befits a file
    of personal data.
    """
    file_format = format_of(path)
    if file_format is None:
        raise ValueError(f"Cannot tell the format of {path}.")
    counted = _Counted(sheet.rows)
    sheet = dataclasses.replace(sheet, rows=counted)
    handle, partial = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        if file_format == CSV:
            with open(handle, "w", encoding="utf-8", newline="") as out:
                out.writelines(csv_chunks(sheet))
        else:
            os.close(handle)
            _write_workbook(sheet, partial)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    return counted.count


def export_filename(file_format: str, *, stem: str = "members") -> str:
    return f"{stem}-{today().isoformat()}.{file_format}"
