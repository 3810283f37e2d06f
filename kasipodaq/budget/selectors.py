"""Reading budgets: a year planned against actual, the training rule, a roll-up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)

from kasipodaq.access.perms import Perm
from kasipodaq.access.scoping import get_scoped
from kasipodaq.core.dates import today
from kasipodaq.dues.distribution import plans_for
from kasipodaq.dues.models import Charge, LedgerEntry
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.paths import upper_bound
from kasipodaq.orgtree.querysets import subtree_filter

from .models import Budget, Expense, ExpenseCategory, OtherIncome
from .training import TRAINING_MIN_BP, below_minimum, share_bp

ENTRIES_SHOWN = 500
ROLLUP_SHOWN = 500


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The first day of `year` and of the next."""
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def _in_year(field: str, year: int) -> Q:
    first, after = year_bounds(year)
    return Q(**{f"{field}__gte": first, f"{field}__lt": after})


def current_budget(unit: OrgUnit, year: int) -> Budget | None:
    """The budget in force (the latest revision), with who approved it."""
    return (
        Budget.objects.filter(unit=unit, year=year)
        .select_related("approved_by")
        .order_by("-revision")
        .first()
    )


def earlier_revisions(budget: Budget) -> list[Budget]:
    return list(
        Budget.objects.filter(
            unit_id=budget.unit_id, year=budget.year, revision__lt=budget.revision
        )
        .select_related("approved_by")
        .order_by("-revision")
    )


def access_budget(user: Any, pk: Any, perm: Perm = Perm.DUES_VIEW) -> Budget:
    """A budget the user may read (or change, by `perm`); else 404."""
    found: Budget = get_scoped(Budget.objects.select_related("unit"), user, perm, pk)
    return found


def access_expense(user: Any, pk: Any, perm: Perm = Perm.DUES_MANAGE) -> Expense:
    found: Expense = get_scoped(Expense.objects.select_related("unit"), user, perm, pk)
    return found


def access_income(user: Any, pk: Any, perm: Perm = Perm.DUES_MANAGE) -> OtherIncome:
    found: OtherIncome = get_scoped(
        OtherIncome.objects.select_related("unit"), user, perm, pk
    )
    return found


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    planned_tiyn: int
    spent_tiyn: int

    @property
    def remaining_tiyn(self) -> int:
        return self.planned_tiyn - self.spent_tiyn

    @property
    def used_bp(self) -> int | None:
        """Spent as hundredths of a percent of planned (None: nothing planned)."""
        return share_bp(self.spent_tiyn, self.planned_tiyn)

    @property
    def overspent(self) -> bool:
        return self.spent_tiyn > self.planned_tiyn


@dataclass(frozen=True)
class ExpectedDues:
    """The unit's own shares of the dues accrued for the year so far."""

    accrued_tiyn: int
    months: int

    @property
    def yearly_tiyn(self) -> int:
        """The months accrued so far, carried over twelve."""
        if not self.months:
            return 0
        return self.accrued_tiyn * 12 // self.months


@dataclass(frozen=True)
class BudgetReport:
    unit: OrgUnit
    year: int
    budget: Budget | None
    rows: list[CategoryRow]
    dues_tiyn: int
    other_income_tiyn: int
    expected: ExpectedDues

    @property
    def planned_tiyn(self) -> int:
        return sum(r.planned_tiyn for r in self.rows)

    @property
    def spent_tiyn(self) -> int:
        return sum(r.spent_tiyn for r in self.rows)

    @property
    def remaining_tiyn(self) -> int:
        return self.planned_tiyn - self.spent_tiyn

    @property
    def used_bp(self) -> int | None:
        return share_bp(self.spent_tiyn, self.planned_tiyn)

    @property
    def planned_income_tiyn(self) -> int:
        if self.budget is None:
            return 0
        return self.budget.planned_dues_tiyn + self.budget.planned_other_income_tiyn

    @property
    def income_tiyn(self) -> int:
        return self.dues_tiyn + self.other_income_tiyn

    def _training(self) -> CategoryRow:
        return next(r for r in self.rows if r.category == ExpenseCategory.TRAINING)

    @property
    def planned_training_bp(self) -> int | None:
        return share_bp(self._training().planned_tiyn, self.planned_tiyn)

    @property
    def spent_training_bp(self) -> int | None:
        return share_bp(self._training().spent_tiyn, self.spent_tiyn)

    @property
    def planned_training_low(self) -> bool:
        return below_minimum(self._training().planned_tiyn, self.planned_tiyn)

    @property
    def spent_training_low(self) -> bool:
        return below_minimum(self._training().spent_tiyn, self.spent_tiyn)

    @property
    def minimum_bp(self) -> int:
        return TRAINING_MIN_BP


def budget_report(unit: OrgUnit, year: int) -> BudgetReport:
    """The year's budget in force against what was actually spent and received."""
    budget = current_budget(unit, year)
    planned: dict[str, int] = {}
    if budget is not None:
        planned = dict(budget.lines.values_list("category", "planned_tiyn"))
    spent = dict(
        Expense.objects.filter(_in_year("spent_on", year), unit=unit)
        .values("category")
        .annotate(total=Sum("amount_tiyn"))
        .values_list("category", "total")
    )
    rows = [
        CategoryRow(
            category=category.value,
            label=str(category.label),
            planned_tiyn=planned.get(category.value, 0),
            spent_tiyn=spent.get(category.value, 0),
        )
        for category in ExpenseCategory
    ]
    dues = LedgerEntry.objects.filter(_in_year("booked_on", year), unit=unit).aggregate(
        total=Sum("amount_tiyn")
    )["total"]
    other = OtherIncome.objects.filter(
        _in_year("received_on", year), unit=unit
    ).aggregate(total=Sum("amount_tiyn"))["total"]
    return BudgetReport(
        unit=unit,
        year=year,
        budget=budget,
        rows=rows,
        dues_tiyn=dues or 0,
        other_income_tiyn=other or 0,
        expected=expected_dues(unit, year),
    )


def expected_dues(unit: OrgUnit, year: int) -> ExpectedDues:
    """The unit's shares of the year's accrued charges under it, as the regulation
    in force at the end of the year (or today) would split them when paid.

    One query sums the charges (and counts the months accrued) per primary
    organization; the plans of those organizations take two more, whatever their
    number. It reads every charge of the year under the unit: at the centre of a
    large union that is the page's heaviest query.
    """
    first, after = year_bounds(year)
    charged = (
        Charge.objects.filter(
            subtree_filter("org_unit__path", unit.path),
            month__gte=first,
            month__lt=after,
        )
        .values("org_unit_id", "org_unit__path")
        .annotate(total=Sum("amount_tiyn"), months=Count("month", distinct=True))
        .order_by()
    )
    totals: dict[int, int] = {}
    primaries: dict[int, str] = {}
    months = 0
    for row in charged:
        totals[row["org_unit_id"]] = row["total"] or 0
        months = max(months, row["months"])
        primaries[row["org_unit_id"]] = row["org_unit__path"]
    if not primaries:
        return ExpectedDues(accrued_tiyn=0, months=0)
    on = min(after - dt.timedelta(days=1), max(first, today()))
    share = 0
    for pk, plan in plans_for(primaries, on).items():
        share += sum(
            part
            for receiver, _level, part in plan.apply(totals[pk])
            if receiver == unit.pk
        )
    return ExpectedDues(accrued_tiyn=share, months=months)


def list_expenses(
    unit: OrgUnit,
    year: int,
    *,
    category: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Expense]:
    """The unit's expenses of the year, the latest first, narrowed by the filters."""
    expenses = Expense.objects.filter(_in_year("spent_on", year), unit=unit)
    if category:
        expenses = expenses.filter(category=category)
    if since is not None:
        expenses = expenses.filter(spent_on__gte=since)
    if until is not None:
        expenses = expenses.filter(spent_on__lte=until)
    return expenses.select_related("recorded_by")


def list_incomes(unit: OrgUnit, year: int) -> QuerySet[OtherIncome]:
    return OtherIncome.objects.filter(
        _in_year("received_on", year), unit=unit
    ).select_related("recorded_by")


@dataclass(frozen=True)
class RollupRow:
    budget: Budget
    planned_tiyn: int
    planned_training_tiyn: int
    spent_tiyn: int
    spent_training_tiyn: int
    flagged: bool

    @property
    def planned_training_bp(self) -> int | None:
        return share_bp(self.planned_training_tiyn, self.planned_tiyn)

    @property
    def spent_training_bp(self) -> int | None:
        return share_bp(self.spent_training_tiyn, self.spent_tiyn)

    @property
    def planned_training_low(self) -> bool:
        return below_minimum(self.planned_training_tiyn, self.planned_tiyn)

    @property
    def spent_training_low(self) -> bool:
        return below_minimum(self.spent_training_tiyn, self.spent_tiyn)


@dataclass(frozen=True)
class Rollup:
    units: int
    budgets: int
    flagged: int
    rows: list[RollupRow]


# The budgets in force under a path with their planned and spent sums, training
# apart, and whether they fall short of the rule; the counts of all of them ride
# along as window functions, so the page needs this one query (and the rows).
ROLLUP_SQL = """
WITH latest AS (
    SELECT b.id, b.unit_id, u.path
    FROM budget_budget b JOIN orgtree_orgunit u ON u.id = b.unit_id
    WHERE u.path >= %(from)s AND u.path < %(to)s AND b.year = %(year)s
      AND NOT EXISTS (
        SELECT 1 FROM budget_budget n
        WHERE n.unit_id = b.unit_id AND n.year = b.year AND n.revision > b.revision
      )
), planned AS (
    SELECT l.budget_id, SUM(l.planned_tiyn) AS total,
        SUM(CASE WHEN l.category = %(training)s THEN l.planned_tiyn ELSE 0 END)
            AS training
    FROM budget_budgetline l JOIN latest ON latest.id = l.budget_id
    GROUP BY l.budget_id
), spent AS (
    SELECT e.unit_id, SUM(e.amount_tiyn) AS total,
        SUM(CASE WHEN e.category = %(training)s THEN e.amount_tiyn ELSE 0 END)
            AS training
    FROM budget_expense e JOIN latest ON latest.unit_id = e.unit_id
    WHERE e.spent_on >= %(first)s AND e.spent_on < %(after)s
    GROUP BY e.unit_id
), figures AS (
    SELECT latest.id, latest.path,
        COALESCE(p.total, 0) AS planned_total,
        COALESCE(p.training, 0) AS planned_training,
        COALESCE(s.total, 0) AS spent_total,
        COALESCE(s.training, 0) AS spent_training
    FROM latest
    LEFT JOIN planned p ON p.budget_id = latest.id
    LEFT JOIN spent s ON s.unit_id = latest.unit_id
), marked AS (
    SELECT f.*, CASE
        WHEN f.planned_total * %(minimum)s > f.planned_training * 10000
          OR f.spent_total * %(minimum)s > f.spent_training * 10000
        THEN 1 ELSE 0 END AS flagged
    FROM figures f
)
SELECT id, planned_total, planned_training, spent_total, spent_training, flagged,
    COUNT(*) OVER (), SUM(flagged) OVER ()
FROM marked
ORDER BY flagged DESC, path
LIMIT %(limit)s
"""


def rollup(unit: OrgUnit, year: int, *, limit: int = ROLLUP_SHOWN) -> Rollup:
    """The budgets in force of `unit` and the organizations below it for `year`,
    each with its planned and actual training share; those below the minimum
    (`training.below_minimum`, in SQL) first, then in the tree's order.

    Set-based whatever the subtree: one query for the figures and the counts, one
    for the budgets shown, one for the number of organizations.
    """
    first, after = year_bounds(year)
    params: dict[str, Any] = {
        "from": unit.path,
        "to": upper_bound(unit.path),
        "year": year,
        "first": first,
        "after": after,
        "training": ExpenseCategory.TRAINING.value,
        "minimum": TRAINING_MIN_BP,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(ROLLUP_SQL, params)
        figures = cursor.fetchall()
    budgets = Budget.objects.select_related("unit").in_bulk([row[0] for row in figures])
    rows = [
        RollupRow(
            budget=budgets[pk],
            planned_tiyn=int(planned),
            planned_training_tiyn=int(planned_training),
            spent_tiyn=int(spent),
            spent_training_tiyn=int(spent_training),
            flagged=bool(flagged),
        )
        for pk, planned, planned_training, spent, spent_training, flagged, _n, _f in (
            figures
        )
    ]
    return Rollup(
        units=OrgUnit.objects.in_subtree(unit).active().count(),
        budgets=int(figures[0][6]) if figures else 0,
        flagged=int(figures[0][7]) if figures else 0,
        rows=rows,
    )
