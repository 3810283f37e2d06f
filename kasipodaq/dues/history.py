"""A member's whole history of dues: month by month, what was charged, what was
paid and what they owed after it; the statement a member asks their union for."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from kasipodaq.registry.models import Person

from .models import Charge, Payment
from .months import month_of, next_month


@dataclass(frozen=True)
class HistoryMonth:
    month: dt.date
    charged_tiyn: int | None  # None: no charge that month
    exempt: bool
    payments: list[Payment]
    # Charged to date less paid to date: positive owed, negative paid ahead.
    balance_tiyn: int

    @property
    def paid_tiyn(self) -> int:
        return sum(payment.amount_tiyn for payment in self.payments)


@dataclass(frozen=True)
class DuesHistory:
    months: list[HistoryMonth]  # the newest first
    charged_tiyn: int
    paid_tiyn: int

    @property
    def balance_tiyn(self) -> int:
        return self.charged_tiyn - self.paid_tiyn


def dues_history(person: Person, until: dt.date) -> DuesHistory:
    """Every month from the member's first charge or payment to `until`'s month;
    two queries whatever the length."""
    charges = {
        charge.month: charge
        for charge in Charge.objects.filter(person=person, month__lte=until)
    }
    paid: dict[dt.date, list[Payment]] = defaultdict(list)
    for payment in Payment.objects.filter(person=person, paid_on__lte=until).order_by(
        "paid_on", "pk"
    ):
        paid[month_of(payment.paid_on)].append(payment)
    if not charges and not paid:
        return DuesHistory(months=[], charged_tiyn=0, paid_tiyn=0)
    month, last = min([*charges, *paid]), month_of(until)
    months, balance, charged_total, paid_total = [], 0, 0, 0
    while month <= last:
        charge = charges.get(month)
        charged = charge.amount_tiyn if charge is not None else 0
        received = sum(payment.amount_tiyn for payment in paid.get(month, []))
        charged_total += charged
        paid_total += received
        balance += charged - received
        months.append(
            HistoryMonth(
                month=month,
                charged_tiyn=None if charge is None else charged,
                exempt=charge is not None and charge.exempt,
                payments=paid.get(month, []),
                balance_tiyn=balance,
            )
        )
        month = next_month(month)
    months.reverse()
    return DuesHistory(months=months, charged_tiyn=charged_total, paid_tiyn=paid_total)
