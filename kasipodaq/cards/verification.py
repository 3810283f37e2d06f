"""What the public check of a card's QR token answers.

The answer names the holder only by first name and the initial of the last name,
with the organization, and only for a genuine token of a card in force (valid or
suspended): a revoked card's answer names nobody. It never takes or tells an IIN.
A token that is not genuine — garbage, altered, or signed by a key unknown or
retired — is `invalid`; a genuine token of a card that is no longer on record is
`unknown`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kasipodaq.core.prepared import fetch_one
from kasipodaq.registry.models import LeaveReason

from .keys import current_ring
from .models import CardDesign
from .numbers import display
from .standing import CardStatus, Standing, arrears_source, statuses_of
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
    # The holder's organization in Russian and Kazakh (shown while in force).
    org_name_ru: str = ""
    org_name_kk: str = ""
    number: str = ""
    serial: int = 0
    issued_on: dt.date | None = None

    @property
    def org_name(self) -> str:
        if get_language() == "kk" and self.org_name_kk:
            return self.org_name_kk
        return self.org_name_ru


# One round trip with only what the page shows, planned once per connection
# (core/prepared.py): the public check is the hottest path of the product, and
# the ORM's query of the same (with_membership_state, four models) cost several
# times the database's own work. Its two EXISTS are
# querysets.membership_ended and member_on, which tests/test_public.py holds to
# the same answers as the ORM's for every kind of card. The centre's limit of
# months of arrears comes in it (CardDesign, one row, perhaps not saved yet), and
# when the source of arrears offers its SQL (standing.arrears_source), the
# months overdue too.
CARD_SQL = """
SELECT c.key_id, c.issued_on, c.revoked_on, c.person_id,
    p.first_name, p.last_name, u.name_ru, u.name_kk,
    EXISTS (
        SELECT 1 FROM registry_membership m
        WHERE m.person_id = c.person_id AND m.joined_on >= x.joined_on
            AND m.left_on <= %s AND m.leave_reason <> %s
    ),
    EXISTS (
        SELECT 1 FROM registry_membership m
        WHERE m.person_id = c.person_id AND m.joined_on <= %s
            AND (m.left_on IS NULL OR m.left_on > %s)
    ),
    (SELECT d.suspend_after_months FROM cards_carddesign d WHERE d.id = 1){arrears}
FROM cards_card c
JOIN registry_membership x ON x.id = c.membership_id
JOIN registry_person p ON p.id = c.person_id
LEFT JOIN registry_membership cm ON cm.id = p.current_membership_id
LEFT JOIN orgtree_orgunit u ON u.id = cm.org_unit_id
WHERE c.number = %s AND c.serial = %s
"""


def check_token(token: str, *, on: dt.date) -> CardCheck:
    """The verdict on a token, from its signature and then the registry."""
    try:
        key_id, facts = current_ring().verify(token)
    except InvalidToken as fault:
        logger.info("card token refused: %s", fault.reason)
        return CardCheck(Verdict.INVALID)
    arrears_sql = getattr(arrears_source(), "one_person_sql", None)
    params: list[Any] = [on, LeaveReason.TRANSFER.value, on, on]
    if arrears_sql:
        params.append(on.replace(day=1))
    row = fetch_one(
        CARD_SQL.format(arrears=f", ({arrears_sql})" if arrears_sql else ""),
        [*params, facts.number, facts.serial],
    )
    if row is None:
        return CardCheck(Verdict.UNKNOWN)
    (db_key, issued_on, revoked_on, person_id, first, last, name_ru, name_kk) = row[:8]
    left_since, member_now, limit = bool(row[8]), bool(row[9]), row[10]
    if db_key != key_id or _date(issued_on) != facts.issued_on:
        return CardCheck(Verdict.UNKNOWN)
    status = statuses_of(
        {
            0: Standing(
                person_id=person_id,
                revoked=revoked_on is not None,
                membership_ended=left_since or not member_now,
            )
        },
        on,
        overdue={person_id: int(row[11])} if arrears_sql else None,
        suspend_after_months=limit if limit is not None else _DEFAULT_LIMIT,
    )[0]
    if status == CardStatus.REVOKED:
        # Whose card it was, and that they left, is nobody's business.
        return CardCheck(
            Verdict.REVOKED,
            number=display(facts.number),
            serial=facts.serial,
            issued_on=facts.issued_on,
        )
    return CardCheck(
        Verdict(status.value),
        first_name=first,
        last_initial=last[:1],
        org_name_ru=name_ru or "",
        org_name_kk=name_kk or "",
        number=display(facts.number),
        serial=facts.serial,
        issued_on=facts.issued_on,
    )


_DEFAULT_LIMIT = CardDesign().suspend_after_months


def _date(value: object) -> dt.date | None:
    """A date column as SQLite (text) or PostgreSQL (date) returns it."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value if isinstance(value, dt.date) else None
