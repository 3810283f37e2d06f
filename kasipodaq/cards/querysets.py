"""Filters over cards, and the membership facts their status is read from."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef

from kasipodaq.registry.models import LeaveReason, Membership

if TYPE_CHECKING:
    from .models import Card  # noqa: F401 (quoted in the base class)


def membership_ended(on: dt.date) -> Exists:
    """Whether, by `on`, the holder has left the union since the card was issued:
    the membership it was issued under, or a later one, ended other than by a
    transfer. Dates alone would not do: a member who leaves and is admitted again
    the same day holds a good new card, issued under the new membership, and a
    leave recorded late, dated before the card, still ends it."""
    return Exists(
        Membership.objects.filter(
            person_id=OuterRef("person_id"),
            joined_on__gte=OuterRef("membership__joined_on"),
            left_on__lte=on,
        ).exclude(leave_reason=LeaveReason.TRANSFER)
    )


def member_on(on: dt.date) -> Exists:
    """Whether the holder is a member on `on`."""
    return Exists(
        Membership.objects.filter(person_id=OuterRef("person_id")).active_on(on)
    )


class CardQuerySet(models.QuerySet["Card"]):
    def with_membership_state(self, on: dt.date) -> CardQuerySet:
        """Annotate what `standing.card_status` needs from the registry."""
        return self.annotate(
            left_since_issue=membership_ended(on), member_that_day=member_on(on)
        )

    def in_force(self, on: dt.date) -> CardQuerySet:
        """Cards revoked neither by hand, nor by the end of the membership, nor by
        the retirement of the key that signed them."""
        from .keys import current_ring

        return self.filter(
            ~membership_ended(on),
            member_on(on),
            revoked_on__isnull=True,
            key_id__in=list(current_ring().public),
        )
