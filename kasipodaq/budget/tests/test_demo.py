"""The demo union's budgets: every organization plans the year and spends by it."""

from __future__ import annotations

import pytest
from django.db.models import Count, Sum

from kasipodaq.budget.models import (
    Budget,
    BudgetLine,
    BudgetStatus,
    Expense,
    ExpenseCategory,
    OtherIncome,
)
from kasipodaq.budget.selectors import rollup
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.querysets import subtree_filter
from kasipodaq.registry.demo.builder import DemoSpec, build_demo
from kasipodaq.registry.demo.users import demo_units

pytestmark = pytest.mark.django_db


def _figures() -> list[tuple[int, str, int]]:
    return list(
        BudgetLine.objects.order_by("budget__unit_id", "category").values_list(
            "budget__unit_id", "category", "planned_tiyn"
        )
    )


def test_the_demo_plans_and_spends_on_both_sides_of_the_rule() -> None:
    """A budget of this year per active organization with every category, drafts
    under the demo district only, spending so far, and organizations both short
    of and keeping the 10 % of training; the same every time it is built."""
    steps: list[str] = []
    build_demo(DemoSpec(members=500), progress=steps.append)
    assert any("budgets of" in step for step in steps)
    units = OrgUnit.objects.filter(status="active").exclude(level="group").count()
    year = today().year
    assert Budget.objects.filter(year=year).count() == units
    per_budget = set(
        Budget.objects.annotate(n=Count("lines")).values_list("n", flat=True)
    )
    assert per_budget == {len(ExpenseCategory)}
    district = demo_units()["district"]
    drafts = Budget.objects.filter(status=BudgetStatus.DRAFT)
    assert drafts.exists()
    assert not drafts.exclude(subtree_filter("unit__path", district.path)).exists()
    approved = Budget.objects.filter(status=BudgetStatus.APPROVED)
    assert not approved.filter(approved_by__isnull=True).exists()
    assert Expense.objects.filter(spent_on__year=year, amount_tiyn__gt=0).exists()
    assert OtherIncome.objects.aggregate(total=Sum("amount_tiyn"))["total"] > 0

    found = rollup(demo_units()["central"], year)
    assert found.budgets == units
    assert 0 < found.flagged < found.budgets
    figures = _figures()
    build_demo(DemoSpec(members=500), reset=True)
    assert _figures() == figures
