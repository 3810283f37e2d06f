"""Reading cards and their status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef

from kasipodaq.access.perms import Perm
from kasipodaq.access.scoping import get_scoped, scope
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Membership, Person

from .keys import current_ring
from .models import Card, IssueRun
from .standing import CardStatus, Standing, statuses_of


def statuses(cards: Sequence[Card], on: dt.date) -> dict[int, CardStatus]:
    """The status of each card (annotated by `with_membership_state(on)`)."""
    trusted = current_ring().public
    return statuses_of(
        {
            card.pk: Standing(
                person_id=card.person_id,
                revoked=card.revoked_on is not None or card.key_id not in trusted,
                membership_ended=card.left_since_issue or not card.member_that_day,
            )
            for card in cards
        },
        on,
    )


def cards_of(person: Person, on: dt.date) -> list[tuple[Card, CardStatus]]:
    """A person's cards, newest first, with their status on `on`."""
    cards = list(
        Card.objects.filter(person=person)
        .with_membership_state(on)
        .select_related("org_unit")
    )
    status = statuses(cards, on)
    return [(card, status[card.pk]) for card in cards]


def card_in_force(person: Person, on: dt.date) -> Card | None:
    """The card the member holds now, if any."""
    return (
        Card.objects.filter(person=person)
        .in_force(on)
        .select_related("person", "org_unit")
        .first()
    )


def subtree_counts(unit: OrgUnit, on: dt.date) -> tuple[int, int]:
    """Members active under `unit` on `on`, and how many of them hold a card."""
    members = Membership.objects.active_on(on).in_subtree(unit)
    holders = members.filter(
        Exists(Card.objects.in_force(on).filter(person_id=OuterRef("person_id")))
    )
    return members.count(), holders.count()


def cards_in_force_under(
    unit: OrgUnit, on: dt.date, *, start: int = 0, limit: int
) -> list[Card]:
    """Cards in force of members under `unit`, by organization and name, from the
    `start`-th, at most `limit`."""
    members = Membership.objects.active_on(on).in_subtree(unit)
    return list(
        Card.objects.in_force(on)
        .filter(person__current_membership__in=members)
        .select_related("person", "org_unit")
        .order_by("org_unit__code", "person__last_name", "person__first_name", "pk")[
            start : start + limit
        ]
    )


def runs_of(unit: OrgUnit, *, limit: int = 10) -> list[IssueRun]:
    return list(IssueRun.objects.filter(unit=unit)[:limit])


def union_root() -> OrgUnit | None:
    """The top of the tree: the union whose cards these are."""
    return OrgUnit.objects.union_root()


def holder_of(user: Any, number: str) -> Person | None:
    """The member whose card number this is, if the user may see them."""
    return (
        scope(Person.objects.all(), user, Perm.MEMBER_VIEW)
        .filter(card_number__number=number)
        .first()
    )


def access_run(user: Any, pk: Any) -> IssueRun:
    """A bulk issue the user may follow; else 404, as if it did not exist."""
    run: IssueRun = get_scoped(
        IssueRun.objects.select_related("unit"), user, Perm.CARD_ISSUE, pk
    )
    return run
