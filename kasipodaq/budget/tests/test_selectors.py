"""Reading budgets: the year against actual, dues expected and received, roll-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kasipodaq.budget.models import Budget, BudgetLine, BudgetStatus, ExpenseCategory
from kasipodaq.budget.selectors import budget_report, expected_dues, rollup
from kasipodaq.budget.services.budgets import (
    approve_budget,
    revise_budget,
    save_budget,
)
from kasipodaq.budget.services.expenses import record_expense, record_income
from kasipodaq.dues.models import DistributionRule, SalaryBase
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.dues.services.payments import record_payment
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.tests.factories import Tree

YEAR = 2025
TRAINING = ExpenseCategory.TRAINING
SALARIES = ExpenseCategory.SALARIES


def _plan(tree: Tree, unit: OrgUnit, training: int, rest: int, **kw: Any) -> Budget:
    return save_budget(
        actor=tree.admin,
        unit=unit,
        year=kw.get("year", YEAR),
        lines=[(TRAINING, training), (SALARIES, rest)],
        planned_dues_tiyn=kw.get("dues", 0),
        planned_other_income_tiyn=0,
    )


def _spend(tree: Tree, unit: OrgUnit, category: str, tiyn: int, on: dt.date) -> None:
    record_expense(
        actor=tree.admin,
        unit=unit,
        spent_on=on,
        category=category,
        amount_tiyn=tiyn,
        document="1",
    )


@pytest.fixture
def paying(tree: Tree) -> None:
    """A member of the first school pays 1,000 tenge a month; shares 60/15/15/10."""
    DistributionRule.objects.create(
        unit=tree.central,
        valid_from=dt.date(2024, 1, 1),
        primary_bp=6000,
        district_bp=1500,
        region_bp=1500,
        central_bp=1000,
    )
    person = tree.admit(tree.primaries[0], joined_on=dt.date(2024, 1, 1)).person
    SalaryBase.objects.create(
        person=person, valid_from=dt.date(2024, 1, 1), amount_tiyn=100_000_00
    )
    for month in (dt.date(YEAR, 1, 1), dt.date(YEAR, 2, 1), dt.date(2024, 12, 1)):
        accrue_month(actor=None, month=month, unit=tree.central)
    record_payment(
        actor=None,
        person=person,
        amount_tiyn=2_000_00,
        method="cash",
        reference="R-1",
        paid_on=dt.date(YEAR, 3, 10),
    )


@pytest.mark.usefixtures("paying")
def test_the_year_against_actual_by_category_and_income(tree: Tree) -> None:
    """Planned and spent per category, the district's ledger share of dues as its
    actual dues income, other income, and the training shares both ways."""
    district = tree.districts[0]
    _plan(tree, district, 100_00, 900_00, dues=500_00)
    _spend(tree, district, TRAINING, 50_00, dt.date(YEAR, 4, 1))
    _spend(tree, district, SALARIES, 950_00, dt.date(YEAR, 4, 2))
    _spend(tree, district, SALARIES, 7_00, dt.date(YEAR - 1, 12, 31))
    _spend(tree, tree.primaries[0], SALARIES, 9_00, dt.date(YEAR, 4, 2))
    record_income(
        actor=tree.admin,
        unit=district,
        received_on=dt.date(YEAR, 5, 1),
        amount_tiyn=100_00,
        document="1",
    )
    report = budget_report(district, YEAR)
    rows = {row.category: row for row in report.rows}
    assert len(rows) == len(ExpenseCategory)
    assert (rows[TRAINING].planned_tiyn, rows[TRAINING].spent_tiyn) == (100_00, 50_00)
    assert rows[TRAINING].used_bp == 5000
    assert rows[SALARIES].remaining_tiyn == -50_00
    assert rows[SALARIES].overspent
    assert rows[ExpenseCategory.YOUTH].used_bp is None
    assert (report.planned_tiyn, report.spent_tiyn) == (1_000_00, 1_000_00)
    assert report.dues_tiyn == 300_00  # 15 % of 2,000 tenge
    assert report.other_income_tiyn == 100_00
    assert (report.planned_income_tiyn, report.income_tiyn) == (500_00, 400_00)
    assert report.planned_training_bp == 1000
    assert not report.planned_training_low  # exactly 10 %
    assert report.spent_training_bp == 500
    assert report.spent_training_low


@pytest.mark.usefixtures("paying")
def test_expected_dues_are_the_units_share_of_the_years_charges(tree: Tree) -> None:
    """Two months of 1,000 tenge accrued in the year: the district's 15 % is
    300 tenge, about 1,800 over twelve months; the school keeps 60 %."""
    district = expected_dues(tree.districts[0], YEAR)
    assert (district.accrued_tiyn, district.months, district.yearly_tiyn) == (
        300_00,
        2,
        1_800_00,
    )
    assert expected_dues(tree.primaries[0], YEAR).accrued_tiyn == 1_200_00
    assert expected_dues(tree.central, YEAR).accrued_tiyn == 200_00
    nothing = expected_dues(tree.districts[2], YEAR)
    assert (nothing.accrued_tiyn, nothing.yearly_tiyn) == (0, 0)


def test_a_year_without_a_budget_shows_its_actuals(tree: Tree) -> None:
    _spend(tree, tree.districts[0], TRAINING, 10_00, dt.date(YEAR, 1, 5))
    report = budget_report(tree.districts[0], YEAR)
    assert report.budget is None
    assert (report.planned_tiyn, report.spent_tiyn) == (0, 10_00)
    assert not report.planned_training_low
    assert not report.spent_training_low  # all of it went on training


def test_the_rollup_lists_the_budgets_in_force_below_flagged_first(
    tree: Tree, django_assert_max_num_queries: Any
) -> None:
    """Only the subtree, only the latest revision of each, those short of
    training (planned or spent) before the rest; 9.99 % is short, 10 % is not."""
    region = tree.regions[0]
    old = _plan(tree, tree.districts[0], 1_00, 99_00)
    approve_budget(actor=tree.admin, budget=old)
    revise_budget(actor=tree.admin, budget=old, reason="x")
    _plan(tree, tree.districts[0], 10_00, 90_00)  # revision 2: exactly 10 %
    _plan(tree, tree.primaries[0], 999, 9001)  # 9.99 %
    _plan(tree, tree.primaries[1], 20_00, 80_00)
    _spend(tree, tree.primaries[1], SALARIES, 100_00, dt.date(YEAR, 2, 1))
    _plan(tree, region, 50_00, 50_00)
    _plan(tree, tree.districts[2], 0, 100_00)  # another region
    _plan(tree, tree.districts[1], 0, 100_00, year=YEAR - 1)  # another year
    with django_assert_max_num_queries(3):
        found = rollup(region, YEAR)
    assert found.units == 7
    assert (found.budgets, found.flagged) == (4, 2)
    assert [(r.budget.unit, r.flagged) for r in found.rows] == [
        (tree.primaries[0], True),
        (tree.primaries[1], True),  # spent nothing on training
        (region, False),
        (tree.districts[0], False),
    ]
    school = found.rows[0]
    assert (school.planned_training_bp, school.planned_training_low) == (999, True)
    spent_none = found.rows[1]
    assert (spent_none.spent_tiyn, spent_none.spent_training_bp) == (100_00, 0)
    district = found.rows[3]
    assert district.budget.revision == 2
    assert district.budget.status == BudgetStatus.DRAFT
    assert (district.planned_tiyn, district.planned_training_tiyn) == (100_00, 10_00)
    assert BudgetLine.objects.count() == 2 * 7
