"""Turning one mapped row of an organization file into typed values and its problems.

The sibling of ``values.py`` for organization files, and built the same way: it runs
on every row as the file streams, so it does no database query, builds no model and
translates nothing. A row gives an ``OrgRow`` of model-ready values, or the list of
its ``RowProblem`` codes; ``values.problem_message`` turns any of them into the
translated sentence. Checks that need other rows or the database (an unknown parent,
a parent of the wrong level, duplicate codes, cycles) are not made here.

Levels and sectors are recognised by their names in Russian, Kazakh and English and
the short words staff use («ЦК», «ППО», «вуз»…). A parent code is required except of
the central committee, which must have none; when the level cannot be read the
parent code is not judged. A unit that moved has a row for each parent it stood
under, each with the date it came under it (``PLACED_FROM``); the central committee
stands under no parent, so it has no such date. A BIN follows
``kasipodaq.orgtree.bin`` (12 digits, a registration month, the kind digit, the
check digit); a BIN Excel stored as a number and so lost its leading zeros
(registrations of 2000–2009) is restored only when the padded value is a valid
BIN. Dates are read as in member files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from kasipodaq.core.checksum import check_digit
from kasipodaq.orgtree.bin import ENTITY_KINDS
from kasipodaq.orgtree.models import Level, Sector
from kasipodaq.registry.imports.headers import ColumnMapping, Field
from kasipodaq.registry.imports.reading import Row
from kasipodaq.registry.imports.values import (
    BIN_CHECKSUM,
    BIN_FORMAT,
    BIN_KIND,
    BIN_MONTH,
    BIN_REQUIRED,
    CENTRAL_WITH_PARENT,
    CLOSED_NOT_AFTER_OPENED,
    DATE_FORMAT,
    EMPLOYEES_FORMAT,
    FUTURE_DATE,
    LEVEL_UNKNOWN,
    PARENT_IS_SELF,
    REQUIRED,
    SECTOR_UNKNOWN,
    TOO_LONG,
    RowProblem,
    _lookup,
    _one_spaced,
    column_layout,
    parse_date,
    recognise,
)

CODE_MAX = 32
ORG_NAME_MAX = 300
BIN_LENGTH = 12
# A PositiveIntegerField holds up to this on every database.
EMPLOYEES_MAX = 2_147_483_647
CENTRAL: str = Level.CENTRAL.value
PRIMARY: str = Level.PRIMARY.value


class OrgRow(NamedTuple):
    """One organization of an organization file, as model values."""

    row_number: int
    code: str
    parent_code: str
    level: str
    name_ru: str
    name_kk: str
    bin: str
    sector: str
    employees: int | None
    opened_on: dt.date | None
    closed_on: dt.date | None
    placed_from: dt.date | None = None


LEVELS = _lookup(
    {
        Level.CENTRAL: (
            "Central committee",
            "ЦК",
            "центральный комитет",
            "центральный совет",
            "республиканский комитет",
            "орталық комитет",
            "орталық кеңес",
            "орталық",
            "central council",
        ),
        Level.REGION: (
            "Regional organization",
            "областная",
            "областная организация",
            "областной комитет",
            "обком",
            "региональная",
            "региональная организация",
            "региональный комитет",
            "облыстық",
            "облыстық ұйым",
            "облыстық комитет",
            "өңірлік",
            "өңірлік ұйым",
            "regional",
            "regional organisation",
            "oblast",
        ),
        Level.DISTRICT: (
            "District/city committee",
            "районный",
            "районный комитет",
            "районная организация",
            "райком",
            "городской",
            "городской комитет",
            "городская организация",
            "горком",
            "районный (городской) комитет",
            "районный/городской комитет",
            "аудандық",
            "аудандық комитет",
            "аудандық ұйым",
            "қалалық",
            "қалалық комитет",
            "қалалық ұйым",
            "аудандық/қалалық комитет",
            "district committee",
            "city committee",
        ),
        Level.PRIMARY: (
            "Primary organization",
            "первичная",
            "первичная организация",
            "первичная профсоюзная организация",
            "ППО",
            "бастауыш",
            "бастауыш ұйым",
            "бастауыш кәсіподақ ұйымы",
            "primary organisation",
            "primary union organization",
        ),
        Level.GROUP: (
            "Union group",
            "профгруппа",
            "профсоюзная группа",
            "группа",
            "топ",
            "кәсіподақ тобы",
            "кәсіподақ топ",
            "trade union group",
        ),
    }
)

SECTORS = _lookup(
    {
        Sector.PRESCHOOL: (
            "Preschool education",
            "дошкольное",
            "дошкольное образование",
            "дошкольная организация",
            "детский сад",
            "мектепке дейінгі",
            "мектепке дейінгі білім беру",
            "мектепке дейінгі ұйым",
            "балабақша",
            "pre-school",
            "kindergarten",
        ),
        Sector.SCHOOL: (
            "School",
            "школа",
            "школы",
            "школьное",
            "среднее образование",
            "общее среднее образование",
            "мектеп",
            "орта білім",
            "орта білім беру",
            "schools",
            "secondary education",
        ),
        Sector.COLLEGE: (
            "College",
            "колледж",
            "колледжи",
            "техникум",
            "ТиПО",
            "техническое и профессиональное образование",
            "техникалық және кәсіптік білім",
            "техникалық және кәсіптік білім беру",
            "колледждер",
            "colleges",
            "vocational education",
        ),
        Sector.UNIVERSITY: (
            "University",
            "вуз",
            "вузы",
            "университет",
            "институт",
            "академия",
            "высшее образование",
            "ЖОО",
            "жоғары оқу орны",
            "жоғары білім",
            "жоғары білім беру",
            "университеттер",
            "universities",
            "higher education",
        ),
        Sector.SCIENCE: (
            "Science",
            "наука",
            "научная организация",
            "научные организации",
            "НИИ",
            "ғылым",
            "ғылыми ұйым",
            "research",
        ),
        Sector.OTHER: (
            "Other",
            "другое",
            "другая",
            "другие",
            "прочее",
            "прочие",
            "иное",
            "басқа",
            "басқалары",
            "өзге",
            "others",
        ),
    }
)


def clean_bin(value: str) -> str:
    """A cleaned BIN, or the code of its fault (codes never start with a digit).

    Spaces are dropped; ten or eleven digits get back the leading zeros a
    spreadsheet dropped, but only when that makes a valid BIN.
    """
    digits = value if value.isdigit() else "".join(value.split())
    if not (digits.isdigit() and digits.isascii()):
        return BIN_FORMAT
    if 10 <= len(digits) < BIN_LENGTH:
        padded = digits.rjust(BIN_LENGTH, "0")
        return padded if bin_fault(padded) is None else BIN_FORMAT
    if len(digits) != BIN_LENGTH:
        return BIN_FORMAT
    return bin_fault(digits) or digits


def bin_fault(digits: str) -> str | None:
    """The fault of 12 ASCII digits read as a BIN, as ``validate_bin`` names it."""
    if not 1 <= int(digits[2:4]) <= 12:
        return BIN_MONTH
    if digits[4] not in ENTITY_KINDS:
        return BIN_KIND
    if check_digit(digits[:11]) != int(digits[11]):
        return BIN_CHECKSUM
    return None


def clean_employees(value: str) -> int | None:
    """A whole, non-negative number of employees («1 234», «1234.0»), or None."""
    text = "".join(value.split()) if not value.isdigit() else value
    if not text.isdigit():
        whole, dot, zeros = text.partition(".")
        if not (dot and whole.isdigit() and zeros.strip("0") == ""):
            return None
        text = whole
    if not text.isascii():
        return None
    number = int(text)
    return number if number <= EMPLOYEES_MAX else None


ORDER = (
    Field.CODE,
    Field.PARENT_CODE,
    Field.LEVEL,
    Field.NAME_RU,
    Field.NAME_KK,
    Field.BIN,
    Field.SECTOR,
    Field.EMPLOYEES,
    Field.OPENED_ON,
    Field.CLOSED_ON,
    Field.PLACED_FROM,
)


class OrgRowParser:
    """Parses rows of one organization file: the column positions are looked up once.

    A field the file lacks reads column -1, which the padding added to each row
    keeps empty, as it keeps empty the cells past the end of a short row.
    """

    def __init__(self, mapping: ColumnMapping, *, today: dt.date) -> None:
        self.today = today
        _columns, self.indices, self.padding = column_layout(mapping, ORDER)

    def __call__(self, row: Row) -> tuple[OrgRow | None, list[RowProblem]]:
        (
            c_code,
            c_parent,
            c_level,
            c_name_ru,
            c_name_kk,
            c_bin,
            c_sector,
            c_employees,
            c_opened,
            c_closed,
            c_placed,
        ) = self.indices
        values = row.values + self.padding
        number = row.number
        today = self.today
        problems: list[RowProblem] = []
        add = problems.append

        # Code.
        code = values[c_code]
        if not code:
            add(RowProblem(number, Field.CODE, REQUIRED))
        elif len(code) > CODE_MAX:
            add(RowProblem(number, Field.CODE, TOO_LONG))

        # Level.
        level: str | None = None
        raw = values[c_level]
        if not raw:
            add(RowProblem(number, Field.LEVEL, REQUIRED))
        else:
            level = recognise(raw, LEVELS)
            if level is None:
                add(RowProblem(number, Field.LEVEL, LEVEL_UNKNOWN))

        # Parent code: required below the central committee, absent at its level.
        parent_code = values[c_parent]
        if parent_code:
            if level == CENTRAL:
                add(RowProblem(number, Field.PARENT_CODE, CENTRAL_WITH_PARENT))
            elif len(parent_code) > CODE_MAX:
                add(RowProblem(number, Field.PARENT_CODE, TOO_LONG))
            elif parent_code == code:
                add(RowProblem(number, Field.PARENT_CODE, PARENT_IS_SELF))
        elif level is not None and level != CENTRAL:
            add(RowProblem(number, Field.PARENT_CODE, REQUIRED))

        # Names.
        name_ru = _one_spaced(values[c_name_ru])
        name_kk = _one_spaced(values[c_name_kk])
        for field, name in ((Field.NAME_RU, name_ru), (Field.NAME_KK, name_kk)):
            if not name:
                add(RowProblem(number, field, REQUIRED))
            elif len(name) > ORG_NAME_MAX:
                add(RowProblem(number, field, TOO_LONG))

        # BIN: required of primary organizations, checked wherever written.
        bin_ = ""
        raw = values[c_bin]
        if raw:
            cleaned = clean_bin(raw)
            if cleaned[0].isdigit():
                bin_ = cleaned
            else:
                add(RowProblem(number, Field.BIN, cleaned))
        elif level == PRIMARY:
            add(RowProblem(number, Field.BIN, BIN_REQUIRED))

        # Sector: blank is allowed.
        sector = ""
        raw = values[c_sector]
        if raw:
            sector = recognise(raw, SECTORS) or ""
            if not sector:
                add(RowProblem(number, Field.SECTOR, SECTOR_UNKNOWN))

        # Employees.
        employees: int | None = None
        raw = values[c_employees]
        if raw:
            employees = clean_employees(raw)
            if employees is None:
                add(RowProblem(number, Field.EMPLOYEES, EMPLOYEES_FORMAT))

        # Dates.
        opened_on: dt.date | None = None
        raw = values[c_opened]
        if raw:
            opened_on = parse_date(raw, today=today)
            if opened_on is None:
                add(RowProblem(number, Field.OPENED_ON, DATE_FORMAT))
            elif opened_on > today:
                add(RowProblem(number, Field.OPENED_ON, FUTURE_DATE))
        closed_on: dt.date | None = None
        raw = values[c_closed]
        if raw:
            closed_on = parse_date(raw, today=today)
            if closed_on is None:
                add(RowProblem(number, Field.CLOSED_ON, DATE_FORMAT))
            elif closed_on > today:
                add(RowProblem(number, Field.CLOSED_ON, FUTURE_DATE))
            elif opened_on is not None and closed_on <= opened_on:
                add(RowProblem(number, Field.CLOSED_ON, CLOSED_NOT_AFTER_OPENED))
        placed_from: dt.date | None = None
        raw = values[c_placed]
        if raw:
            placed_from = parse_date(raw, today=today)
            if level == CENTRAL:
                add(RowProblem(number, Field.PLACED_FROM, CENTRAL_WITH_PARENT))
            elif placed_from is None:
                add(RowProblem(number, Field.PLACED_FROM, DATE_FORMAT))
            elif placed_from > today:
                add(RowProblem(number, Field.PLACED_FROM, FUTURE_DATE))

        if problems or level is None:
            return None, problems
        return (
            OrgRow(
                number,
                code,
                parent_code,
                level,
                name_ru,
                name_kk,
                bin_,
                sector,
                employees,
                opened_on,
                closed_on,
                placed_from,
            ),
            problems,
        )


def org_row_parser(
    mapping: ColumnMapping, *, today: dt.date
) -> Callable[[Row], tuple[OrgRow | None, list[RowProblem]]]:
    """A parser of this file's rows, for the streaming loop."""
    return OrgRowParser(mapping, today=today)


def parse_org_row(
    row: Row, mapping: ColumnMapping, *, today: dt.date
) -> tuple[OrgRow | None, list[RowProblem]]:
    """One row of an organization file as model values, or None and every problem.

    To parse a whole file, build the parser once with ``org_row_parser``.
    """
    return OrgRowParser(mapping, today=today)(row)
