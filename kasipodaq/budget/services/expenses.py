"""What an organization actually spent and received besides dues."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

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

from ..models import FIRST_YEAR, Entry, Expense, ExpenseCategory, OtherIncome

# No single document of a union organization reaches this: a typing error.
LARGEST_ENTRY_TIYN = 10_000_000_000_00  # 10 billion tenge

# What the trail keeps of each kind of entry, and its actions.
_FIELDS: dict[type[Entry], list[str]] = {
    Expense: ["spent_on", "category", "amount_tiyn", "document", "description"],
    OtherIncome: ["received_on", "amount_tiyn", "document", "description"],
}
_RECORDED = {
    Expense: AuditAction.EXPENSE_RECORDED,
    OtherIncome: AuditAction.INCOME_RECORDED,
}
_DELETED = {
    Expense: AuditAction.EXPENSE_DELETED,
    OtherIncome: AuditAction.INCOME_DELETED,
}
E = TypeVar("E", bound=Entry)


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
    return _record(
        Expense(unit=unit, spent_on=spent_on, category=category),
        actor,
        amount_tiyn=amount_tiyn,
        document=document,
        description=description,
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
    return _record(
        OtherIncome(unit=unit, received_on=received_on),
        actor,
        amount_tiyn=amount_tiyn,
        document=document,
        description=description,
    )


@transaction.atomic
def delete_entry(*, actor: Any, entry: Entry) -> None:
    """Remove an expense or income entered in error; the trail keeps what it was."""
    policy.require(actor, Perm.DUES_MANAGE, unit=entry.unit)
    before = snapshot(entry, _FIELDS[type(entry)])
    pk = entry.pk
    entry.delete()
    entry.pk = pk
    record(actor=actor, action=_DELETED[type(entry)], target=entry, before=before)


def _record(
    entry: E, actor: Any, *, amount_tiyn: int, document: str, description: str
) -> E:
    """Check, save and audit an entry whose unit, date (and category) are set."""
    entry.document = _check_entry(
        amount_tiyn=amount_tiyn,
        on=entry.dated,
        date_field=entry.date_field,
        document=document,
    )
    entry.amount_tiyn = amount_tiyn
    entry.description = description.strip()[:300]
    entry.recorded_by = actor if getattr(actor, "pk", None) else None
    entry.save()
    record(
        actor=actor,
        action=_RECORDED[type(entry)],
        target=entry,
        after=snapshot(entry, _FIELDS[type(entry)]),
    )
    return entry


def delete_expense(*, actor: Any, expense: Expense) -> None:
    delete_entry(actor=actor, entry=expense)


def delete_income(*, actor: Any, income: OtherIncome) -> None:
    delete_entry(actor=actor, entry=income)
