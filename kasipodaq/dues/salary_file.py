"""Reading an employer's list of salaries: IIN, month and salary per line
(`employer_lists.py` reads it, as it reads the payroll lists)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .employer_lists import Line, ListKind, Problem, read_list

SALARIES = ListKind(
    headers=frozenset(
        {
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
        }
    ),
    label=_("salary"),
    needs=_(
        "The list has no column «%(column)s»: it needs the IIN, the month and the "
        "salary."
    ),
    to_come=_("The salary of a month to come is not known yet."),
    too_large=_("The salary is too large."),
    least_tiyn=0,
    below_least=_("A salary cannot be negative."),
)
SalaryLine = Line


def read_salaries(
    path: Path, *, latest_month: dt.date, largest_tiyn: int
) -> tuple[list[SalaryLine], list[Problem]]:
    """Every line of the list, or why it cannot be taken: no IIN, no month or one
    to come, a negative or absurd salary, the same IIN and month as an earlier
    line."""
    return read_list(
        path, kind=SALARIES, latest_month=latest_month, largest_tiyn=largest_tiyn
    )
