"""What an organization actually spent and received besides dues."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record, snapshot
from kasipodaq.core.dates import today
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.money import to_tenge
from kasipodaq.orgtree.models import OrgUnit

from ..models import FIRST_YEAR, Expense, ExpenseCategory, OtherIncome

# No single document of a union organization reaches this: a typing error.
LARGEST_ENTRY_TIYN = 10_000_000_000_00  # 10 billion tenge

_EXPENSE_FIELDS = ["spent_on", "category", "amount_tiyn", "document", "description"]
_INCOME_FIELDS = ["received_on", "amount_tiyn", "document", "description"]


def _check_entry(
    *, amount_tiyn: int, on: dt.date, date_field: str, document: str
) -> str:
    if (
        not isinstance(amount_tiyn, int)
        or isinstance(amount_tiyn, bool)
        or not 0 < amount_tiyn < LARGEST_ENTRY_TIYN
    ):
        raise DuesRefusal(
            _("An amount is more than 0 and less than %(largest)s tenge.")
            % {"largest": to_tenge(LARGEST_ENTRY_TIYN)},
            field="amount",
        )
    if on > today():
        raise DuesRefusal(_("This cannot be dated in the future."), field=date_field)
    if on.year < FIRST_YEAR:
        raise DuesRefusal(
            _("Nothing is recorded before %(year)s.") % {"year": FIRST_YEAR},
            field=date_field,
        )
    document = document.strip()
    if not document:
        raise DuesRefusal(_("Give the document's number."), field="document")
    return document[:64]


@transaction.atomic
def record_expense(
    *,
    actor: Any,
    unit: OrgUnit,
    spent_on: dt.date,
    category: str,
    amount_tiyn: int,
    document: str,
    description: str = "",
) -> Expense:
    """Enter money `unit` spent, from its document."""
    policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    if category not in ExpenseCategory.values:
        raise DuesRefusal(_("Choose an expense category."), field="category")
    document = _check_entry(
        amount_tiyn=amount_tiyn, on=spent_on, date_field="spent_on", document=document
    )
    expense = Expense.objects.create(
        unit=unit,
        spent_on=spent_on,
        category=category,
        amount_tiyn=amount_tiyn,
        document=document,
        description=description.strip()[:300],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor,
        action=AuditAction.EXPENSE_RECORDED,
        target=expense,
        after=snapshot(expense, _EXPENSE_FIELDS),
    )
    return expense


@transaction.atomic
def delete_expense(*, actor: Any, expense: Expense) -> None:
    """Remove an expense entered in error; the trail keeps what it was."""
    policy.require(actor, Perm.DUES_MANAGE, unit=expense.unit)
    before = snapshot(expense, _EXPENSE_FIELDS)
    pk = expense.pk
    expense.delete()
    expense.pk = pk
    record(
        actor=actor, action=AuditAction.EXPENSE_DELETED, target=expense, before=before
    )


@transaction.atomic
def record_income(
    *,
    actor: Any,
    unit: OrgUnit,
    received_on: dt.date,
    amount_tiyn: int,
    document: str,
    description: str = "",
) -> OtherIncome:
    """Enter income of `unit` besides its share of dues (which the ledger holds)."""
    policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    document = _check_entry(
        amount_tiyn=amount_tiyn,
        on=received_on,
        date_field="received_on",
        document=document,
    )
    income = OtherIncome.objects.create(
        unit=unit,
        received_on=received_on,
        amount_tiyn=amount_tiyn,
        document=document,
        description=description.strip()[:300],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor,
        action=AuditAction.INCOME_RECORDED,
        target=income,
        after=snapshot(income, _INCOME_FIELDS),
    )
    return income


@transaction.atomic
def delete_income(*, actor: Any, income: OtherIncome) -> None:
    """Remove other income entered in error; the trail keeps what it was."""
    policy.require(actor, Perm.DUES_MANAGE, unit=income.unit)
    before = snapshot(income, _INCOME_FIELDS)
    pk = income.pk
    income.delete()
    income.pk = pk
    record(actor=actor, action=AuditAction.INCOME_DELETED, target=income, before=before)
