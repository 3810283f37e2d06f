"""Dues in templates: `|tenge` for amounts in tiyn, `{% member_dues person %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today

from ..in_force import exemptions_of
from ..money import to_tenge
from ..selectors import member_dues as read_member_dues

register = template.Library()


@register.filter
def tenge(tiyn: int | None) -> str:
    """Tiyn as tenge with two decimals, grouped as the language writes numbers."""
    if tiyn is None:
        return "—"
    return number_format(to_tenge(int(tiyn)), 2, force_grouping=True)


@register.inclusion_tag("dues/_member.html", takes_context=True)
def member_dues(context: dict[str, Any], person: Any) -> dict[str, Any]:
    membership = person.current_membership
    if membership is None or not policy.has_perm(
        context["user"], Perm.DUES_VIEW, unit=membership.org_unit
    ):
        return {"shown": False}
    return {
        "shown": True,
        "person": person,
        "dues": read_member_dues(person, today()),
        "exemptions": exemptions_of(person),
        "can_manage": policy.has_perm(
            context["user"], Perm.DUES_MANAGE, unit=membership.org_unit
        ),
    }
