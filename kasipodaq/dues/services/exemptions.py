"""Exempting a member from dues over a run of months, and ending it early.

An exemption covers the months [valid_from, valid_to): `valid_to` is the first
month the member pays again, or None until it is ended. A member's exemptions
never overlap. Both changes are audited against the person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record, snapshot
from kasipodaq.registry.models import Person

from ..errors import DuesRefusal
from ..in_force import months_charged
from ..models import Exemption, ExemptionReason
from ..months import month_of

FIELDS = ["reason", "valid_from", "valid_to", "note"]
NOTE_LENGTH = 300


@dataclass(frozen=True)
class ExemptionChange:
    """The exemption as it now stands, and the months already accrued that it
    changes once they are accrued again."""

    exemption: Exemption
    to_reaccrue: list[dt.date]


@transaction.atomic
def exempt_member(
    *,
    actor: Any,
    person: Person,
    reason: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    note: str = "",
) -> ExemptionChange:
    """Free `person` from dues from the month `valid_from` until the month
    `valid_to` (the first one paid again; None: until it is ended)."""
    person = _locked(actor, person)
    if reason not in ExemptionReason.values:
        raise DuesRefusal(_("Unknown reason for an exemption."), field="reason")
    _check_months(valid_from, valid_to)
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        raise DuesRefusal(
            _("The note is longer than %(length)s characters.")
            % {"length": NOTE_LENGTH},
            field="note",
        )
    _refuse_overlap(person, valid_from, valid_to)
    exemption = Exemption.objects.create(
        person=person,
        reason=reason,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor,
        action=AuditAction.DUES_EXEMPTION_SET,
        target=exemption,
        person_id=person.pk,
        after=snapshot(exemption, FIELDS),
    )
    return ExemptionChange(
        exemption=exemption,
        to_reaccrue=months_charged(person, valid_from, valid_to),
    )


@transaction.atomic
def end_exemption(
    *, actor: Any, exemption: Exemption, pays_from: dt.date
) -> ExemptionChange:
    """End `exemption` early: the member pays again from the month `pays_from`."""
    _locked(actor, exemption.person)
    exemption = Exemption.objects.select_for_update().get(pk=exemption.pk)
    if pays_from != month_of(pays_from):
        raise DuesRefusal(_("Give a month, e.g. 2026-03."), field="pays_from")
    if pays_from <= exemption.valid_from:
        raise DuesRefusal(
            _(
                "The exemption starts in %(month)s: the member can pay again from "
                "the month after at the earliest."
            )
            % {"month": f"{exemption.valid_from:%Y-%m}"},
            field="pays_from",
        )
    if exemption.valid_to is not None and pays_from >= exemption.valid_to:
        raise DuesRefusal(
            _("The exemption already ends before %(month)s.")
            % {"month": f"{pays_from:%Y-%m}"},
            field="pays_from",
        )
    before = snapshot(exemption, FIELDS)
    old_end = exemption.valid_to
    exemption.valid_to = pays_from
    exemption.save(update_fields=["valid_to"])
    record(
        actor=actor,
        action=AuditAction.DUES_EXEMPTION_ENDED,
        target=exemption,
        person_id=exemption.person_id,
        before={"valid_to": before["valid_to"]},
        after={"valid_to": pays_from.isoformat()},
    )
    return ExemptionChange(
        exemption=exemption,
        to_reaccrue=months_charged(exemption.person, pays_from, old_end),
    )


def _locked(actor: Any, person: Person) -> Person:
    """The person, with the right checked and their row locked, so that two
    exemptions given at once cannot overlap."""
    membership = person.current_membership
    if membership is None:
        raise DuesRefusal(_("This person has never been a member."))
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=membership.org_unit)
    Person.objects.select_for_update().filter(pk=person.pk).exists()
    return person


def _check_months(valid_from: dt.date, valid_to: dt.date | None) -> None:
    if valid_from != month_of(valid_from):
        raise DuesRefusal(_("Give a month, e.g. 2026-03."), field="valid_from")
    if valid_to is not None:
        if valid_to != month_of(valid_to):
            raise DuesRefusal(_("Give a month, e.g. 2026-03."), field="valid_to")
        if valid_to <= valid_from:
            raise DuesRefusal(
                _("The member pays again after the first month exempted."),
                field="valid_to",
            )


def _refuse_overlap(
    person: Person, valid_from: dt.date, valid_to: dt.date | None
) -> None:
    overlapping = Exemption.objects.filter(person=person).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from)
    )
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lt=valid_to)
    found = overlapping.order_by("valid_from").first()
    if found is not None:
        raise DuesRefusal(
            _(
                "The member is already exempted from %(start)s (%(reason)s): "
                "exemptions cannot overlap."
            )
            % {
                "start": f"{found.valid_from:%Y-%m}",
                "reason": found.get_reason_display(),
            },
            field="valid_from",
        )
