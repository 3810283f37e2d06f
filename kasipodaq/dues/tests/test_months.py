"""Months as typed: only real ones are read."""

from __future__ import annotations

import datetime as dt

import pytest

from kasipodaq.dues.months import next_month, parse_month


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-03", dt.date(2026, 3, 1)),
        (" 2026-12 ", dt.date(2026, 12, 1)),
        ("2026-13", None),
        ("2026-00", None),
        ("0000-01", None),
        ("2026-3", None),
        ("март 2026", None),
    ],
)
def test_a_month_is_read_only_when_it_is_one(text: str, month: dt.date | None) -> None:
    assert parse_month(text) == month


def test_december_is_followed_by_january() -> None:
    assert next_month(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
