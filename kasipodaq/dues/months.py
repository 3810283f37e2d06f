"""Months as dues count them: each is its first day."""

from __future__ import annotations

import datetime as dt
import re

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def parse_month(text: str) -> dt.date | None:
    """«2026-03» as 1 March 2026; None when it is no month."""
    found = _MONTH.match(text.strip())
    if found is None or not 1 <= int(found[2]) <= 12 or not int(found[1]):
        return None
    return dt.date(int(found[1]), int(found[2]), 1)
