"""Reading an employer's list: IIN, month and an amount per line.

Payroll lists (the dues deducted, `payroll_file.py`) and salary lists (the base of
the percent, `salary_file.py`) are read alike; a `ListKind` says what the amount
column is called and how its values are refused. Any format the registry's import
reads (XLSX, XLS, ODS, CSV in UTF-8 or Windows-1251); the columns are found by
their headers in Russian, Kazakh or English. Each line becomes a `Line` or a
`Problem` naming its line and column.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kasipodaq.registry.iin import parse_iin
from kasipodaq.registry.imports.errors import ImportFileError
from kasipodaq.registry.imports.reading import open_table

from .money import NotMoney, to_tiyn

# The headers of the IIN and month columns, as written after `_normal`.
IIN_HEADERS = frozenset({"иин", "жсн", "iin", "иин работника", "жсн қызметкердің"})
MONTH_HEADERS = frozenset(
    {"месяц", "ай", "month", "период", "period", "кезең", "за месяц"}
)
_MONTH_FORMS = (
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})(?:-\d{1,2})?$"),
    re.compile(r"^(?:\d{1,2}[./])?(?P<month>\d{1,2})[./](?P<year>\d{4})$"),
)
_SPACES = re.compile(r"[\s\u00a0\u202f']")


@dataclass(frozen=True)
class Line:
    number: int
    iin: str
    month: dt.date
    amount_tiyn: int


@dataclass(frozen=True)
class ListKind:
    """What a kind of list calls its amount, and how it refuses one."""

    headers: frozenset[str]
    label: str | Promise  # the amount column, in problems
    needs: str | Promise  # a missing column, with %(column)s
    to_come: str | Promise  # a month to come
    too_large: str | Promise
    least_tiyn: int
    below_least: str | Promise


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "message": self.message}


def read_list(
    path: Path, *, kind: ListKind, latest_month: dt.date, largest_tiyn: int
) -> tuple[list[Line], list[Problem]]:
    """Every line of the list, or why it cannot be taken; a duplicate of an
    earlier line (the same IIN and month) is a problem too."""
    table = open_table(path)
    columns = _columns(table.headers, kind)
    lines: list[Line] = []
    problems: list[Problem] = []
    first_seen: dict[tuple[str, dt.date], int] = {}
    for row in table.rows():
        found = _line(
            row.number,
            row.value(columns["iin"]),
            row.value(columns["month"]),
            row.value(columns["amount"]),
            kind,
            problems,
        )
        if found is None:
            continue
        if found.month > latest_month:
            problems.append(Problem(found.number, _("month"), str(kind.to_come)))
            continue
        if found.amount_tiyn > largest_tiyn:
            problems.append(Problem(found.number, str(kind.label), str(kind.too_large)))
            continue
        earlier = first_seen.setdefault((found.iin, found.month), found.number)
        if earlier != found.number:
            problems.append(
                Problem(
                    found.number,
                    _("IIN"),
                    _("The same IIN and month as line %(line)s.") % {"line": earlier},
                )
            )
            continue
        lines.append(found)
    return lines, problems


def _columns(headers: list[str], kind: ListKind) -> dict[str, int]:
    normal = [re.sub(r"[\s.:()«»\"]+", " ", h).strip().lower() for h in headers]
    wanted = {
        "iin": (IIN_HEADERS, _("IIN")),
        "month": (MONTH_HEADERS, _("month")),
        "amount": (kind.headers, str(kind.label)),
    }
    columns = {}
    for key, (names, label) in wanted.items():
        index = next((i for i, h in enumerate(normal) if h in names), None)
        if index is None:
            raise ImportFileError(str(kind.needs) % {"column": label})
        columns[key] = index
    return columns


def _line(
    number: int,
    iin: str,
    month: str,
    amount: str,
    kind: ListKind,
    problems: list[Problem],
) -> Line | None:
    before = len(problems)
    try:
        parse_iin(iin)
    except ValidationError as fault:
        problems.append(Problem(number, _("IIN"), str(fault.messages[0])))
    parsed_month = parse_list_month(month)
    if parsed_month is None:
        problems.append(
            Problem(
                number, _("month"), _("Not a month: write it as 2026-03 or 03.2026.")
            )
        )
    tiyn = parse_tenge(amount)
    if tiyn is None:
        problems.append(
            Problem(number, str(kind.label), _("Not an amount of tenge, e.g. 1234.56."))
        )
    elif tiyn < kind.least_tiyn:
        problems.append(Problem(number, str(kind.label), str(kind.below_least)))
    if len(problems) > before or parsed_month is None or tiyn is None:
        return None
    return Line(number, iin, parsed_month, tiyn)


@functools.lru_cache(maxsize=256)  # a list names a month or two, on every line
def parse_list_month(text: str) -> dt.date | None:
    """A month as the lists write it: 2026-03, 2026-03-01, 03.2026, 01.03.2026."""
    for form in _MONTH_FORMS:
        found = form.match(text.strip())
        if found is not None and 1 <= int(found["month"]) <= 12:
            return dt.date(int(found["year"]), int(found["month"]), 1)
    return None


def parse_tenge(text: str) -> int | None:
    """Tenge as a list writes them (spaces between thousands, a decimal comma), in
    tiyn; None when it is no amount."""
    cleaned = _SPACES.sub("", text).replace(",", ".")
    try:
        return to_tiyn(Decimal(cleaned))
    except (InvalidOperation, NotMoney):
        return None
