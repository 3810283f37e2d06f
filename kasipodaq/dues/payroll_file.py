"""Reading an employer's payroll list: IIN, month and the dues deducted per line
(`employer_lists.py` reads it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .employer_lists import Line, ListKind, Problem, read_list

PAYROLL = ListKind(
    headers=frozenset(
        {
            "сумма",
            "сома",
            "amount",
            "взнос",
            "взносы",
            "удержано",
            "сумма взноса",
            "жарна",
        }
    ),
    label=_("amount"),
    needs=_(
        "The list has no column «%(column)s»: it needs the IIN, the month and the "
        "amount."
    ),
    to_come=_("A month to come cannot be paid."),
    too_large=_("The amount is too large."),
    least_tiyn=1,
    below_least=_("The amount must be above 0."),
)

__all__ = ["PAYROLL", "Line", "Problem", "read_lines"]


def read_lines(
    path: Path, *, latest_month: dt.date, largest_tiyn: int
) -> tuple[list[Line], list[Problem]]:
    """Every line of a payroll list, or why it cannot be taken."""
    return read_list(
        path, kind=PAYROLL, latest_month=latest_month, largest_tiyn=largest_tiyn
    )
