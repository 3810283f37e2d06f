"""Reading an employer's list of salaries: IIN, month and salary per line.

The same formats and the same ways of writing months and amounts as the payroll
lists (`payroll_file.py`); the columns are found by their headers in Russian,
Kazakh or English. Each line becomes a `SalaryLine` or a `Problem` naming its
line and column.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kasipodaq.registry.iin import parse_iin
from kasipodaq.registry.imports.errors import ImportFileError
from kasipodaq.registry.imports.reading import open_table

from .payroll_file import HEADERS as PAYROLL_HEADERS
from .payroll_file import Problem, parse_list_month, parse_tenge

HEADERS = {
    "iin": PAYROLL_HEADERS["iin"],
    "month": PAYROLL_HEADERS["month"],
    "salary": {
        "зарплата",
        "заработная плата",
        "зп",
        "оклад",
        "начислено",
        "сумма",
        "salary",
        "wage",
        "amount",
        "жалақы",
        "айлық",
        "сома",
    },
}


@dataclass(frozen=True)
class SalaryLine:
    number: int
    iin: str
    month: dt.date
    amount_tiyn: int


def read_salaries(
    path: Path, *, latest_month: dt.date, largest_tiyn: int
) -> tuple[list[SalaryLine], list[Problem]]:
    """Every line of the list, or why it cannot be taken: no IIN, no month or one
    to come, a negative or absurd salary, the same IIN and month as an earlier
    line."""
    table = open_table(path)
    columns = _columns(table.headers)
    lines: list[SalaryLine] = []
    problems: list[Problem] = []
    first_seen: dict[tuple[str, dt.date], int] = {}
    for row in table.rows():
        found = _line(
            row.number,
            row.value(columns["iin"]),
            row.value(columns["month"]),
            row.value(columns["salary"]),
            problems,
        )
        if found is None:
            continue
        if found.month > latest_month:
            problems.append(
                Problem(
                    found.number,
                    _("month"),
                    _("The salary of a month to come is not known yet."),
                )
            )
            continue
        if found.amount_tiyn > largest_tiyn:
            problems.append(
                Problem(found.number, _("salary"), _("The salary is too large."))
            )
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


def _columns(headers: list[str]) -> dict[str, int]:
    normal = [re.sub(r"[\s.:()«»\"]+", " ", h).strip().lower() for h in headers]
    columns = {}
    labels = {"iin": _("IIN"), "month": _("month"), "salary": _("salary")}
    for key, names in HEADERS.items():
        index = next((i for i, h in enumerate(normal) if h in names), None)
        if index is None:
            raise ImportFileError(
                _(
                    "The list has no column «%(column)s»: it needs the IIN, the "
                    "month and the salary."
                )
                % {"column": labels[key]}
            )
        columns[key] = index
    return columns


def _line(
    number: int, iin: str, month: str, salary: str, problems: list[Problem]
) -> SalaryLine | None:
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
    tiyn = parse_tenge(salary)
    if tiyn is None:
        problems.append(
            Problem(number, _("salary"), _("Not an amount of tenge, e.g. 1234.56."))
        )
    elif tiyn < 0:
        problems.append(Problem(number, _("salary"), _("A salary cannot be negative.")))
    if len(problems) > before or parsed_month is None or tiyn is None:
        return None
    return SalaryLine(number, iin, parsed_month, tiyn)
