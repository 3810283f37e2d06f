"""Issuing cards to every member of a subtree who has none in force, set-based.

The members are found with one query, then handled in chunks of `CHUNK`: each
chunk locks its people, looks again at who still lacks a card (someone may have
been given one meanwhile), takes the numbers it needs from each region's
sequence with one UPDATE, signs the tokens, writes cards, numbers and audit rows
with COPY (executemany on SQLite), and commits. A run that stops part way
leaves whole chunks done; running it again finishes the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.loading import Loader
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Membership, Person

from ..errors import CardRefusal
from ..keys import current_ring
from ..models import Card, MemberNumber
from ..numbering import region_codes, take_numbers
from ..tokens import CardFacts
from .issuing import initials, revoke_stale_rows

CHUNK = 5000
CARD_FIELDS = (
    "person",
    "number",
    "serial",
    "membership",
    "org_unit",
    "issued_on",
    "issued_at",
    "issued_by",
    "key_id",
    "token",
    "revoke_reason",
)
REVOKE_AUDIT_FIELDS = (
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "before",
    "after",
    "note",
)
AUDIT_FIELDS = (
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "after",
    "note",
)
Progress = Callable[[int, int], None]  # (issued so far, total)


# Who lacks a card is members less holders, as a set difference: an anti-join of
# the two (NOT EXISTS) is planned as a nested loop over every card in force when
# the cards' statistics are older than the cards — as they are in the middle of a
# bulk issue — and each chunk then took longer than the last.


def _lacking_people(unit: OrgUnit, on: dt.date) -> list[int]:
    """The people with a membership under `unit` active on `on` and no card in
    force, by id."""
    members = Membership.objects.active_on(on).in_subtree(unit)
    holders = Card.objects.in_force(on)
    return sorted(
        members.order_by()
        .values_list("person_id", flat=True)
        .difference(holders.order_by().values_list("person_id", flat=True))
    )


def issue_missing_cards(
    *, actor: Any, unit: OrgUnit, progress: Progress | None = None
) -> int:
    """Issue a card to each member under `unit` without one; how many were issued.

    ``actor`` None is the command line, which may issue anywhere.
    """
    if actor is not None:
        policy.require(actor, Perm.CARD_ISSUE, unit=unit)
    if current_ring().signing is None:
        raise CardRefusal(_("No key to sign cards is configured."))
    on = timezone.localdate()
    person_ids = _lacking_people(unit, on)
    issued = 0
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start : start + CHUNK]
        issued += _issue_chunk(actor, unit, (chunk[0], chunk[-1]), on)
        if progress is not None:
            progress(issued, len(person_ids))
    return issued


def _within(people: tuple[int, int]) -> Q:
    return Q(person_id__gte=people[0], person_id__lte=people[1])


@transaction.atomic
def _issue_chunk(
    actor: Any, unit: OrgUnit, people: tuple[int, int], on: dt.date
) -> int:
    """Issue the cards of the people lacking one whose ids lie in `people`.

    A range, not a list of ids, keeps each query small whatever the chunk.
    """
    list(
        Person.objects.select_for_update()
        .filter(pk__range=people)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    holders = set(
        Card.objects.in_force(on)
        .filter(_within(people))
        .values_list("person_id", flat=True)
    )
    rows = [
        row
        for row in Membership.objects.active_on(on)
        .in_subtree(unit)
        .filter(_within(people))
        .values_list(
            "person_id",
            "pk",
            "org_unit_id",
            "org_unit__code",
            "person__first_name",
            "person__last_name",
        )
        if row[0] not in holders
    ]
    if not rows:
        return 0
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    loader = Loader()
    _revoke_stale(loader, actor_id, {row[0] for row in rows}, on)
    numbers = _numbers_for([(row[0], row[2]) for row in rows], people, on)
    serials = dict(
        Card.objects.filter(_within(people))
        .values("number")
        .annotate(last=Max("serial"))
        .values_list("number", "last")
    )
    ring = current_ring()
    assert ring.signing is not None  # issue_missing_cards checked it
    key_id, issued_at = ring.signing.key_id, timezone.now()
    cards = []
    for person_id, membership_id, unit_id, org_code, first_name, last_name in rows:
        number = numbers[person_id]
        facts = CardFacts(
            number=number,
            serial=serials.get(number, 0) + 1,
            issued_on=on,
            org_code=org_code,
            initials=initials(first_name, last_name),
        )
        cards.append(
            (person_id, number, facts.serial, membership_id, unit_id, ring.sign(facts))
        )
    loader.insert(
        Card,
        CARD_FIELDS,
        (
            (
                person_id,
                number,
                serial,
                membership_id,
                unit_id,
                on,
                issued_at,
                actor_id,
                key_id,
                token,
                "",
            )
            for person_id, number, serial, membership_id, unit_id, token in cards
        ),
    )
    # COPY returns no keys: the new cards are read back by number and serial.
    written = {(card[1], card[2]) for card in cards}
    card_ids = [
        row
        for row in Card.objects.filter(
            _within(people), issued_on=on, revoked_on__isnull=True
        ).values_list("pk", "person_id", "number", "serial", "org_unit_id")
        if (row[2], row[3]) in written
    ]
    loader.insert(
        AuditEvent,
        AUDIT_FIELDS,
        (
            (
                issued_at,
                actor_id,
                AuditAction.CARD_ISSUED,
                "card",
                pk,
                person_id,
                {"number": number, "serial": serial, "org_unit": unit_id},
                "",
            )
            for pk, person_id, number, serial, unit_id in card_ids
        ),
    )
    return len(cards)


def _revoke_stale(
    loader: Loader, actor_id: int | None, person_ids: set[int], on: dt.date
) -> None:
    """The cards of these people that are no longer in force, marked revoked."""
    at = timezone.now()
    loader.insert(
        AuditEvent,
        REVOKE_AUDIT_FIELDS,
        (
            (
                at,
                actor_id,
                AuditAction.CARD_REVOKED,
                "card",
                card_id,
                person_id,
                {"revoked_on": None},
                {"revoked_on": on.isoformat(), "revoke_reason": reason},
                "",
            )
            for card_id, person_id, _key, reason in revoke_stale_rows(person_ids, on)
        ),
    )


def _numbers_for(
    rows: list[tuple[int, int]], people: tuple[int, int], on: dt.date
) -> dict[int, str]:
    """Each person's card number: theirs already, or a new one of their region."""
    numbers = dict(
        MemberNumber.objects.filter(_within(people)).values_list("person_id", "number")
    )
    newcomers = [(p, unit_id) for p, unit_id in rows if p not in numbers]
    if not newcomers:
        return numbers
    units = OrgUnit.objects.filter(pk__in={u for _, u in newcomers}).only("pk", "path")
    region_of = region_codes(units)
    by_region: dict[str, list[int]] = defaultdict(list)
    for person_id, unit_id in newcomers:
        by_region[region_of[unit_id]].append(person_id)
    assigned = []
    for region, holders in sorted(by_region.items()):
        for person_id, number in zip(
            holders, take_numbers(region, len(holders)), strict=True
        ):
            numbers[person_id] = number
            assigned.append((person_id, number, on))
    Loader().insert(MemberNumber, ("person", "number", "assigned_on"), assigned)
    return numbers
