"""Recording the transfer of collected shares to a level above."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.paths import ancestor_ids

from ..errors import DuesRefusal
from ..models import LevelTransfer
from ..money import to_tenge
from ..statements import owed_between


@transaction.atomic
def record_transfer(
    *,
    actor: Any,
    from_unit: OrgUnit,
    to_unit: OrgUnit,
    amount_tiyn: int,
    transferred_on: dt.date,
    order_number: str,
    note: str = "",
) -> LevelTransfer:
    """Record that `from_unit` paid `to_unit`, a unit above it, the shares of
    collected dues it holds for it, by the bank payment order `order_number`.

    Refused: a receiver that is not above the sender, an amount of 0 or less or
    more than the sender still owes the receiver on that day, a date to come, and
    an order number the sender has already recorded. ``actor`` None is a trusted
    source (a command).
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=from_unit)
    if to_unit.pk not in ancestor_ids(from_unit.path)[:-1]:
        raise DuesRefusal(
            _("Shares are transferred only to an organization above this one."),
            field="to_unit",
        )
    if transferred_on > today():
        raise DuesRefusal(
            _("A transfer cannot be dated in the future."), field="transferred_on"
        )
    order_number = order_number.strip()
    if not order_number:
        raise DuesRefusal(
            _("A transfer needs the number of its payment order."),
            field="order_number",
        )
    if amount_tiyn <= 0:
        raise DuesRefusal(_("A transfer is more than 0."), field="amount")
    # One transfer of a sender at a time, so two cannot both spend what is owed.
    OrgUnit.objects.select_for_update().filter(pk=from_unit.pk).exists()
    owed = owed_between(from_unit, to_unit, transferred_on)
    if amount_tiyn > owed:
        raise DuesRefusal(
            _(
                "On %(date)s this organization owes %(receiver)s %(owed)s tenge: "
                "a larger transfer would pay more than its shares."
            )
            % {
                "date": transferred_on.isoformat(),
                "receiver": to_unit.name,
                "owed": to_tenge(max(owed, 0)),
            },
            field="amount",
        )
    try:
        with transaction.atomic():
            transfer = LevelTransfer.objects.create(
                from_unit=from_unit,
                to_unit=to_unit,
                amount_tiyn=amount_tiyn,
                transferred_on=transferred_on,
                order_number=order_number,
                note=note.strip(),
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise DuesRefusal(
            _("Payment order %(number)s of this organization is already recorded.")
            % {"number": order_number},
            field="order_number",
        ) from None
    record(
        actor=actor,
        action=AuditAction.DUES_TRANSFERRED,
        target=transfer,
        after={
            "transfer_to": to_unit.pk,
            "amount": str(to_tenge(amount_tiyn)),
            "transferred_on": transferred_on.isoformat(),
            "order_number": order_number,
        },
    )
    return transfer
