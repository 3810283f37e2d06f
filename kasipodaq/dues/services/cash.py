"""Cash paid at the union's office, with a numbered receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from kasipodaq.registry.models import Person

from ..models import Payment, PaymentMethod, ReceiptSequence
from .payments import record_payment


@transaction.atomic
def record_cash(
    *,
    actor: Any,
    person: Person,
    amount_tiyn: int,
    paid_on: dt.date,
    month: dt.date | None = None,
) -> Payment:
    """Record cash from `person`; the payment's reference is the receipt's number,
    «2026-000123», the next of the year (a refused payment takes no number: the
    transaction that took it rolls back)."""
    return record_payment(
        actor=actor,
        person=person,
        amount_tiyn=amount_tiyn,
        method=PaymentMethod.CASH,
        reference=_next_receipt(paid_on.year),
        paid_on=paid_on,
        month=month,
    )


def _next_receipt(year: int) -> str:
    if not ReceiptSequence.objects.filter(pk=year).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReceiptSequence.objects.create(year=year, last=1)
        except IntegrityError:
            ReceiptSequence.objects.filter(pk=year).update(last=F("last") + 1)
    last = ReceiptSequence.objects.values_list("last", flat=True).get(pk=year)
    return f"{year}-{last:06d}"
