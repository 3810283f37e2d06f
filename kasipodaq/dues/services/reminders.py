"""Reminding members of dues overdue, by email.

A member is reminded once they are ``KASIPODAQ_ARREARS_REMINDER_MONTHS`` months
overdue, and again at most every ``KASIPODAQ_ARREARS_REMINDER_DAYS`` days while
they still owe. Only members whose membership goes on are reminded; those with no
email are counted, so that their organization can call them instead.

The debtors of a subtree come from one query (``arrears.debtors_under``); the
messages go out in batches over one connection each, and each batch is recorded as
soon as it is sent: a mail server failing half-way leaves the sent ones recorded
and the rest to the next run, and no member is told twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Person

from ..arrears import debtors_under
from ..models import ArrearsReminder

BATCH = 500


@dataclass(frozen=True)
class Reminded:
    """What a run of reminders did."""

    sent: int
    # Overdue, but without an email: their organization should call them.
    unreachable: int
    # Overdue and reminded less than the interval ago: left alone this time.
    recently: int


def remind_arrears(*, actor: Any, unit: OrgUnit, on: dt.date) -> Reminded:
    """Email every member under `unit` overdue on `on` who has not been reminded
    lately; what was done.

    ``actor`` None is the command line or the daily task, which may remind anyone.
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    debtors = debtors_under(
        unit.path, on, min_months=settings.KASIPODAQ_ARREARS_REMINDER_MONTHS
    )
    since = timezone.now() - dt.timedelta(days=settings.KASIPODAQ_ARREARS_REMINDER_DAYS)
    sent = unreachable = recently = 0
    for start in range(0, len(debtors), BATCH):
        batch = debtors[start : start + BATCH]
        owed = {person: (months, tiyn) for person, months, tiyn in batch}
        lately = set(
            ArrearsReminder.objects.filter(
                person_id__in=owed, sent_at__gte=since
            ).values_list("person_id", flat=True)
        )
        recently += len(lately)
        members = list(
            Person.objects.filter(
                pk__in=owed.keys() - lately,
                current_membership__left_on__isnull=True,
            )
            .select_related("current_membership__org_unit")
            .order_by("pk")
        )
        reachable = [person for person in members if person.email]
        unreachable += len(members) - len(reachable)
        sent += _send(reachable, owed)
    return Reminded(sent=sent, unreachable=unreachable, recently=recently)


def _send(people: list[Person], owed: dict[int, tuple[int, int]]) -> int:
    if not people:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        messages = [_message(person, *owed[person.pk]) for person in people]
    with get_connection() as connection:
        connection.send_messages(messages)
    ArrearsReminder.objects.bulk_create(
        ArrearsReminder(
            person=person,
            email=person.email,
            months=owed[person.pk][0],
            owed_tiyn=owed[person.pk][1],
        )
        for person in people
    )
    return len(people)


def _message(person: Person, months: int, owed_tiyn: int) -> EmailMessage:
    membership = person.current_membership
    assert membership is not None
    subject = ngettext(
        "Union dues: %(count)s month overdue",
        "Union dues: %(count)s months overdue",
        months,
    ) % {"count": months}
    body = render_to_string(
        "dues/mail/arrears.txt",
        {
            "person": person,
            "months": months,
            "owed_tiyn": owed_tiyn,
            "organization": membership.org_unit,
        },
    )
    return EmailMessage(subject, body, to=[person.email])
