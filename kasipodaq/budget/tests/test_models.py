"""The budget's rules that the database keeps, whatever writes to it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kasipodaq.budget.models import Budget, BudgetLine, BudgetStatus, Expense
from kasipodaq.core.dates import today
from kasipodaq.registry.tests.factories import Tree


def _refused(**fields: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.create(**fields)


def test_one_draft_per_year_and_approval_with_who_and_when(tree: Tree) -> None:
    unit = tree.districts[0]
    Budget.objects.create(unit=unit, year=2026)
    _refused(unit=unit, year=2026, revision=2)  # a second draft
    _refused(unit=unit, year=2026, revision=1, status=BudgetStatus.APPROVED)
    _refused(unit=unit, year=2026, revision=3, status=BudgetStatus.APPROVED)
    _refused(unit=unit, year=2026, revision=3, planned_dues_tiyn=-1)
    Budget.objects.create(
        unit=unit,
        year=2026,
        revision=2,
        status=BudgetStatus.APPROVED,
        approved_by=tree.admin,
        approved_at=timezone.now(),
    )


def test_lines_are_one_per_category_and_never_negative(tree: Tree) -> None:
    budget = Budget.objects.create(unit=tree.districts[0], year=2026)
    BudgetLine.objects.create(budget=budget, category="training", planned_tiyn=0)
    for category, tiyn in (("training", 1), ("youth", -1)):
        with pytest.raises(IntegrityError), transaction.atomic():
            BudgetLine.objects.create(
                budget=budget, category=category, planned_tiyn=tiyn
            )


def test_an_expense_is_more_than_nothing(tree: Tree) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Expense.objects.create(
            unit=tree.districts[0],
            spent_on=today(),
            category="training",
            amount_tiyn=0,
            document="1",
        )
