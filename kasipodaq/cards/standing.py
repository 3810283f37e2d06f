"""Whether a card is valid, suspended or revoked: the one rule, in one place.

Revocation by hand is stored on the card; a card whose signing key is retired
counts as revoked too (its token no longer checks out). The end of a membership is
not stored: it is
read from the registry whenever the status is asked, so every way a membership can
end (leaving, an organization closed, an import with a leaving date) revokes the
card that very day. Suspension comes from dues arrears, which the dues capability
supplies through ``KASIPODAQ_ARREARS_SOURCE``: the dotted path of a callable
``(person_ids, on) -> {person_id: months overdue}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

ArrearsSource = Callable[[Collection[int], dt.date], dict[int, int]]
K = TypeVar("K", bound=Hashable)


class CardStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


def card_status(
    *,
    revoked: bool,
    membership_ended: bool,
    months_overdue: int,
    suspend_after_months: int,
) -> CardStatus:
    """The status of a card from its facts.

    Revoked once revoked by hand or once its holder is no member (or has left
    since it was issued); suspended while dues are overdue for more than
    `suspend_after_months` months; valid otherwise.
    """
    if revoked or membership_ended:
        return CardStatus.REVOKED
    if months_overdue > suspend_after_months:
        return CardStatus.SUSPENDED
    return CardStatus.VALID


def arrears_source() -> ArrearsSource | None:
    """The configured source of arrears, if any.

    A source may also carry ``one_person_sql``: a scalar SQL subquery giving the
    months overdue of the card holder ``c.person_id``, with one parameter, the
    first day of the month of the check. The public check then reads the arrears
    in its own query instead of a second round trip.
    """
    path = getattr(settings, "KASIPODAQ_ARREARS_SOURCE", "")
    return import_string(path) if path else None


def months_overdue(person_ids: Collection[int], on: dt.date) -> dict[int, int]:
    """Months of overdue dues per person, from the configured source (none: {})."""
    source = arrears_source()
    if source is None or not person_ids:
        return {}
    return source(person_ids, on)


@dataclass(frozen=True)
class Standing:
    """What a card's status is read from, besides the holder's arrears."""

    person_id: int
    revoked: bool  # by hand, or its signing key retired
    membership_ended: bool  # no member that day, or left since the card was issued


def statuses_of(
    standings: Mapping[K, Standing],
    on: dt.date,
    *,
    overdue: Mapping[int, int] | None = None,
    suspend_after_months: int | None = None,
) -> dict[K, CardStatus]:
    """The status of each card on `on`. `overdue`: the months overdue per person,
    when already read (else they are asked of the source); `suspend_after_months`:
    the centre's limit, when already read (else it is, if anyone has arrears)."""
    from .models import CardDesign

    if overdue is None:
        overdue = months_overdue({s.person_id for s in standings.values()}, on)
    if suspend_after_months is None:
        design = CardDesign.current() if any(overdue.values()) else CardDesign()
        suspend_after_months = design.suspend_after_months
    return {
        key: card_status(
            revoked=standing.revoked,
            membership_ended=standing.membership_ended,
            months_overdue=overdue.get(standing.person_id, 0),
            suspend_after_months=suspend_after_months,
        )
        for key, standing in standings.items()
    }
