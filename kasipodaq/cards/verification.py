"""What the public check of a card's QR token answers.

The answer names the holder only by first name and the initial of the last name,
with the organization, and only for a genuine token of a card we issued; it never
takes or tells an IIN. A token that is not genuine — garbage, altered, or signed
by a key unknown or retired — is `invalid`; a genuine token of a card that is no
longer on record is `unknown`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasipodaq.orgtree.models import OrgUnit

from .keys import current_ring
from .models import Card
from .numbers import display
from .selectors import statuses
from .standing import CardStatus
from .tokens import InvalidToken

logger = logging.getLogger(__name__)


class Verdict(models.TextChoices):
    VALID = CardStatus.VALID.value, _("Valid")
    SUSPENDED = CardStatus.SUSPENDED.value, _("Suspended")
    REVOKED = CardStatus.REVOKED.value, _("Revoked")
    UNKNOWN = "unknown", _("Unknown")
    INVALID = "invalid", _("Not genuine")


@dataclass(frozen=True)
class CardCheck:
    verdict: Verdict
    first_name: str = ""
    last_initial: str = ""
    org: OrgUnit | None = None
    number: str = ""
    serial: int = 0
    issued_on: dt.date | None = None


def check_token(token: str, *, on: dt.date) -> CardCheck:
    """The verdict on a token, from its signature and then the registry."""
    try:
        key_id, facts = current_ring().verify(token)
    except InvalidToken as fault:
        logger.info("card token refused: %s", fault.reason)
        return CardCheck(Verdict.INVALID)
    card = (
        Card.objects.filter(number=facts.number, serial=facts.serial)
        .with_membership_state(on)
        .select_related("person__current_membership__org_unit")
        .first()
    )
    if card is None or card.key_id != key_id or card.issued_on != facts.issued_on:
        return CardCheck(Verdict.UNKNOWN)
    status = statuses([card], on)[card.pk]
    person = card.person
    membership = person.current_membership
    return CardCheck(
        Verdict(status.value),
        first_name=person.first_name,
        last_initial=person.last_name[:1],
        org=membership.org_unit
        if membership is not None and status != CardStatus.REVOKED
        else None,
        number=display(card.number),
        serial=card.serial,
        issued_on=card.issued_on,
    )
