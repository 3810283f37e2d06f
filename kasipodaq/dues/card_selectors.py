"""Reading monthly card payments for a user: a unit's dashboard, one subscription."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Q, Value, When

from kasipodaq.access.perms import Perm
from kasipodaq.access.scoping import get_scoped
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.querysets import subtree_filter
from kasipodaq.registry.models import Person

from .models import (
    CardCharge,
    CardSubscription,
    NotificationOutcome,
    ProviderNotification,
    SubscriptionStatus,
)
from .models.card_payments import LIVE

SHOWN = 200
# Those that need someone's attention first.
_ORDER = [
    SubscriptionStatus.FAILING,
    SubscriptionStatus.STOPPED,
    SubscriptionStatus.PENDING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.CANCELLED,
]
_UNDER = "person__current_membership__org_unit__path"


def subscriptions_under(unit: OrgUnit, *, limit: int = SHOWN) -> list[CardSubscription]:
    """The card payments of members under `unit`, failing and stopped first."""
    return list(
        CardSubscription.objects.filter(subtree_filter(_UNDER, unit.path))
        .annotate(
            rank=Case(
                *(When(status=s, then=Value(i)) for i, s in enumerate(_ORDER)),
                output_field=IntegerField(),
            )
        )
        .select_related("person__current_membership__org_unit")
        .order_by("rank", "next_charge_on", "-updated_at", "pk")[:limit]
    )


def status_counts(unit: OrgUnit) -> dict[str, int]:
    counted = dict(
        CardSubscription.objects.filter(subtree_filter(_UNDER, unit.path))
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counted.get(status, 0) for status in _ORDER}


def refused_notifications_under(
    unit: OrgUnit, *, limit: int = 20
) -> list[ProviderNotification]:
    """The provider's notifications we refused about members under `unit`, the
    latest first; at the union's root also those about no subscription of ours."""
    about = subtree_filter("subscription__" + _UNDER, unit.path)
    if unit.parent_id is None:
        about |= Q(subscription__isnull=True)
    return list(
        ProviderNotification.objects.filter(about, outcome=NotificationOutcome.REFUSED)
        .select_related("subscription__person")
        .order_by("-received_at", "-pk")[:limit]
    )


def live_subscription(person: Person) -> CardSubscription | None:
    return (
        CardSubscription.objects.filter(person=person, status__in=LIVE)
        .order_by("-pk")
        .first()
    )


def recent_charges(subscription: CardSubscription, *, limit: int = 12) -> list[Any]:
    return list(CardCharge.objects.filter(subscription=subscription)[:limit])


def access_card_subscription(user: Any, pk: Any) -> CardSubscription:
    """A subscription the user may manage; else 404, as if it did not exist."""
    found: CardSubscription = get_scoped(
        CardSubscription.objects.select_related("person__current_membership__org_unit"),
        user,
        Perm.DUES_MANAGE,
        pk,
    )
    return found
