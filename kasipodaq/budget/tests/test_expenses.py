"""Actual expenses and other income: entered from documents, deleted with a trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.budget.models import Expense, ExpenseCategory, OtherIncome
from kasipodaq.budget.services.expenses import (
    delete_expense,
    delete_income,
    record_expense,
    record_income,
)
from kasipodaq.core.dates import today
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.registry.tests.factories import Tree, grant


def _expense(tree: Tree, **overrides: Any) -> Expense:
    arguments: dict[str, Any] = {
        "actor": tree.admin,
        "unit": tree.primaries[0],
        "spent_on": today(),
        "category": ExpenseCategory.TRAINING,
        "amount_tiyn": 25_000_00,
        "document": " ПКО-17 ",
        "description": "Семинар председателей",
    }
    arguments.update(overrides)
    return record_expense(**arguments)


def test_an_expense_is_recorded_with_who_and_the_trail(tree: Tree) -> None:
    expense = _expense(tree)
    assert expense.recorded_by == tree.admin
    assert expense.document == "ПКО-17"
    event = AuditEvent.objects.get(action=AuditAction.EXPENSE_RECORDED)
    assert (event.after or {})["amount_tiyn"] == 25_000_00
    assert (event.after or {})["category"] == "training"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_tiyn": 0}, "amount"),
        ({"amount_tiyn": -100}, "amount"),
        ({"amount_tiyn": 10**15}, "amount"),
        ({"category": "bribes"}, "category"),
        ({"document": "  "}, "document"),
        ({"spent_on": today() + dt.timedelta(days=1)}, "spent_on"),
        ({"spent_on": dt.date(1999, 12, 31)}, "spent_on"),
    ],
)
def test_bad_expenses_are_refused_and_leave_nothing(
    tree: Tree, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(DuesRefusal) as refused:
        _expense(tree, **overrides)
    assert refused.value.field == field
    assert not Expense.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPENSE_RECORDED).exists()


def test_only_managers_of_the_unit_record_and_delete(tree: Tree) -> None:
    """Another district's accountant and a reader are refused both ways."""
    outsider = grant(Role.ACCOUNTANT, tree.districts[1])
    reader = grant(Role.AUDITOR, tree.districts[0])
    for user in (outsider, reader):
        with pytest.raises(PermissionRefused):
            _expense(tree, actor=user)
    expense = _expense(tree, actor=grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    for user in (outsider, reader):
        with pytest.raises(PermissionRefused):
            delete_expense(actor=user, expense=expense)
    assert Expense.objects.count() == 1


def test_deleting_an_expense_keeps_what_it_was_in_the_trail(tree: Tree) -> None:
    expense = _expense(tree)
    pk = expense.pk
    delete_expense(actor=tree.admin, expense=expense)
    assert not Expense.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.EXPENSE_DELETED)
    assert event.object_id == pk
    assert (event.before or {})["document"] == "ПКО-17"


def test_other_income_is_recorded_refused_and_deleted_like_expenses(
    tree: Tree,
) -> None:
    unit = tree.districts[0]
    with pytest.raises(DuesRefusal) as refused:
        record_income(
            actor=tree.admin,
            unit=unit,
            received_on=today(),
            amount_tiyn=0,
            document="1",
        )
    assert refused.value.field == "amount"
    with pytest.raises(PermissionRefused):
        record_income(
            actor=grant(Role.AUDITOR, unit),
            unit=unit,
            received_on=today(),
            amount_tiyn=100,
            document="1",
        )
    income = record_income(
        actor=tree.admin,
        unit=unit,
        received_on=today(),
        amount_tiyn=500_000_00,
        document="ПП-3",
        description="Поддержка работодателя",
    )
    assert OtherIncome.objects.get().amount_tiyn == 500_000_00
    delete_income(actor=tree.admin, income=income)
    assert not OtherIncome.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("pk")][-2:] == [
        AuditAction.INCOME_RECORDED,
        AuditAction.INCOME_DELETED,
    ]
