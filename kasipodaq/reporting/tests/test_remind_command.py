"""`kasipodaq remind-reports` and the daily task: every campaign past its deadline
emails the people who file each late report, through a real SMTP server on the
loopback interface."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.translation import gettext, ngettext

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.core.tests.mailbox import Inbox
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.models import (
    Campaign,
    Report,
    ReportAction,
    ReportEvent,
    ReportForm,
    ReportStatus,
)
from kasipodaq.reporting.services.reports import submit_report
from kasipodaq.reporting.tasks import overdue_campaigns, remind_late_reports

from .conftest import open_for

pytestmark = pytest.mark.django_db


def filler(unit: Any, address: str, language: str = "ru") -> User:
    user = grant(Role.PRIMARY_CHAIR, unit)
    user.email = address
    user.language = language
    user.save(update_fields=["email", "language"])
    return user


def remind(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("remind_reports", *args, stdout=out)
    return out.getvalue().splitlines()


def test_a_late_report_is_reminded_to_its_filler_by_email(
    tree: Tree, membership_campaign: Campaign, inbox: Inbox
) -> None:
    """The day after the deadline: the late school's chair gets one message naming
    the school and the form; the school that submitted gets none; the command
    counts the messages. The same day again sends nothing more."""
    late, done = tree.primaries[0], tree.primaries[1]
    chair = filler(late, "chair.late@example.kz")
    other = filler(done, "chair.done@example.kz")
    submit_report(
        actor=other,
        report=Report.objects.get(campaign=membership_campaign, unit=done),
    )
    day = membership_campaign.deadline + dt.timedelta(days=1)

    lines = remind("--on", day.isoformat())

    assert len(inbox.received) == 1
    recipients, message = inbox.received[0]
    assert recipients == [chair.email]
    with translation.override("ru"):
        subject = gettext("Reports overdue: %(form)s, %(year)s") % {
            "form": membership_campaign.form.name_ru,
            "year": membership_campaign.year,
        }
    # A long subject is folded onto a continuation line: its start is a space.
    assert message["Subject"].strip() == subject
    body = message.get_content()
    assert late.name_ru in body
    assert done.name_ru not in body
    report = Report.objects.get(campaign=membership_campaign, unit=late)
    assert f"/reports/{report.pk}/" in body
    assert lines[-1] == ngettext(
        "%(count)s reminder sent in all.", "%(count)s reminders sent in all.", 1
    ) % {"count": 1}
    assert ReportEvent.objects.filter(
        report=report, action=ReportAction.REMINDED
    ).exists()

    again = remind("--on", day.isoformat())
    assert len(inbox.received) == 1
    assert again[-1] == ngettext(
        "%(count)s reminder sent in all.", "%(count)s reminders sent in all.", 0
    ) % {"count": 0}


def test_each_filler_is_written_in_their_own_language(
    tree: Tree, membership_campaign: Campaign, inbox: Inbox
) -> None:
    """A Kazakh-speaking chair's reminder names the form in Kazakh."""
    filler(tree.primaries[0], "kk@example.kz", language="kk")
    remind("--on", (membership_campaign.deadline + dt.timedelta(days=2)).isoformat())
    ((recipients, message),) = inbox.received
    assert recipients == ["kk@example.kz"]
    assert "Кәсіподақ мүшелігінің саны мен құрылымы" in message["Subject"]


def test_nothing_is_sent_before_the_deadline_or_for_a_finished_campaign(
    tree: Tree,
    membership_campaign: Campaign,
    forms: dict[str, ReportForm],
    inbox: Inbox,
) -> None:
    """On the deadline itself nobody is late; a campaign whose national report is
    approved is over, however many reports it lacks."""
    filler(tree.primaries[0], "chair@example.kz")
    legal = open_for(tree, forms["legal"])
    Report.objects.filter(campaign=legal, unit=tree.central).update(
        status=ReportStatus.APPROVED
    )
    assert remind("--on", membership_campaign.deadline.isoformat())[-1] == ngettext(
        "%(count)s reminder sent in all.", "%(count)s reminders sent in all.", 0
    ) % {"count": 0}
    after = legal.deadline + dt.timedelta(days=1)
    assert overdue_campaigns(on=after) == [membership_campaign]
    remind("--on", after.isoformat())
    assert [r for r, _m in inbox.received] == [["chair@example.kz"]]


def test_the_daily_task_sends_the_days_reminders(
    tree: Tree, membership_campaign: Campaign, inbox: Inbox
) -> None:
    """The Celery task (run inline here) does what the command does."""
    filler(tree.primaries[0], "chair@example.kz")
    day = membership_campaign.deadline + dt.timedelta(days=3)
    assert remind_late_reports.delay(day.isoformat()).get() == 1
    assert remind_late_reports(day.isoformat()) == 0
    assert len(inbox.received) == 1


def test_a_date_that_is_no_date_is_refused(tree: Tree) -> None:
    """--on 31.02.2026: a message and status 1, nothing sent."""
    with pytest.raises(CommandError, match=r"31\.02\.2026") as caught:
        remind("--on", "31.02.2026")
    assert caught.value.returncode == 1
