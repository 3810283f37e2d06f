"""Transfers between primary organizations, and moving members in bulk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.audit.recording import record, record_bulk
from kasipodaq.orgtree.models import OrgUnit

from ..errors import RegistryRefusal
from ..models import JoinMethod, LeaveReason, Membership, Person
from ..signals import membership_started
from .checks import require_open_primary
from .termination import require_can_end


@transaction.atomic
def transfer_membership(
    *, actor: Any, membership: Membership, to_unit: OrgUnit, on: dt.date
) -> Membership:
    """Move a member to another primary organization without a break in membership."""
    policy.require(actor, Perm.MEMBER_TRANSFER, unit=membership.org_unit)
    policy.require(actor, Perm.MEMBER_TRANSFER, unit=to_unit)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if to_unit.pk == membership.org_unit_id:
        raise RegistryRefusal(
            _("The member already belongs to %(unit)s.") % {"unit": to_unit},
            field="to_unit",
        )
    require_open_primary(to_unit, on, field="to_unit")
    require_can_end(membership, on)
    membership.left_on, membership.leave_reason = on, LeaveReason.TRANSFER
    membership.save(update_fields=["left_on", "leave_reason"])
    new = Membership.objects.create(
        person_id=membership.person_id,
        org_unit=to_unit,
        joined_on=on,
        category=membership.category,
        join_method=JoinMethod.TRANSFER,
        transferred_from=membership,
    )
    Person.objects.filter(pk=membership.person_id).update(current_membership=new)
    record(
        actor=actor,
        action=AuditAction.MEMBERSHIP_TRANSFERRED,
        target=new,
        person_id=membership.person_id,
        before={"org_unit": membership.org_unit_id},
        after={"org_unit": to_unit.pk, "joined_on": on.isoformat()},
    )
    membership_started.send(sender=Membership, actor=actor, membership=new)
    return new


def move_all_members(
    *, actor: Any, from_unit: OrgUnit, to_unit: OrgUnit, on: dt.date, note: str
) -> int:
    """Transfer every active member of one primary organization to another, set-based.

    Runs inside the caller's transaction (a merge). Returns how many moved.
    """
    active = Membership.objects.filter(org_unit=from_unit, left_on__isnull=True)
    if active.filter(joined_on__gte=on).exists():
        raise RegistryRefusal(
            _("Some members joined %(unit)s on or after %(date)s: choose a later date.")
            % {"unit": from_unit, "date": on},
            field="on",
        )
    rows = list(active.values_list("pk", "person_id", "category", "sex", "birth_date"))
    active.update(left_on=on, leave_reason=LeaveReason.TRANSFER)
    created = Membership.objects.bulk_create(
        [
            Membership(
                person_id=person_id,
                org_unit=to_unit,
                joined_on=on,
                category=category,
                join_method=JoinMethod.TRANSFER,
                transferred_from_id=old_pk,
                sex=sex,
                birth_date=birth_date,
            )
            for old_pk, person_id, category, sex, birth_date in rows
        ],
        batch_size=2000,
    )
    people = [Person(pk=m.person_id, current_membership=m) for m in created]
    Person.objects.bulk_update(people, ["current_membership"], batch_size=2000)
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    record_bulk(
        [
            AuditEvent(
                actor_id=actor_id,
                action=AuditAction.MEMBERSHIP_TRANSFERRED,
                object_type="membership",
                object_id=m.pk,
                person_id=m.person_id,
                before={"org_unit": from_unit.pk},
                after={"org_unit": to_unit.pk, "joined_on": on.isoformat()},
                note=note,
            )
            for m in created
        ]
    )
    return len(created)


def end_all_memberships(
    *, actor: Any, unit_ids: list[int], on: dt.date, reason: str, note: str
) -> int:
    """End every active membership in these units on `on`, set-based."""
    active = Membership.objects.filter(org_unit_id__in=unit_ids, left_on__isnull=True)
    if active.filter(joined_on__gte=on).exists():
        raise RegistryRefusal(
            _("Some members joined on or after %(date)s: choose a later date.")
            % {"date": on},
            field="on",
        )
    rows = list(active.values_list("pk", "person_id"))
    active.update(left_on=on, leave_reason=reason)
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    record_bulk(
        [
            AuditEvent(
                actor_id=actor_id,
                action=AuditAction.MEMBERSHIP_ENDED,
                object_type="membership",
                object_id=pk,
                person_id=person_id,
                before={"left_on": None},
                after={"left_on": on.isoformat(), "leave_reason": reason},
                note=note,
            )
            for pk, person_id in rows
        ]
    )
    return len(rows)
