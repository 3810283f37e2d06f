"""Turning one mapped row of a member file into typed values and its problems.

This runs on every row of a file as it streams into the staging table, so it does
no database query, builds no model and translates nothing: a row gives a
``MemberRow`` of model-ready values, or the list of its ``RowProblem`` codes, each
naming the field it concerns. ``problem_message`` turns a code into the translated
sentence once, for the report. Checks that need other rows or the database
(duplicate IINs, overlapping periods, unknown organizations) are not made here.

Dates are read as ``YYYY-MM-DD`` (spreadsheet dates) or as staff type them:
``DD.MM.YYYY``, ``DD.MM.YY``, ``DD/MM/YYYY`` (and ``-`` as separator); a two-digit
year is of this century unless that would put it after this year. An IIN Excel
stored as a number and so lost its leading zeros (births 2000–2009) is restored
when, and only when, the padded value is a valid IIN of such a birth.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from django.utils.translation import gettext_lazy

from kasipodaq.core.checksum import check_digit
from kasipodaq.registry.iin import CENTURIES, FEMALE, MALE
from kasipodaq.registry.imports.headers import (
    ColumnMapping,
    Field,
    header_words,
    split_full_name,
)
from kasipodaq.registry.imports.reading import Row
from kasipodaq.registry.models import Category, LeaveReason

if TYPE_CHECKING:  # a development-only package: the annotations' type
    from django_stubs_ext import StrOrPromise

NAME_MAX = 100
ORG_CODE_MAX = 32
EMAIL_MAX = 254
PHONE_DIGITS = (10, 15)

DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
NON_DIGITS = re.compile(r"\D")
WORKING: str = Category.WORKING.value


class RowProblem(NamedTuple):
    """One fault of one row: the row's number in the file, the field, a code.

    ``other_row`` names another row of the file the fault involves, or is 0.
    """

    row_number: int
    field: Field
    code: str
    other_row: int = 0


class MemberRow(NamedTuple):
    """One membership period of a member file, as model values."""

    row_number: int
    iin: str
    last_name: str
    first_name: str
    patronymic: str
    birth_date: dt.date
    sex: str
    phone: str
    email: str
    org_code: str
    category: str
    joined_on: dt.date
    left_on: dt.date | None
    leave_reason: str


# Problem codes and their messages (English msgids; «%(column)s» is the column).
REQUIRED = "required"
TOO_LONG = "too_long"
IIN_FORMAT = "iin_format"
IIN_CENTURY = "iin_century"
IIN_DATE = "iin_date"
IIN_CHECKSUM = "iin_checksum"
FULL_NAME_INCOMPLETE = "full_name_incomplete"
DATE_FORMAT = "date_format"
FUTURE_DATE = "future_date"
BIRTH_DATE_MISMATCH = "birth_date_mismatch"
SEX_UNKNOWN = "sex_unknown"
SEX_MISMATCH = "sex_mismatch"
LEFT_NOT_AFTER_JOINED = "left_not_after_joined"
JOINED_BEFORE_BIRTH = "joined_before_birth"
CATEGORY_UNKNOWN = "category_unknown"
REASON_UNKNOWN = "reason_unknown"
REASON_REQUIRED = "reason_required"
REASON_WITHOUT_LEFT = "reason_without_left"
PHONE_FORMAT = "phone_format"
EMAIL_FORMAT = "email_format"
# Organization files (parsed in org_values.py).
LEVEL_UNKNOWN = "level_unknown"
SECTOR_UNKNOWN = "sector_unknown"
PARENT_IS_SELF = "parent_is_self"
CENTRAL_WITH_PARENT = "central_with_parent"
BIN_REQUIRED = "bin_required"
BIN_FORMAT = "bin_format"
BIN_MONTH = "bin_month"
BIN_KIND = "bin_kind"
BIN_CHECKSUM = "bin_checksum"
EMPLOYEES_FORMAT = "employees_format"
CLOSED_NOT_AFTER_OPENED = "closed_not_after_opened"
# Checks across rows and against the registry (made in SQL, member_checks.py).
ORG_UNKNOWN = "org_unknown"
ORG_NOT_PRIMARY = "org_not_primary"
ORG_NOT_OPEN = "org_not_open"
ORG_CLOSED = "org_closed"
IIN_REPEATED = "iin_repeated"
PERIOD_OVERLAPS_REGISTRY = "period_overlaps_registry"
PERSON_OUT_OF_SCOPE = "person_out_of_scope"
OTHER_ROW_REJECTED = "other_row_rejected"
# Checks of organization files across rows and against the registry (org_checks.py).
CODE_REPEATED = "code_repeated"
CODE_OUT_OF_SCOPE = "code_out_of_scope"
PARENT_UNKNOWN = "parent_unknown"
PARENT_LEVEL = "parent_level"
PARENT_CYCLE = "parent_cycle"
PARENT_CLOSED = "parent_closed"
PARENT_REFUSED = "parent_refused"
CENTRAL_EXISTS = "central_exists"
CENTRAL_NOT_CLOSED = "central_not_closed"
LEVEL_CHANGED = "level_changed"
OPENED_CHANGED = "opened_changed"
OPENED_BEFORE_PARENT = "opened_before_parent"
CLOSED_CHANGED = "closed_changed"
CLOSED_BEFORE_LAST_CHANGE = "closed_before_last_change"
CLOSE_OUT_OF_SCOPE = "close_out_of_scope"
SUBUNITS_OPEN = "subunits_open"
MEMBERS_AFTER_CLOSING = "members_after_closing"
MOVE_CLOSED = "move_closed"
MOVE_SAME_DAY = "move_same_day"
BIN_REPEATED = "bin_repeated"
BIN_TAKEN = "bin_taken"
SECTOR_REQUIRED = "sector_required"
# The placements of a unit with a row per parent it stood under (org_checks.py).
PLACED_REPEATED = "placed_repeated"
PLACED_OPENED = "placed_opened"
PLACED_AFTER_CLOSED = "placed_after_closed"
PLACED_SAME_PARENT = "placed_same_parent"
PLACEMENT_CHANGED = "placement_changed"
CODE_ROW_REFUSED = "code_row_refused"

MESSAGES: dict[str, StrOrPromise] = {
    REQUIRED: gettext_lazy("«%(column)s» is empty: it is required."),
    TOO_LONG: gettext_lazy("«%(column)s» is too long."),
    IIN_FORMAT: gettext_lazy("«%(column)s»: an IIN is exactly 12 digits."),
    IIN_CENTURY: gettext_lazy(
        "«%(column)s»: the IIN's seventh digit must be 1–6 (century of birth and sex)."
    ),
    IIN_DATE: gettext_lazy(
        "«%(column)s»: the IIN's first six digits are not a date of birth."
    ),
    IIN_CHECKSUM: gettext_lazy(
        "«%(column)s»: the IIN's check digit does not match: check for a typing error."
    ),
    FULL_NAME_INCOMPLETE: gettext_lazy(
        "«%(column)s» must hold at least a last name and a first name."
    ),
    DATE_FORMAT: gettext_lazy(
        "«%(column)s» is not a date: write it as DD.MM.YYYY or YYYY-MM-DD."
    ),
    FUTURE_DATE: gettext_lazy("«%(column)s» is a date in the future."),
    BIRTH_DATE_MISMATCH: gettext_lazy(
        "«%(column)s» differs from the date of birth in the IIN."
    ),
    SEX_UNKNOWN: gettext_lazy("«%(column)s» is not recognised: write M or F (М or Ж)."),
    SEX_MISMATCH: gettext_lazy("«%(column)s» differs from the sex in the IIN."),
    LEFT_NOT_AFTER_JOINED: gettext_lazy(
        "«%(column)s» must be later than the date joined."
    ),
    JOINED_BEFORE_BIRTH: gettext_lazy(
        "«%(column)s» is before the date of birth in the IIN."
    ),
    CATEGORY_UNKNOWN: gettext_lazy(
        "«%(column)s» is not a known category: working, student, pensioner or "
        "non-working."
    ),
    REASON_UNKNOWN: gettext_lazy("«%(column)s» is not a known reason for leaving."),
    REASON_REQUIRED: gettext_lazy(
        "«%(column)s» is empty: a membership that ended needs a reason."
    ),
    REASON_WITHOUT_LEFT: gettext_lazy(
        "«%(column)s» is filled in, but the row has no date of leaving."
    ),
    PHONE_FORMAT: gettext_lazy(
        "«%(column)s» is not a phone number such as +7 701 123 45 67."
    ),
    EMAIL_FORMAT: gettext_lazy("«%(column)s» is not an email address."),
    LEVEL_UNKNOWN: gettext_lazy(
        "«%(column)s» is not a known level: central committee, regional "
        "organization, district/city committee, primary organization or union group."
    ),
    SECTOR_UNKNOWN: gettext_lazy(
        "«%(column)s» is not a known sector: preschool, school, college, university, "
        "science or other."
    ),
    PARENT_IS_SELF: gettext_lazy(
        "«%(column)s» is the organization's own code: an organization cannot stand "
        "under itself."
    ),
    CENTRAL_WITH_PARENT: gettext_lazy(
        "«%(column)s» must be empty: the central committee stands without a parent."
    ),
    BIN_REQUIRED: gettext_lazy(
        "«%(column)s» is empty: a primary organization needs its employer's BIN."
    ),
    BIN_FORMAT: gettext_lazy("«%(column)s»: a BIN is exactly 12 digits."),
    BIN_MONTH: gettext_lazy(
        "«%(column)s»: the BIN's digits 3–4 must be a registration month (01–12)."
    ),
    BIN_KIND: gettext_lazy(
        "«%(column)s»: the BIN's fifth digit must be 4, 5 or 6 (the kind of entity)."
    ),
    BIN_CHECKSUM: gettext_lazy(
        "«%(column)s»: the BIN's check digit does not match: check for a typing error."
    ),
    EMPLOYEES_FORMAT: gettext_lazy(
        "«%(column)s» is not a number of employees: write a whole number, 0 or more."
    ),
    CLOSED_NOT_AFTER_OPENED: gettext_lazy(
        "«%(column)s» must be later than the date opened."
    ),
    ORG_UNKNOWN: gettext_lazy(
        "«%(column)s»: there is no organization with this code among those you manage."
    ),
    ORG_NOT_PRIMARY: gettext_lazy(
        "«%(column)s» is not a primary organization: members are kept in primary "
        "organizations."
    ),
    ORG_NOT_OPEN: gettext_lazy(
        "«%(column)s»: the organization did not exist yet on the date joined."
    ),
    ORG_CLOSED: gettext_lazy(
        "«%(column)s»: the organization was closed before this membership ended."
    ),
    IIN_REPEATED: gettext_lazy(
        "«%(column)s»: this IIN is also at row %(row)s, and the membership periods "
        "overlap."
    ),
    PERIOD_OVERLAPS_REGISTRY: gettext_lazy(
        "«%(column)s»: this period overlaps a membership of this person already in "
        "the registry."
    ),
    PERSON_OUT_OF_SCOPE: gettext_lazy(
        "«%(column)s»: this person is a member of an organization you do not manage."
    ),
    OTHER_ROW_REJECTED: gettext_lazy(
        "«%(column)s»: another row of this IIN has a problem, so this row was not "
        "imported either."
    ),
    CODE_REPEATED: gettext_lazy(
        "«%(column)s»: this code is also at row %(row)s. An organization is listed "
        "once, or once for each parent it stood under, each row with the date it "
        "came under that parent."
    ),
    CODE_OUT_OF_SCOPE: gettext_lazy(
        "«%(column)s»: this code belongs to an organization you do not manage."
    ),
    PARENT_UNKNOWN: gettext_lazy(
        "«%(column)s»: there is no organization with this code, neither in the file "
        "nor among those you manage."
    ),
    PARENT_LEVEL: gettext_lazy(
        "«%(column)s»: an organization of this level cannot stand under one of the "
        "parent's level (a region stands under the central committee, a "
        "district/city committee under a region, a primary organization under a "
        "district/city committee or a region, a union group under a primary "
        "organization)."
    ),
    PARENT_CYCLE: gettext_lazy(
        "«%(column)s»: following the parent codes from this row goes round in a "
        "circle and never reaches the top of the tree."
    ),
    PARENT_CLOSED: gettext_lazy(
        "«%(column)s»: the parent organization is closed, or closes before this one "
        "does."
    ),
    PARENT_REFUSED: gettext_lazy(
        "«%(column)s»: a row above this one in the tree has a problem, so this row "
        "was not imported either."
    ),
    CENTRAL_EXISTS: gettext_lazy(
        "«%(column)s»: there is already a central committee, and a union has only one."
    ),
    CENTRAL_NOT_CLOSED: gettext_lazy(
        "«%(column)s» must be empty: the central committee cannot be closed."
    ),
    LEVEL_CHANGED: gettext_lazy(
        "«%(column)s» differs from the level of this organization in the registry. "
        "An import does not change a level: open an organization of the new level "
        "and merge this one into it."
    ),
    OPENED_CHANGED: gettext_lazy(
        "«%(column)s» differs from the date this organization opened in the "
        "registry; an import does not change it."
    ),
    OPENED_BEFORE_PARENT: gettext_lazy(
        "«%(column)s» is before the date the parent organization opened."
    ),
    CLOSED_CHANGED: gettext_lazy(
        "«%(column)s»: the registry has this organization closed on another date; "
        "an import neither reopens an organization nor changes when it closed."
    ),
    CLOSED_BEFORE_LAST_CHANGE: gettext_lazy(
        "«%(column)s» must be later than the last change of this organization in "
        "the registry: history is added, never rewritten."
    ),
    CLOSE_OUT_OF_SCOPE: gettext_lazy(
        "«%(column)s»: an organization is closed by those who manage the "
        "organization above it, and you do not."
    ),
    SUBUNITS_OPEN: gettext_lazy(
        "«%(column)s»: sub-organizations of this organization stay open after this "
        "date; close them in the file on this date or earlier."
    ),
    MEMBERS_AFTER_CLOSING: gettext_lazy(
        "«%(column)s»: some members joined this organization on or after this date, "
        "so their membership cannot end on it."
    ),
    MOVE_CLOSED: gettext_lazy(
        "«%(column)s» differs from the parent in the registry, but a closed "
        "organization cannot be moved."
    ),
    MOVE_SAME_DAY: gettext_lazy(
        "«%(column)s» differs from the parent in the registry, but this organization "
        "already changed today: it can be moved from tomorrow."
    ),
    BIN_REPEATED: gettext_lazy(
        "«%(column)s»: row %(row)s has an open primary organization at the same "
        "employer, and an employer has only one."
    ),
    BIN_TAKEN: gettext_lazy(
        "«%(column)s»: this employer already has another open primary organization "
        "in the registry."
    ),
    SECTOR_REQUIRED: gettext_lazy(
        "«%(column)s» is empty: no employer has this BIN yet, and registering one "
        "needs its sector."
    ),
    PLACED_REPEATED: gettext_lazy(
        "«%(column)s»: row %(row)s of this organization has the same date; each "
        "row of an organization is a period under one parent, from its own date."
    ),
    PLACED_OPENED: gettext_lazy(
        "«%(column)s»: an organization's first row runs from the date it opened "
        "(leave this empty there or write that date), and every later row from a "
        "later date."
    ),
    PLACED_AFTER_CLOSED: gettext_lazy(
        "«%(column)s» must be earlier than the date the organization closed."
    ),
    PLACED_SAME_PARENT: gettext_lazy(
        "«%(column)s»: the organization already stands under this parent until "
        "this row's date; a later row names the parent it moved to."
    ),
    PLACEMENT_CHANGED: gettext_lazy(
        "«%(column)s»: the registry's history of this organization differs here "
        "(another parent, or a move on another date), and an import adds to a "
        "history but does not rewrite it."
    ),
    CODE_ROW_REFUSED: gettext_lazy(
        "«%(column)s»: another row of this organization has a problem, so this row "
        "was not imported either."
    ),
}

FIELD_LABELS: dict[Field, StrOrPromise] = {
    Field.IIN: gettext_lazy("IIN"),
    Field.LAST_NAME: gettext_lazy("last name"),
    Field.FIRST_NAME: gettext_lazy("first name"),
    Field.PATRONYMIC: gettext_lazy("patronymic"),
    Field.FULL_NAME: gettext_lazy("full name"),
    Field.PHONE: gettext_lazy("phone"),
    Field.EMAIL: gettext_lazy("email"),
    Field.ORG_CODE: gettext_lazy("organization code"),
    Field.CATEGORY: gettext_lazy("category"),
    Field.JOINED_ON: gettext_lazy("joined on"),
    Field.LEFT_ON: gettext_lazy("left on"),
    Field.LEAVE_REASON: gettext_lazy("reason for leaving"),
    Field.BIRTH_DATE: gettext_lazy("date of birth"),
    Field.SEX: gettext_lazy("sex"),
    Field.CODE: gettext_lazy("code"),
    Field.PARENT_CODE: gettext_lazy("parent code"),
    Field.LEVEL: gettext_lazy("level"),
    Field.NAME_RU: gettext_lazy("name (Russian)"),
    Field.NAME_KK: gettext_lazy("name (Kazakh)"),
    Field.BIN: gettext_lazy("BIN"),
    Field.SECTOR: gettext_lazy("sector"),
    Field.EMPLOYEES: gettext_lazy("employees"),
    Field.OPENED_ON: gettext_lazy("opened on"),
    Field.CLOSED_ON: gettext_lazy("closed on"),
    Field.PLACED_FROM: gettext_lazy("under this parent from"),
}


def problem_message(problem: RowProblem, *, header: str = "") -> str:
    """The translated sentence for a problem, naming the column by its header.

    Without a header the field's own name stands in for it.
    """
    column = header or str(FIELD_LABELS.get(problem.field, problem.field.value))
    template = MESSAGES.get(problem.code, gettext_lazy("«%(column)s» is not valid."))
    return str(template) % {"column": column, "row": problem.other_row}


def _lookup(spellings: dict[str, Iterable[str]]) -> dict[str, str]:
    """Normalised spelling → choice value, for values written in words."""
    index: dict[str, str] = {}
    for value, names in spellings.items():
        for name in (value, *names):
            index[" ".join(header_words(name))] = value
    return index


CATEGORIES = _lookup(
    {
        Category.WORKING: (
            "Working",
            "работающий",
            "работающая",
            "работающие",
            "работник",
            "работница",
            "работники",
            "работает",
            "раб",
            "сотрудник",
            "жұмыс істейтін",
            "жумыс истейтин",
            "жұмыскер",
            "қызметкер",
            "worker",
            "employee",
            "employed",
        ),
        Category.STUDENT: (
            "Student",
            "студент",
            "студентка",
            "студенты",
            "студ",
            "обучающийся",
            "обучающаяся",
            "обучающиеся",
            "учащийся",
            "учащаяся",
            "учащиеся",
            "білім алушы",
            "білім алушылар",
            "оқушы",
            "students",
            "learner",
        ),
        Category.PENSIONER: (
            "Pensioner",
            "пенсионер",
            "пенсионерка",
            "пенсионеры",
            "пенс",
            "зейнеткер",
            "зейнеткерлер",
            "retired",
            "retiree",
        ),
        Category.NON_WORKING: (
            "Non-working",
            "неработающий",
            "неработающая",
            "неработающие",
            "не работающий",
            "не работающая",
            "не работает",
            "нераб",
            "безработный",
            "безработная",
            "жұмыс істемейтін",
            "жумыс истемейтин",
            "жұмыссыз",
            "not working",
            "nonworking",
            "unemployed",
        ),
    }
)

LEAVE_REASONS = _lookup(
    {
        LeaveReason.OWN_WISH: (
            "Own wish",
            "по собственному желанию",
            "собственное желание",
            "по желанию",
            "по заявлению",
            "личное заявление",
            "өз еркімен",
            "өз қалауы бойынша",
            "өз қалауымен",
            "өз өтініші бойынша",
            "own request",
            "at own request",
            "voluntary",
            "resigned",
        ),
        LeaveReason.DISMISSAL: (
            "Dismissal",
            "увольнение",
            "уволен",
            "уволена",
            "увольнение с работы",
            "жұмыстан босату",
            "жұмыстан босатылды",
            "жұмыстан шығу",
            "босатылды",
            "dismissed",
        ),
        LeaveReason.RETIREMENT: (
            "Retirement",
            "выход на пенсию",
            "уход на пенсию",
            "на пенсию",
            "пенсия",
            "зейнеткерлікке шығу",
            "зейнетке шығу",
            "зейнеткерлік",
            "retired",
        ),
        LeaveReason.DEATH: (
            "Death",
            "смерть",
            "в связи со смертью",
            "умер",
            "умерла",
            "скончался",
            "скончалась",
            "кончина",
            "қайтыс болу",
            "қайтыс болды",
            "қайтыс болуы",
            "қайтыс болған",
            "қаза болды",
            "died",
            "deceased",
        ),
        LeaveReason.TRANSFER: (
            "Transfer",
            "перевод",
            "переведен",
            "переведена",
            "перевод в другую организацию",
            "ауысу",
            "ауыстыру",
            "басқа ұйымға ауысу",
            "ауыстырылды",
            "transferred",
        ),
        LeaveReason.ORG_LIQUIDATED: (
            "Organization liquidated",
            "ликвидация",
            "ликвидация организации",
            "организация ликвидирована",
            "ұйымның таратылуы",
            "ұйым таратылды",
            "таратылды",
            "organisation liquidated",
            "liquidation",
            "liquidated",
        ),
        LeaveReason.ORG_LEFT_UNION: (
            "Organization left the union",
            "выход организации из профсоюза",
            "организация вышла из профсоюза",
            "ұйымның кәсіподақтан шығуы",
            "ұйым кәсіподақтан шықты",
            "organisation left the union",
            "org left union",
        ),
        LeaveReason.EXPELLED: (
            "Expelled",
            "исключение",
            "исключение из профсоюза",
            "исключен",
            "исключена",
            "исключен из профсоюза",
            "исключена из профсоюза",
            "кәсіподақтан шығару",
            "кәсіподақтан шығарылу",
            "кәсіподақтан шығарылды",
            "шығарылды",
            "expulsion",
        ),
    }
)

SEXES = _lookup(
    {
        MALE: (
            "m",
            "male",
            "man",
            "м",
            "муж",
            "мужской",
            "мужчина",
            "е",
            "ер",
            "ер адам",
        ),
        FEMALE: (
            "f",
            "female",
            "woman",
            "ж",
            "жен",
            "женский",
            "женщина",
            "ә",
            "әйел",
            "әйел адам",
        ),
    }
)


def recognise(value: str, index: dict[str, str]) -> str | None:
    """The choice a value names in an index built by ``_lookup``, or None."""
    found = index.get(value.casefold())
    if found is None:
        found = index.get(" ".join(header_words(value)))
    return found


def parse_date(value: str, *, today: dt.date) -> dt.date | None:
    """A date written in one of the accepted formats, or None."""
    if len(value) >= 10 and value[4] == "-" and value[7] == "-":
        # ISO, as spreadsheet dates are read; a time of day after it is ignored.
        if len(value) == 10 or value[10] in " T":
            try:
                return dt.date.fromisoformat(value[:10])
            except ValueError:
                return None
        return None
    match = DAY_FIRST.fullmatch(value)
    if match is None:
        return None
    day, _separator, month, year_text = match.groups()
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        return dt.date(year, int(month), int(day))
    except ValueError:
        return None


def iin_facts(iin: str) -> tuple[dt.date, str] | str:
    """The birth date and sex of a 12-digit IIN, or the code of its fault."""
    century = CENTURIES.get(iin[6])
    if century is None:
        return IIN_CENTURY
    try:
        birth_date = dt.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return IIN_DATE
    if check_digit(iin[:11]) != int(iin[11]):
        return IIN_CHECKSUM
    return birth_date, MALE if iin[6] in "135" else FEMALE


def clean_iin(value: str) -> tuple[str, tuple[dt.date, str]] | str:
    """A cleaned IIN and its facts, or the code of its fault.

    Spaces are dropped; nine to eleven digits get back the leading zeros a
    spreadsheet dropped, but only when that makes a valid IIN of a 2000s birth.
    """
    digits = value if value.isdigit() else "".join(value.split())
    if not (digits.isdigit() and digits.isascii()):
        return IIN_FORMAT
    if 9 <= len(digits) <= 11:
        # Only births of 2000–2009 begin with 0 (up to three: 2000, January to
        # September); a padded value must be one of them, and valid.
        padded = digits.rjust(12, "0")
        facts = iin_facts(padded) if padded[6] in "56" else IIN_FORMAT
        return IIN_FORMAT if isinstance(facts, str) else (padded, facts)
    if len(digits) != 12:
        return IIN_FORMAT
    facts = iin_facts(digits)
    return facts if isinstance(facts, str) else (digits, facts)


def clean_phone(value: str) -> str | None:
    """Digits with a leading + kept, or None when it cannot be a phone number."""
    digits = NON_DIGITS.sub("", value)
    if not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        return None
    return "+" + digits if value.startswith("+") else digits


ORDER = (
    Field.IIN,
    Field.LAST_NAME,
    Field.FIRST_NAME,
    Field.PATRONYMIC,
    Field.FULL_NAME,
    Field.BIRTH_DATE,
    Field.SEX,
    Field.ORG_CODE,
    Field.CATEGORY,
    Field.JOINED_ON,
    Field.LEFT_ON,
    Field.LEAVE_REASON,
    Field.PHONE,
    Field.EMAIL,
)


def _column(mapping: ColumnMapping, field: Field) -> int:
    index = mapping.index(field)
    return -1 if index is None else index


def column_layout(
    mapping: ColumnMapping, order: tuple[Field, ...]
) -> tuple[dict[Field, int], tuple[int, ...], tuple[str, ...]]:
    """Each field's column (-1 when the file lacks it), those of `order` in order,
    and the padding that, added to a row, makes every such column readable.

    Column -1 reads the padding's last cell, empty like cells past a short row's end.
    """
    columns = {field: _column(mapping, field) for field in Field}
    indices = tuple(columns[field] for field in order)
    return columns, indices, ("",) * (max(columns.values()) + 2)


class MemberRowParser:
    """Parses rows of one member file: the column positions are looked up once.

    A field the file lacks reads column -1, which the padding added to each row
    keeps empty, as it keeps empty the cells past the end of a short row.
    """

    def __init__(self, mapping: ColumnMapping, *, today: dt.date) -> None:
        self.today = today
        self.columns, self.indices, self.padding = column_layout(mapping, ORDER)

    def __call__(self, row: Row) -> tuple[MemberRow | None, list[RowProblem]]:
        (
            c_iin,
            c_last,
            c_first,
            c_patronymic,
            c_full,
            c_birth,
            c_sex,
            c_org,
            c_category,
            c_joined,
            c_left,
            c_reason,
            c_phone,
            c_email,
        ) = self.indices
        columns = self.columns
        values = row.values + self.padding
        number = row.number
        today = self.today
        problems: list[RowProblem] = []
        add = problems.append

        # IIN.
        iin = ""
        birth_date = dt.date.min
        sex = ""
        raw = values[c_iin]
        if not raw:
            add(RowProblem(number, Field.IIN, REQUIRED))
        else:
            cleaned = clean_iin(raw)
            if isinstance(cleaned, str):
                add(RowProblem(number, Field.IIN, cleaned))
            else:
                iin, (birth_date, sex) = cleaned

        # Names: the name columns, or the full name split when they are empty.
        last_name = _one_spaced(values[c_last])
        first_name = _one_spaced(values[c_first])
        patronymic = _one_spaced(values[c_patronymic])
        full_name = values[c_full]
        if full_name and not (last_name and first_name):
            # The full name gives what the name columns leave empty (a file may
            # have «ФИО» and «Фамилия» both).
            split_last, split_first, split_patronymic = split_full_name(full_name)
            last_name = last_name or split_last
            first_name = first_name or split_first
            patronymic = patronymic or split_patronymic
            if not (last_name and first_name):
                add(RowProblem(number, Field.FULL_NAME, FULL_NAME_INCOMPLETE))
        elif c_full >= 0 and not (last_name or first_name):
            add(RowProblem(number, Field.FULL_NAME, REQUIRED))
        else:
            if not last_name:
                add(RowProblem(number, Field.LAST_NAME, REQUIRED))
            if not first_name:
                add(RowProblem(number, Field.FIRST_NAME, REQUIRED))
        if (
            len(last_name) > NAME_MAX
            or len(first_name) > NAME_MAX
            or len(patronymic) > NAME_MAX
        ):
            for field, name in (
                (Field.LAST_NAME, last_name),
                (Field.FIRST_NAME, first_name),
                (Field.PATRONYMIC, patronymic),
            ):
                if len(name) > NAME_MAX:
                    if columns[field] < 0:
                        field = Field.FULL_NAME
                    add(RowProblem(number, field, TOO_LONG))

        # Birth date and sex, when the file has them, agree with the IIN.
        raw = values[c_birth]
        if raw:
            written = parse_date(raw, today=today)
            if written is None:
                add(RowProblem(number, Field.BIRTH_DATE, DATE_FORMAT))
            elif iin and written != birth_date:
                add(RowProblem(number, Field.BIRTH_DATE, BIRTH_DATE_MISMATCH))
        raw = values[c_sex]
        if raw:
            written_sex = recognise(raw, SEXES)
            if written_sex is None:
                add(RowProblem(number, Field.SEX, SEX_UNKNOWN))
            elif iin and written_sex != sex:
                add(RowProblem(number, Field.SEX, SEX_MISMATCH))

        # Organization.
        org_code = values[c_org]
        if not org_code:
            add(RowProblem(number, Field.ORG_CODE, REQUIRED))
        elif len(org_code) > ORG_CODE_MAX:
            add(RowProblem(number, Field.ORG_CODE, TOO_LONG))

        # Category: blank is working.
        raw = values[c_category]
        category: str | None = WORKING
        if raw:
            category = recognise(raw, CATEGORIES)
            if category is None:
                add(RowProblem(number, Field.CATEGORY, CATEGORY_UNKNOWN))

        # The period.
        joined_on: dt.date | None = None
        raw = values[c_joined]
        if not raw:
            add(RowProblem(number, Field.JOINED_ON, REQUIRED))
        else:
            joined_on = parse_date(raw, today=today)
            if joined_on is None:
                add(RowProblem(number, Field.JOINED_ON, DATE_FORMAT))
            elif joined_on > today:
                add(RowProblem(number, Field.JOINED_ON, FUTURE_DATE))
            elif iin and joined_on < birth_date:
                add(RowProblem(number, Field.JOINED_ON, JOINED_BEFORE_BIRTH))
        left_on: dt.date | None = None
        raw = values[c_left]
        left_written = bool(raw)
        if raw:
            left_on = parse_date(raw, today=today)
            if left_on is None:
                add(RowProblem(number, Field.LEFT_ON, DATE_FORMAT))
            elif left_on > today:
                add(RowProblem(number, Field.LEFT_ON, FUTURE_DATE))
            elif joined_on is not None and left_on <= joined_on:
                add(RowProblem(number, Field.LEFT_ON, LEFT_NOT_AFTER_JOINED))

        # The reason for leaving goes with a date of leaving, and only with one.
        raw = values[c_reason]
        leave_reason = ""
        if raw:
            if not left_written:
                add(RowProblem(number, Field.LEAVE_REASON, REASON_WITHOUT_LEFT))
            else:
                leave_reason = recognise(raw, LEAVE_REASONS) or ""
                if not leave_reason:
                    add(RowProblem(number, Field.LEAVE_REASON, REASON_UNKNOWN))
        elif left_written:
            add(RowProblem(number, Field.LEAVE_REASON, REASON_REQUIRED))

        # Contacts.
        phone = ""
        raw = values[c_phone]
        if raw:
            phone = clean_phone(raw) or ""
            if not phone:
                add(RowProblem(number, Field.PHONE, PHONE_FORMAT))
        email = values[c_email]
        if email and (len(email) > EMAIL_MAX or EMAIL.fullmatch(email) is None):
            add(RowProblem(number, Field.EMAIL, EMAIL_FORMAT))

        if problems or category is None or joined_on is None:
            return None, problems
        return (
            MemberRow(
                number,
                iin,
                last_name,
                first_name,
                patronymic,
                birth_date,
                sex,
                phone,
                email,
                org_code,
                category,
                joined_on,
                left_on,
                leave_reason,
            ),
            problems,
        )


def _one_spaced(name: str) -> str:
    """A name with runs of spaces inside it made single."""
    return " ".join(name.split()) if "  " in name or "\t" in name else name


def member_row_parser(
    mapping: ColumnMapping, *, today: dt.date
) -> Callable[[Row], tuple[MemberRow | None, list[RowProblem]]]:
    """A parser of this file's rows, for the streaming loop."""
    return MemberRowParser(mapping, today=today)


def parse_member_row(
    row: Row, mapping: ColumnMapping, *, today: dt.date
) -> tuple[MemberRow | None, list[RowProblem]]:
    """One row of a member file as model values, or None and every problem found.

    To parse a whole file, build the parser once with ``member_row_parser``.
    """
    return MemberRowParser(mapping, today=today)(row)
