"""Recording a payment and splitting it between the levels of the union."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record
from kasipodaq.registry.models import Person

from ..distribution import plan_for
from ..errors import DuesRefusal
from ..models import LedgerEntry, Payment, PaymentMethod
from ..money import to_tenge

# No member pays more than this at once: a larger amount is a typing error.
LARGEST_PAYMENT_TIYN = 100_000_00 * 10  # 1,000,000 tenge


@transaction.atomic
def record_payment(
    *,
    actor: Any,
    person: Person,
    amount_tiyn: int,
    method: str,
    reference: str,
    paid_on: dt.date,
    month: dt.date | None = None,
) -> Payment:
    """Record money received from `person` and credit each level its share.

    The same reference of the same method is refused, so no money counts twice.
    ``actor`` None is a trusted source (a command, the payment provider).
    """
    membership = person.current_membership
    if membership is None:
        raise DuesRefusal(_("This person has never been a member."))
    unit = membership.org_unit
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    if method not in PaymentMethod.values:
        raise DuesRefusal(_("Unknown way of paying."), field="method")
    if not 0 < amount_tiyn <= LARGEST_PAYMENT_TIYN:
        raise DuesRefusal(
            _("A payment is more than 0 and at most %(largest)s tenge.")
            % {"largest": to_tenge(LARGEST_PAYMENT_TIYN)},
            field="amount",
        )
    if paid_on > timezone.localdate():
        raise DuesRefusal(
            _("A payment cannot be dated in the future."), field="paid_on"
        )
    reference = reference.strip()
    if not reference:
        raise DuesRefusal(_("A payment needs its reference."), field="reference")
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                person=person,
                amount_tiyn=amount_tiyn,
                method=method,
                reference=reference,
                month=month,
                paid_on=paid_on,
                org_unit=unit,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise DuesRefusal(
            _("This payment (%(reference)s) is already recorded.")
            % {"reference": reference},
            field="reference",
        ) from None
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            collected_by=unit,
            payment=payment,
            unit_id=receiver,
            level=level,
            amount_tiyn=part,
            booked_on=paid_on,
        )
        for receiver, level, part in plan_for(unit, paid_on).apply(amount_tiyn)
    )
    record(
        actor=actor,
        action=AuditAction.DUES_PAID,
        target=payment,
        person_id=person.pk,
        after={
            "amount": str(to_tenge(amount_tiyn)),
            "method": method,
            "reference": reference,
            "paid_on": paid_on.isoformat(),
        },
    )
    return payment
