"""Admitting a person to a primary organization."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record, snapshot
from kasipodaq.orgtree.models import OrgUnit

from ..errors import RegistryRefusal
from ..models import Category, JoinMethod, Membership, Person
from ..signals import membership_started
from .checks import require_not_future, require_open_primary
from .people import PERSON_FIELDS, PersonDetails, apply_details, check_details

MEMBERSHIP_FIELDS = ["org_unit", "joined_on", "left_on", "category", "join_method"]


@transaction.atomic
def admit_member(
    *,
    actor: Any,
    unit: OrgUnit,
    details: PersonDetails,
    joined_on: dt.date,
    category: str,
    join_method: str = JoinMethod.PAPER,
) -> Membership:
    """Admit a person (new, or a former member coming back) from `joined_on`."""
    policy.require(actor, Perm.MEMBER_MANAGE, unit=unit)
    require_open_primary(unit, joined_on)
    require_not_future(joined_on, field="joined_on")
    if category not in Category.values:
        raise RegistryRefusal(_("Unknown category."), field="category")
    if join_method not in JoinMethod.values:
        raise RegistryRefusal(_("Unknown way of joining."), field="join_method")
    details = check_details(details)

    person = Person.objects.select_for_update().filter(iin=details.iin).first()
    if person is None:
        person = Person.objects.create(**asdict(details))
        record(
            actor=actor,
            action=AuditAction.PERSON_CREATED,
            target=person,
            person_id=person.pk,
            after=snapshot(person, PERSON_FIELDS),
        )
    else:
        _require_free_from(actor, person, joined_on)
        apply_details(actor=actor, person=person, details=details)

    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person,
                org_unit=unit,
                joined_on=joined_on,
                category=category,
                join_method=join_method,
            )
    except IntegrityError:
        raise RegistryRefusal(
            _("This person already has an active membership."), field="iin"
        ) from None
    person.current_membership = membership
    person.save(update_fields=["current_membership"])
    record(
        actor=actor,
        action=AuditAction.MEMBERSHIP_STARTED,
        target=membership,
        person_id=person.pk,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
    )
    membership_started.send(sender=Membership, actor=actor, membership=membership)
    return membership


def _require_free_from(actor: Any, person: Person, joined_on: dt.date) -> None:
    """A new membership may not overlap an earlier one.

    The refusal tells the day the last one ended only to whoever may read the
    person's record: for anyone else it lies outside their area.
    """
    memberships = Membership.objects.filter(person=person)
    if memberships.filter(left_on__isnull=True).exists():
        raise RegistryRefusal(
            _("This person already has an active membership."), field="iin"
        )
    last_left = (
        memberships.order_by("-left_on").values_list("left_on", flat=True).first()
    )
    if last_left and joined_on < last_left:
        last = person.current_membership
        if last is not None and policy.has_perm(
            actor, Perm.MEMBER_VIEW, unit=last.org_unit
        ):
            message = _(
                "The new membership would overlap the one that ended on %(date)s."
            ) % {"date": last_left}
        else:
            message = _("The new membership would overlap an earlier one.")
        raise RegistryRefusal(message, field="joined_on")
