"""Messages about reports by email: returned for correction, and late.

They go to the people who file the organization's report: users holding a role
with the right to fill in reports bound to that very organization (not those
above it, who would otherwise get one message per organization below them). Each
message is written in the user's own language.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kasipodaq.access.models import RoleGrant
from kasipodaq.access.perms import ROLE_PERMS, Perm
from kasipodaq.accounts.models import User
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import UnitStatus

from .models import Campaign, Report, ReportAction, ReportEvent, ReportStatus

OPEN = (ReportStatus.DRAFT, ReportStatus.RETURNED)
FILLING_ROLES = [
    role for role, perms in ROLE_PERMS.items() if Perm.REPORT_FILL in perms
]


def fillers(unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """The users with an email who file each unit's reports, by unit id."""
    grants = (
        RoleGrant.objects.filter(
            unit_id__in=list(unit_ids),
            role__in=FILLING_ROLES,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
    )
    found: dict[int, dict[int, User]] = defaultdict(dict)
    for grant in grants:
        found[grant.unit_id][grant.user_id] = grant.user
    return {unit: list(users.values()) for unit, users in found.items()}


def report_url(report: Report) -> str:
    return settings.KASIPODAQ_BASE_URL.rstrip("/") + reverse(
        "reports:detail", args=[report.pk]
    )


def notify_returned(report_id: int) -> int:
    """Tell the organization its report came back, and why; the number sent."""
    report = Report.objects.select_related("campaign__form", "unit").get(pk=report_id)
    messages = []
    for user in fillers([report.unit_id]).get(report.unit_id, []):
        with translation.override(user.language):
            subject = _("Report returned for correction: %(form)s, %(year)s") % {
                "form": report.campaign.form.name,
                "year": report.campaign.year,
            }
            body = render_to_string(
                "reports/mail/returned.txt",
                {"report": report, "user": user, "url": report_url(report)},
            )
        messages.append(EmailMessage(subject, body, to=[user.email]))
    return _send(messages)


def remind_late(campaign: Campaign, *, on: dt.date) -> int:
    """One message to each filler of every late report (deadline passed on `on`,
    report not yet submitted), at most once a day per report; the number of
    messages sent.

    "A day" is the day the reminders are sent: a reminder's event carries the time
    it was sent, so a run for another `on` (by hand, for a missed day) still sends
    nothing already sent today."""
    if on <= campaign.deadline:
        return 0
    late = list(
        # An organization closed since the campaign opened owes no report.
        Report.objects.filter(
            campaign=campaign, status__in=OPEN, unit__status=UnitStatus.ACTIVE
        )
        .exclude(
            pk__in=ReportEvent.objects.filter(
                action=ReportAction.REMINDED, at__date=today()
            ).values("report_id")
        )
        .select_related("unit")
    )
    by_user: dict[int, tuple[User, list[Report]]] = {}
    people = fillers(report.unit_id for report in late)
    reminded = [report for report in late if people.get(report.unit_id)]
    for report in reminded:
        for user in people[report.unit_id]:
            by_user.setdefault(user.pk, (user, []))[1].append(report)
    messages = []
    for user, reports in by_user.values():
        with translation.override(user.language):
            subject = _("Reports overdue: %(form)s, %(year)s") % {
                "form": campaign.form.name,
                "year": campaign.year,
            }
            body = render_to_string(
                "reports/mail/late.txt",
                {
                    "campaign": campaign,
                    "user": user,
                    "reports": [(r, report_url(r)) for r in reports],
                },
            )
        messages.append(EmailMessage(subject, body, to=[user.email]))
    sent = _send(messages)
    ReportEvent.objects.bulk_create(
        ReportEvent(report=report, action=ReportAction.REMINDED) for report in reminded
    )
    return sent


def _send(messages: list[EmailMessage]) -> int:
    if not messages:
        return 0
    with get_connection() as connection:
        return int(connection.send_messages(messages) or 0)
