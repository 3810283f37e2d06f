"""Background work of reporting, run by Celery (inline on the embedded default).

Reminders go out once a day: for every campaign whose deadline has passed and
which is still open (its national report not yet approved), each late report's
fillers get a message (``notifications.remind_late``, at most one a day per
report). Celery beat runs ``remind_late_reports`` daily; ``kasipodaq
remind-reports`` does the same by hand or from cron.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db.models import Exists, OuterRef

from kasipodaq.core.dates import today

from .models import Campaign, Report, ReportStatus
from .notifications import notify_returned, remind_late


def overdue_campaigns(*, on: dt.date) -> list[Campaign]:
    """Campaigns past their deadline on `on` whose national report is not approved."""
    finished = Report.objects.filter(
        campaign=OuterRef("pk"),
        unit__parent__isnull=True,
        status=ReportStatus.APPROVED,
    )
    return list(
        Campaign.objects.filter(deadline__lt=on)
        .exclude(Exists(finished))
        .select_related("form", "version")
        .order_by("-year", "form__position", "form__code")
    )


def remind_overdue(*, on: dt.date) -> list[tuple[Campaign, int]]:
    """Send the day's reminders of every overdue campaign; the messages each sent."""
    return [
        (campaign, remind_late(campaign, on=on))
        for campaign in overdue_campaigns(on=on)
    ]


@shared_task(ignore_result=True)
def send_returned_notice(report_id: int) -> int:
    """Tell a report's fillers it was returned (queued after the return commits,
    so a slow or absent mail server never holds up the page)."""
    return notify_returned(report_id)


@shared_task(ignore_result=True)
def remind_late_reports(on: str | None = None) -> int:
    """The daily reminders (`on`: an ISO date, today by default); messages sent."""
    day = dt.date.fromisoformat(on) if on else today()
    return sum(sent for _campaign, sent in remind_overdue(on=day))
