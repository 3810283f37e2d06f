"""What members and finance staff are told about card payments, by email.

A member hears before each charge (``KASIPODAQ_CARD_NOTICE_DAYS`` days ahead,
3 by default), after each declined charge, and when the payments stop; the
finance staff of the member's organization hear of the stop too. Each message is
written in its reader's language. The callers record what was said in their
transaction and call these after it commits, so nothing is said twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kasipodaq.access.models import RoleGrant
from kasipodaq.access.perms import ROLE_PERMS, Perm, Role
from kasipodaq.accounts.models import User
from kasipodaq.orgtree.paths import ancestor_ids

from ..models import CardCharge, CardSubscription, SubscriptionStatus
from ..money import to_tenge

log = logging.getLogger(__name__)

DEFAULT_NOTICE_DAYS = 3
# Who keeps an organization's money (not the central administrators, who hold
# every right everywhere).
FINANCE_ROLES = [
    role
    for role, perms in ROLE_PERMS.items()
    if Perm.DUES_MANAGE in perms and role != Role.CENTRAL_ADMIN
]


def notice_days() -> int:
    return int(getattr(settings, "KASIPODAQ_CARD_NOTICE_DAYS", DEFAULT_NOTICE_DAYS))


def remind_coming_charges(*, today: dt.date) -> int:
    """Tell each member whose card is charged within the notice days, once per
    charge; the number of members told."""
    horizon = today + dt.timedelta(days=notice_days())
    with transaction.atomic():
        chosen = list(
            CardSubscription.objects.select_for_update()
            .filter(
                status=SubscriptionStatus.ACTIVE,
                due_on__gt=today,
                due_on__lte=horizon,
            )
            .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_on")))
            .values_list("pk", flat=True)
        )
        CardSubscription.objects.filter(pk__in=chosen).update(reminded_for=F("due_on"))
        transaction.on_commit(lambda: _remind(chosen), robust=True)
    return len(chosen)


def _remind(pks: list[int]) -> None:
    messages = []
    for subscription in _with_people(pks):
        if not subscription.person.email:
            continue
        assert subscription.due_on is not None
        with translation.override(subscription.language):
            subject = _("Union dues will be charged to your card on %(date)s") % {
                "date": date_format(subscription.due_on)
            }
            body = render_to_string(
                "dues/mail/card_reminder.txt", _context(subscription)
            )
        messages.append(EmailMessage(subject, body, to=[subscription.person.email]))
    _send(messages)


def tell_declined(attempt_pk: int) -> None:
    """Tell the member a charge was declined and when it is tried again."""
    attempt = CardCharge.objects.select_related(
        "subscription__person__current_membership__org_unit"
    ).get(pk=attempt_pk)
    subscription = attempt.subscription
    if not subscription.person.email:
        return
    with translation.override(subscription.language):
        subject = _("Your union dues could not be charged to your card")
        body = render_to_string(
            "dues/mail/card_declined.txt",
            {**_context(subscription), "attempt": attempt},
        )
    _send([EmailMessage(subject, body, to=[subscription.person.email])])


def announce_stop(subscription_pk: int) -> None:
    """Tell the member and their organization's finance staff that the card
    payments stopped."""
    subscription = _with_people([subscription_pk])[0]
    person = subscription.person
    messages = []
    if person.email:
        with translation.override(subscription.language):
            subject = _("Your union dues are no longer paid by card")
            body = render_to_string(
                "dues/mail/card_stopped.txt", _context(subscription)
            )
        messages.append(EmailMessage(subject, body, to=[person.email]))
    for user in finance_staff(subscription):
        with translation.override(user.language):
            subject = _("Card payments of %(name)s stopped") % {
                "name": person.full_name
            }
            body = render_to_string(
                "dues/mail/card_stopped_staff.txt",
                {**_context(subscription), "user": user},
            )
        messages.append(EmailMessage(subject, body, to=[user.email]))
    _send(messages)


def finance_staff(subscription: CardSubscription) -> list[User]:
    """The users with an email who keep the dues of the member's organization:
    those bound to the nearest unit up the tree that has any."""
    membership = subscription.person.current_membership
    if membership is None:
        return []
    ids = ancestor_ids(membership.org_unit.path)
    grants = (
        RoleGrant.objects.filter(
            unit_id__in=ids, role__in=FINANCE_ROLES, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
    )
    by_unit: dict[int, dict[int, User]] = {}
    for grant in grants:
        by_unit.setdefault(grant.unit_id, {})[grant.user_id] = grant.user
    for unit_id in reversed(ids):
        if unit_id in by_unit:
            return list(by_unit[unit_id].values())
    return []


def _with_people(pks: list[int]) -> list[CardSubscription]:
    return list(
        CardSubscription.objects.filter(pk__in=pks)
        .select_related("person__current_membership__org_unit")
        .order_by("pk")
    )


def _context(subscription: CardSubscription) -> dict[str, object]:
    membership = subscription.person.current_membership
    return {
        "subscription": subscription,
        "person": subscription.person,
        "amount": to_tenge(subscription.amount_tiyn),
        "organization": membership.org_unit if membership else None,
    }


def _send(messages: list[EmailMessage]) -> int:
    if not messages:
        return 0
    with get_connection() as connection:
        return int(connection.send_messages(messages) or 0)
