"""Ending a membership."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record

from ..errors import RegistryRefusal
from ..models import LeaveReason, Membership
from .checks import require_not_future

# Reasons a person's own record can end with; the others come from transfers and
# from changes of the tree.
PERSONAL_REASONS = [
    LeaveReason.OWN_WISH,
    LeaveReason.DISMISSAL,
    LeaveReason.RETIREMENT,
    LeaveReason.DEATH,
    LeaveReason.EXPELLED,
]


def require_can_end(membership: Membership, on: dt.date) -> None:
    if not membership.is_active:
        raise RegistryRefusal(_("This membership has already ended."))
    if on <= membership.joined_on:
        raise RegistryRefusal(
            _("The date must be after the day the membership began (%(date)s).")
            % {"date": membership.joined_on},
            field="on",
        )
    require_not_future(on, field="on")


@transaction.atomic
def end_membership(
    *, actor: Any, membership: Membership, on: dt.date, reason: str
) -> Membership:
    """The member leaves the union on `on` (the day they are no longer a member)."""
    policy.require(actor, Perm.MEMBER_MANAGE, unit=membership.org_unit)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    require_can_end(membership, on)
    if reason not in PERSONAL_REASONS:
        raise RegistryRefusal(_("Choose a reason for leaving."), field="reason")
    membership.left_on, membership.leave_reason = on, reason
    membership.save(update_fields=["left_on", "leave_reason"])
    record(
        actor=actor,
        action=AuditAction.MEMBERSHIP_ENDED,
        target=membership,
        person_id=membership.person_id,
        before={"left_on": None},
        after={"left_on": on.isoformat(), "leave_reason": reason},
    )
    return membership
