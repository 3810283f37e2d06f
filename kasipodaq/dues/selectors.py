"""Reading dues: a unit's month, its arrears, a member's history, payroll lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum

from kasipodaq.access.perms import Perm
from kasipodaq.access.scoping import get_scoped
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.querysets import subtree_filter
from kasipodaq.registry.models import Person

from .arrears import months_overdue, overdue_under
from .models import (
    Charge,
    LineOutcome,
    Payment,
    PaymentMethod,
    PayrollLine,
    PayrollList,
)
from .months import next_month

ARREARS_SHOWN = 100


@dataclass(frozen=True)
class MonthFigures:
    charges: int
    charged_tiyn: int
    # Received in the month from the unit's members, whatever month it paid.
    collected_tiyn: int

    @property
    def rate(self) -> int | None:
        """Collected as a whole percent of charged (None when nothing charged)."""
        if not self.charged_tiyn:
            return None
        return self.collected_tiyn * 100 // self.charged_tiyn


def month_figures(unit: OrgUnit, month: dt.date) -> MonthFigures:
    charged = Charge.objects.filter(
        subtree_filter("org_unit__path", unit.path), month=month
    ).aggregate(n=Count("pk"), total=Sum("amount_tiyn"))
    collected = Payment.objects.filter(
        subtree_filter("org_unit__path", unit.path),
        paid_on__gte=month,
        paid_on__lt=next_month(month),
    ).aggregate(total=Sum("amount_tiyn"))
    return MonthFigures(
        charges=charged["n"],
        charged_tiyn=charged["total"] or 0,
        collected_tiyn=collected["total"] or 0,
    )


def arrears_under(unit: OrgUnit, on: dt.date) -> list[tuple[Person, int]]:
    """The members under `unit` with months overdue, the longest first."""
    rows = overdue_under(unit.path, on, limit=ARREARS_SHOWN)
    people = Person.objects.in_bulk([person for person, _months in rows])
    return [(people[pk], months) for pk, months in rows if pk in people]


@dataclass(frozen=True)
class MemberDues:
    months_overdue: int
    charges: list[Charge]
    payments: list[Payment]


def member_dues(person: Person, on: dt.date, *, months: int = 12) -> MemberDues:
    """A member's last charges and payments, and their months overdue."""
    return MemberDues(
        months_overdue=months_overdue([person.pk], on).get(person.pk, 0),
        charges=list(Charge.objects.filter(person=person).order_by("-month")[:months]),
        payments=list(
            Payment.objects.filter(person=person).order_by("-paid_on", "-pk")[:months]
        ),
    )


def access_payroll(user: Any, pk: Any) -> PayrollList:
    """A payroll list the user may read; else 404, as if it did not exist."""
    found: PayrollList = get_scoped(
        PayrollList.objects.select_related("unit"), user, Perm.DUES_VIEW, pk
    )
    return found


def payroll_exceptions(payroll: PayrollList, *, limit: int = 500) -> list[PayrollLine]:
    """The lines not paid as charged, for the accountant to look into."""
    return list(
        PayrollLine.objects.filter(payroll=payroll)
        .filter(~Q(outcome=LineOutcome.EXACT))
        .select_related("person")
        .order_by("line")[:limit]
    )


def payroll_lists(unit: OrgUnit, *, limit: int = 20) -> list[PayrollList]:
    return list(
        PayrollList.objects.filter(subtree_filter("unit__path", unit.path))[:limit]
    )


def access_cash_payment(user: Any, pk: Any) -> Payment:
    """A cash payment whose receipt the user may print; else 404."""
    found: Payment = get_scoped(
        Payment.objects.filter(method=PaymentMethod.CASH).select_related(
            "person", "org_unit"
        ),
        user,
        Perm.DUES_VIEW,
        pk,
    )
    return found


def union_name() -> str:
    root = OrgUnit.objects.union_root()
    return root.name if root is not None else ""
