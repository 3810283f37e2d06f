"""Issuing, reissuing and revoking one member's card."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Membership, Person

from ..errors import CardRefusal
from ..keys import current_ring
from ..models import Card, MemberNumber, RevokeReason
from ..numbering import region_codes, take_numbers
from ..tokens import CardFacts

logger = logging.getLogger(__name__)

REISSUE_REASONS = [
    RevokeReason.LOST,
    RevokeReason.DAMAGED,
    RevokeReason.DETAILS_CHANGED,
]


def initials(first_name: str, last_name: str) -> str:
    """«Айгерим», «Сейткали» → «А. С.»: what a token says of its holder."""
    return " ".join(f"{part[:1]}." for part in (first_name, last_name) if part)


def sign_card(card: Card, *, first_name: str, last_name: str, org_code: str) -> None:
    """Give `card` its key id and token (Ed25519 signs in about 50 µs)."""
    ring = current_ring()
    if ring.signing is None:
        raise CardRefusal(_("No key to sign cards is configured."))
    card.key_id = ring.signing.key_id
    card.token = ring.sign(
        CardFacts(
            number=card.number,
            serial=card.serial,
            issued_on=card.issued_on,
            org_code=org_code,
            initials=initials(first_name, last_name),
        )
    )


@transaction.atomic
def issue_card(*, actor: Any, person: Person) -> Card:
    """Issue a card to a member who has none in force."""
    today = timezone.localdate()
    person, membership = _lock_member(person, today)
    policy.require(actor, Perm.CARD_ISSUE, unit=membership.org_unit)
    if Card.objects.filter(person=person).in_force(today).exists():
        raise CardRefusal(
            _("This member already has a card in force: reissue it if it was lost.")
        )
    return _issue(actor=actor, membership=membership, on=today)


@transaction.atomic
def reissue_card(*, actor: Any, card: Card, reason: str) -> Card:
    """Revoke the card in hand and issue the next serial of the same number."""
    if reason not in REISSUE_REASONS:
        raise CardRefusal(_("Choose why the card is reissued."), field="reason")
    today = timezone.localdate()
    _person, membership = _lock_member(card.person, today)
    policy.require(actor, Perm.CARD_ISSUE, unit=membership.org_unit)
    old = _require_in_force(card, today)
    _revoke(actor=actor, card=old, reason=reason, on=today)
    return _issue(actor=actor, membership=membership, on=today)


@transaction.atomic
def revoke_card(*, actor: Any, card: Card, reason: str) -> Card:
    """Revoke a card in force by hand (the end of a membership needs no action)."""
    if reason not in RevokeReason.values:
        raise CardRefusal(_("Choose why the card is revoked."), field="reason")
    today = timezone.localdate()
    person = Person.objects.select_for_update().get(pk=card.person_id)
    membership = person.current_membership
    if membership is None:
        raise CardRefusal(_("This card is no longer in force."))
    policy.require(actor, Perm.CARD_ISSUE, unit=membership.org_unit)
    card = _require_in_force(card, today)
    _revoke(actor=actor, card=card, reason=reason, on=today)
    return card


def issue_for_membership(*, actor: Any, membership: Membership) -> Card | None:
    """The card of a membership just started, in the transaction that starts it.

    After a transfer the card in hand names the old organization: it is replaced
    by the next serial naming the new one.
    """
    if current_ring().signing is None:
        logger.warning("No card key is configured: member %s got no card", membership)
        return None
    today = timezone.localdate()
    for card in Card.objects.filter(person_id=membership.person_id).in_force(today):
        _revoke(actor=actor, card=card, reason=RevokeReason.DETAILS_CHANGED, on=today)
    return _issue(actor=actor, membership=membership, on=today)


def _lock_member(person: Person, today: dt.date) -> tuple[Person, Membership]:
    """The person, locked against a concurrent issue, and their membership."""
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("current_membership__org_unit")
        .get(pk=person.pk)
    )
    membership = person.current_membership
    if membership is None or not membership.is_active_on(today):
        raise CardRefusal(_("Only a member of the union can hold a card."))
    return person, membership


def _require_in_force(card: Card, today: dt.date) -> Card:
    current = Card.objects.filter(pk=card.pk).in_force(today).first()
    if current is None:
        raise CardRefusal(_("This card is no longer in force."))
    return current


def _issue(*, actor: Any, membership: Membership, on: dt.date) -> Card:
    """A new card under `membership`; the person's older cards are revoked, so
    that at most one is ever in force (a constraint holds it)."""
    person, unit = membership.person, membership.org_unit
    _revoke_stale(actor=actor, person_ids={person.pk}, on=on)
    number = MemberNumber.objects.filter(person=person).values_list(
        "number", flat=True
    ).first() or _assign_number(person, unit, on)
    last_serial = Card.objects.filter(number=number).aggregate(m=Max("serial"))["m"]
    card = Card(
        person=person,
        number=number,
        serial=(last_serial or 0) + 1,
        membership=membership,
        org_unit=unit,
        issued_on=on,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    sign_card(
        card,
        first_name=person.first_name,
        last_name=person.last_name,
        org_code=unit.code,
    )
    card.save()
    record(
        actor=actor,
        action=AuditAction.CARD_ISSUED,
        target=card,
        person_id=person.pk,
        after={"number": number, "serial": card.serial, "org_unit": unit.pk},
    )
    return card


def _assign_number(person: Person, unit: OrgUnit, on: dt.date) -> str:
    (number,) = take_numbers(region_codes([unit])[unit.pk], 1)
    MemberNumber.objects.create(person=person, number=number, assigned_on=on)
    return number


def _revoke(*, actor: Any, card: Card, reason: str, on: dt.date) -> None:
    card.revoked_on, card.revoke_reason = on, reason
    card.save(update_fields=["revoked_on", "revoke_reason"])
    record(
        actor=actor,
        action=AuditAction.CARD_REVOKED,
        target=card,
        person_id=card.person_id,
        before={"revoked_on": None},
        after={"revoked_on": on.isoformat(), "revoke_reason": reason},
    )


def revoke_stale_rows(
    person_ids: set[int], on: dt.date
) -> list[tuple[int, int, str, str]]:
    """Mark revoked the cards of these people not yet marked (those no longer in
    force: the membership ended, or the key retired); (card, person, key, reason)."""
    trusted = current_ring().public
    stale = [
        (pk, person_id, key_id, _stale_reason(key_id, trusted))
        for pk, person_id, key_id in Card.objects.filter(
            person_id__in=person_ids, revoked_on__isnull=True
        ).values_list("pk", "person_id", "key_id")
    ]
    for reason in {row[3] for row in stale}:
        Card.objects.filter(pk__in=[r[0] for r in stale if r[3] == reason]).update(
            revoked_on=on, revoke_reason=reason
        )
    return stale


def _revoke_stale(*, actor: Any, person_ids: set[int], on: dt.date) -> None:
    for card_id, person_id, _key, reason in revoke_stale_rows(person_ids, on):
        record(
            actor=actor,
            action=AuditAction.CARD_REVOKED,
            target=Card(pk=card_id),
            person_id=person_id,
            before={"revoked_on": None},
            after={"revoked_on": on.isoformat(), "revoke_reason": reason},
        )


def _stale_reason(key_id: str, trusted: Mapping[str, object]) -> str:
    if key_id in trusted:
        return RevokeReason.REPLACED
    return RevokeReason.KEY_RETIRED
