"""Collection over a year: charged against received, per month and per
organization directly below, and the arrears of a subtree.

Two grouped queries (charges, payments) by organization below and month give
both tables; the subtree's months are their sums. The arrears are one aggregate
over the running-sum query of `arrears.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Substr, TruncMonth

from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.paths import SEGMENT, upper_bound
from kasipodaq.orgtree.querysets import subtree_filter

from .arrears import _UNDER, OVERDUE_SQL
from .models import Charge, Payment
from .months import month_of


@dataclass(frozen=True)
class Figures:
    charged_tiyn: int = 0
    # Received in the month (or year), whatever month it paid.
    paid_tiyn: int = 0

    @property
    def rate(self) -> int | None:
        """Received as a whole percent of charged (None when nothing charged)."""
        if not self.charged_tiyn:
            return None
        return self.paid_tiyn * 100 // self.charged_tiyn

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.charged_tiyn + other.charged_tiyn, self.paid_tiyn + other.paid_tiyn
        )


@dataclass(frozen=True)
class Arrears:
    debtors: int
    owed_tiyn: int


@dataclass(frozen=True)
class YearCollection:
    unit: OrgUnit
    year: int
    months: list[tuple[dt.date, Figures]]
    # Per organization directly below; the unit's own members (None) last.
    below: list[tuple[OrgUnit | None, Figures]]
    arrears: Arrears

    @property
    def total(self) -> Figures:
        return sum((figures for _month, figures in self.months), Figures())


def compute_collection(unit: OrgUnit, year: int, on: dt.date) -> YearCollection:
    """The year's collection under `unit`, and its arrears on `on`."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    cells: dict[tuple[str, dt.date], Figures] = {}
    for key, month, tiyn in _grouped(
        Charge.objects.filter(month__gte=start, month__lt=end), "month", unit
    ):
        cells[key, month] = cells.get((key, month), Figures()) + Figures(tiyn, 0)
    for key, month, tiyn in _grouped(
        Payment.objects.filter(paid_on__gte=start, paid_on__lt=end),
        "paid_on",
        unit,
    ):
        cells[key, month] = cells.get((key, month), Figures()) + Figures(0, tiyn)
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    per_month = {month: Figures() for month in months}
    per_key: dict[str, Figures] = {}
    for (key, month), figures in cells.items():
        per_month[month] = per_month[month] + figures
        per_key[key] = per_key.get(key, Figures()) + figures
    children = list(
        OrgUnit.objects.filter(parent=unit)
        .only("pk", "path", "code", "name_ru", "name_kk", "level", "status")
        .order_by("name_ru")
    )
    below: list[tuple[OrgUnit | None, Figures]] = [
        (child, per_key.get(child.path, Figures()))
        for child in children
        if child.is_active or child.path in per_key
    ]
    if unit.path in per_key:
        below.append((None, per_key[unit.path]))
    return YearCollection(
        unit=unit,
        year=year,
        months=[(month, per_month[month]) for month in months],
        below=below,
        arrears=compute_arrears(unit, on),
    )


def _grouped(rows: Any, on: str, unit: OrgUnit) -> list[tuple[str, dt.date, int]]:
    """(path of the organization directly below, month, tiyn) of `rows` under
    `unit`; the unit's own rows have its path."""
    width = len(unit.path) + SEGMENT
    grouped = (
        rows.filter(subtree_filter("org_unit__path", unit.path))
        .annotate(below=Substr("org_unit__path", 1, width), in_month=TruncMonth(on))
        .values("below", "in_month")
        .annotate(tiyn=Sum("amount_tiyn"))
        .order_by()
        .values_list("below", "in_month", "tiyn")
    )
    return [
        (below, month_of(_as_date(month)), int(tiyn or 0))
        for below, month, tiyn in grouped
    ]


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def compute_arrears(unit: OrgUnit, on: dt.date) -> Arrears:
    """How many members under `unit` are behind on `on`, and what they owe."""
    overdue = OVERDUE_SQL.format(
        people=_UNDER, chosen="u.path >= %(low)s AND u.path < %(high)s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COALESCE(SUM(d.owed_tiyn), 0) FROM ("  # noqa: S608 — fixed SQL, values are parameters
            + overdue
            + ") d",
            {"low": unit.path, "high": upper_bound(unit.path), "month": month_of(on)},
        )
        debtors, owed = cursor.fetchone()
    return Arrears(debtors=int(debtors), owed_tiyn=int(owed))
