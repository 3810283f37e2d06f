"""The demo union's budgets: every organization plans this year and spends by it.

Union groups keep no budget of their own. Run after the demo's registry (and its
dues) are committed (`registry.signals.demo_built`). Set-based, a handful of
INSERT … SELECT statements whatever the size of the tree, and deterministic:
amounts follow the unit's id. Training takes 0.5 %–15.5 % of each plan (seed 003
counts 0.5 %–10 % in the member organizations), so the roll-up shows
organizations on both sides of the 10 % rule. Budgets under the demo district
stay drafts for its accountant to finish and approve; the rest are approved by
the demo's central administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from kasipodaq.core.dates import today
from kasipodaq.orgtree.paths import upper_bound
from kasipodaq.registry.demo.loading import analyze
from kasipodaq.registry.demo.users import demo_units

from .models import (
    Budget,
    BudgetLine,
    BudgetStatus,
    Expense,
    ExpenseCategory,
    OtherIncome,
)

# Whole-year expenses by level, in tiyn, before the per-unit variation (×1.0–1.6).
_LEVEL_TOTALS = {
    "central": 300_000_000_00,
    "region": 60_000_000_00,
    "district": 8_000_000_00,
    "primary": 600_000_00,
}
_LEVELS_SQL = ", ".join(f"'{level}'" for level in _LEVEL_TOTALS)
# The weights (of 100) of the categories other than training.
_WEIGHTS = {
    ExpenseCategory.MATERIAL_AID: 14,
    ExpenseCategory.CULTURE_SPORT_HEALTH: 16,
    ExpenseCategory.YOUTH: 6,
    ExpenseCategory.LEGAL_SAFETY: 5,
    ExpenseCategory.INFORMATION: 4,
    ExpenseCategory.EVENTS: 5,
    ExpenseCategory.SALARIES: 28,
    ExpenseCategory.TAXES: 8,
    ExpenseCategory.ADMINISTRATION: 8,
    ExpenseCategory.OTHER: 6,
}
# Hundredths of a percent of the plan that goes to training, by unit id.
_TRAINING_BP = "(50 + (u.id * 37) %% 1500)"


def _total_sql() -> str:
    cases = " ".join(
        f"WHEN '{level}' THEN {tiyn}" for level, tiyn in _LEVEL_TOTALS.items()
    )
    return f"(CASE u.level {cases} ELSE 0 END) * (10 + u.id %% 7) / 10"


def _categories_sql() -> str:
    rows = [f"SELECT '{ExpenseCategory.TRAINING.value}' AS category, 0 AS weight"]
    rows += [f"SELECT '{c.value}', {w}" for c, w in _WEIGHTS.items()]
    return " UNION ALL ".join(rows)


BUDGETS_SQL = f"""
INSERT INTO budget_budget (unit_id, year, revision, status, planned_dues_tiyn,
    planned_other_income_tiyn, note, created_at, updated_at, approved_by_id,
    approved_at)
SELECT u.id, %(year)s, 1,
    CASE WHEN u.path >= %(draft_from)s AND u.path < %(draft_to)s
        THEN '{BudgetStatus.DRAFT}' ELSE '{BudgetStatus.APPROVED}' END,
    {_total_sql()} * 95 / 100, {_total_sql()} * 5 / 100, '', %(now)s, %(now)s,
    CASE WHEN u.path >= %(draft_from)s AND u.path < %(draft_to)s
        THEN NULL ELSE %(approver)s END,
    CASE WHEN u.path >= %(draft_from)s AND u.path < %(draft_to)s
        THEN NULL ELSE %(now)s END
FROM orgtree_orgunit u
WHERE u.status = 'active' AND u.level IN ({_LEVELS_SQL})
"""  # noqa: S608 (our own constants)

LINES_SQL = f"""
INSERT INTO budget_budgetline (budget_id, category, planned_tiyn)
SELECT b.id, c.category,
    CASE WHEN c.category = '{ExpenseCategory.TRAINING.value}'
        THEN {_total_sql()} * {_TRAINING_BP} / 10000
        ELSE {_total_sql()} * (10000 - {_TRAINING_BP}) / 10000 * c.weight / 100
    END
FROM budget_budget b
JOIN orgtree_orgunit u ON u.id = b.unit_id
CROSS JOIN ({_categories_sql()}) c
WHERE b.year = %(year)s
"""  # noqa: S608 (our own constants)

# What was spent so far: the elapsed part of each line, more or less (training
# between 30 % and 120 % of its pace, the rest between 80 % and 120 %).
_SPENT_SQL = f"""
    l.planned_tiyn * %(month)s / 12 * (CASE WHEN l.category =
        '{ExpenseCategory.TRAINING.value}' THEN 30 + b.unit_id %% 91
        ELSE 80 + (b.unit_id + LENGTH(l.category)) %% 41 END) / 100
"""
EXPENSES_SQL = f"""
INSERT INTO budget_expense (unit_id, spent_on, category, amount_tiyn, document,
    description, recorded_by_id, recorded_at)
SELECT b.unit_id, %(on)s, l.category, {_SPENT_SQL},
    'ДЕМО-' || b.unit_id || '-' || l.category, %(description)s, NULL, %(now)s
FROM budget_budgetline l
JOIN budget_budget b ON b.id = l.budget_id
WHERE b.year = %(year)s AND {_SPENT_SQL} > 0
"""  # noqa: S608 (our own constants)

INCOME_SQL = """
INSERT INTO budget_otherincome (unit_id, received_on, amount_tiyn, document,
    description, recorded_by_id, recorded_at)
SELECT b.unit_id, %(on)s, b.planned_other_income_tiyn * %(month)s / 12,
    'ДЕМО-' || b.unit_id, %(description)s, NULL, %(now)s
FROM budget_budget b
WHERE b.year = %(year)s AND b.planned_other_income_tiyn * %(month)s / 12 > 0
"""


def build_demo_budgets(step: Callable[[str], None]) -> None:
    units = demo_units()
    approver = (
        get_user_model().objects.filter(username="admin").values_list("pk", flat=True)
    ).first()
    if approver is None:
        return
    on = today()
    draft = units["district"].path
    params: dict[str, Any] = {
        "year": on.year,
        "month": on.month,
        "on": on,
        "now": timezone.now(),
        "approver": approver,
        "draft_from": draft,
        "draft_to": upper_bound(draft),
        "description": "Демонстрационный расход",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BUDGETS_SQL, params)
        budgets = cursor.rowcount
        cursor.execute(LINES_SQL, params)
        cursor.execute(EXPENSES_SQL, params)
        expenses = cursor.rowcount
        cursor.execute(INCOME_SQL, {**params, "description": "Поддержка работодателя"})
    # Fresh statistics, or the roll-up's planner takes the new tables for empty.
    analyze([Budget, BudgetLine, Expense, OtherIncome])
    step(f"{budgets:,} budgets of {on.year}, {expenses:,} expenses")
