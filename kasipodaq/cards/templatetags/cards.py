"""`{% member_card person %}`: the card panel of a member's page."""

from __future__ import annotations

from typing import Any

from django import template

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today

from ..printing import verify_url
from ..selectors import cards_of
from ..standing import CardStatus

register = template.Library()


@register.inclusion_tag("cards/_panel.html", takes_context=True)
def member_card(context: dict[str, Any], person: Any) -> dict[str, Any]:
    membership = person.current_membership
    cards = cards_of(person, today())
    in_force = next(
        (card for card, status in cards if status != CardStatus.REVOKED), None
    )
    can_issue = (
        membership is not None
        and membership.is_active
        and policy.has_perm(context["user"], Perm.CARD_ISSUE, unit=membership.org_unit)
    )
    return {
        "person": person,
        "cards": cards,
        "in_force": in_force,
        "verify_url": verify_url(in_force) if in_force is not None else "",
        "can_issue": can_issue,
        "is_member": membership is not None and membership.is_active,
    }
