"""Messages about reports, sent through a real SMTP server on the loopback: a report
returned for correction, and reminders of late reports."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kasipodaq.access.models import RoleGrant
from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.core.dates import today
from kasipodaq.core.tests.mailbox import Inbox, free_port, use_smtp
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.services.organizations import liquidate_organization
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.models import (
    Campaign,
    Report,
    ReportAction,
    ReportEvent,
    ReportForm,
)
from kasipodaq.reporting.notifications import notify_returned, remind_late
from kasipodaq.reporting.services.reports import (
    approve_report,
    mark_missing,
    return_report,
    submit_report,
)

pytestmark = pytest.mark.django_db


def filler(unit: OrgUnit, language: str, *, role: str = Role.PRIMARY_CHAIR) -> User:
    user = grant(role, unit)
    user.email = f"{user.username}@example.kz"
    user.language = language
    user.first_name = f"Name{user.pk}"
    user.save()
    return user


def report_at(campaign: Campaign, unit: OrgUnit) -> Report:
    return Report.objects.get(campaign=campaign, unit=unit)


def link(report: Report) -> str:
    return settings.KASIPODAQ_BASE_URL.rstrip("/") + reverse(
        "reports:detail", args=[report.pk]
    )


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


# Returned for correction


def test_a_returned_report_is_announced_to_its_fillers_in_their_language(
    tree: Tree,
    legal_campaign: Campaign,
    inbox: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Those who file the school's report hear of it, each in their own language,
    with the comment and a link; those above the school, a neighbour school's
    chair, and users without an address or no longer active do not."""
    school = tree.primaries[0]
    kazakh, english = filler(school, "kk"), filler(school, "en")
    district = filler(tree.districts[0], "ru", role=Role.CHAIR)
    filler(tree.primaries[1], "ru")
    silent = grant(Role.PRIMARY_CHAIR, school)  # no email address
    gone = filler(school, "ru")
    gone.is_active = False
    gone.save()
    report = report_at(legal_campaign, school)
    submit_report(actor=kazakh, report=report)

    with django_capture_on_commit_callbacks(execute=True):
        return_report(actor=district, report=report, comment="Пересчитайте споры")

    assert sorted(r for rcpt in inbox.recipients for r in rcpt) == sorted(
        [kazakh.email, english.email]
    )
    assert silent.email == ""
    form = legal_campaign.form
    for user, form_name in ((kazakh, form.name_kk), (english, form.name_en)):
        [message] = inbox.to(user.email)
        with translation.override(user.language):
            subject = gettext("Report returned for correction: %(form)s, %(year)s") % {
                "form": form_name,
                "year": legal_campaign.year,
            }
        assert message["Subject"].strip() == subject
        assert message["From"] == settings.DEFAULT_FROM_EMAIL
        text = body(message)
        assert "Пересчитайте споры" in text
        assert link(report) in text
        assert f"Name{user.pk}" in text
    assert form.name_kk in inbox.to(kazakh.email)[0]["Subject"]
    assert form.name_en in inbox.to(english.email)[0]["Subject"]


def test_nothing_is_sent_when_nobody_files_the_report(
    tree: Tree, legal_campaign: Campaign, inbox: Inbox
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=tree.admin, report=report)
    return_report(actor=tree.admin, report=report, comment="Again")
    assert notify_returned(report.pk) == 0
    assert inbox.messages == []


def test_a_mail_server_that_is_down_does_not_undo_the_return(
    tree: Tree,
    legal_campaign: Campaign,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The message goes after the commit; if it cannot go, the report stays
    returned and the failure is logged, not shown as an error of the return."""
    use_smtp(settings, free_port())  # nothing listens there
    school = tree.primaries[0]
    chair = filler(school, "ru")
    report = report_at(legal_campaign, school)
    submit_report(actor=chair, report=report)
    with (
        caplog.at_level(logging.ERROR),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        return_report(actor=tree.admin, report=report, comment="Again")
    assert len(callbacks) == 1
    assert Report.objects.get(pk=report.pk).status == "returned"
    assert "on_commit" in caplog.text


# Reminders of late reports


@dataclass
class Late:
    """Who files what in a campaign whose reports are partly in."""

    campaign: Campaign
    two_schools: User  # files the first two schools' reports
    kazakh: User  # files the third school's
    district: User  # files the first district's
    returned: User  # files the seventh school's, returned for correction
    settled: list[User]  # file reports already submitted, approved or missing

    @property
    def reminded(self) -> list[User]:
        return [self.two_schools, self.kazakh, self.district, self.returned]


@pytest.fixture
def late(tree: Tree, forms: dict[str, ReportForm]) -> Late:
    from .conftest import open_for

    campaign = open_for(tree, forms["legal"])
    p = tree.primaries
    two_schools = filler(p[0], "en")
    grant(Role.PRIMARY_CHAIR, p[1], user=two_schools)
    settled = [filler(unit, "ru") for unit in (p[3], p[4], p[5])]
    submit_report(actor=tree.admin, report=report_at(campaign, p[3]))
    submit_report(actor=tree.admin, report=report_at(campaign, p[4]))
    approve_report(actor=tree.admin, report=report_at(campaign, p[4]))
    mark_missing(actor=tree.admin, report=report_at(campaign, p[5]), comment="Gone")
    returned = filler(p[6], "ru")
    submit_report(actor=tree.admin, report=report_at(campaign, p[6]))
    return_report(actor=tree.admin, report=report_at(campaign, p[6]), comment="Fix")
    return Late(
        campaign=campaign,
        two_schools=two_schools,
        kazakh=filler(p[2], "kk"),
        district=filler(tree.districts[0], "ru", role=Role.CHAIR),
        returned=returned,
        settled=settled,
    )


def test_no_reminder_before_the_deadline_has_passed(late: Late, inbox: Inbox) -> None:
    deadline = late.campaign.deadline
    assert remind_late(late.campaign, on=deadline - dt.timedelta(days=3)) == 0
    assert remind_late(late.campaign, on=deadline) == 0
    assert inbox.messages == []
    assert not ReportEvent.objects.filter(action=ReportAction.REMINDED).exists()


def test_each_filler_gets_one_message_listing_their_late_reports(
    tree: Tree, late: Late, inbox: Inbox
) -> None:
    """Reports still draft or returned are late; submitted, approved and missing
    ones are not. A user filing two late reports gets one message naming both."""
    on = late.campaign.deadline + dt.timedelta(days=1)
    assert remind_late(late.campaign, on=on) == 4

    assert sorted(r for rcpt in inbox.recipients for r in rcpt) == sorted(
        user.email for user in late.reminded
    )
    for user in late.settled:
        assert inbox.to(user.email) == []
    p = tree.primaries
    expected = {
        late.two_schools.email: [p[0], p[1]],
        late.kazakh.email: [p[2]],
        late.district.email: [tree.districts[0]],
        late.returned.email: [p[6]],
    }
    everything = [*p, *tree.districts, *tree.regions, tree.central]
    for address, units in expected.items():
        [message] = inbox.to(address)
        text = body(message)
        for unit in everything:
            url = link(report_at(late.campaign, unit))
            assert (url in text) == (unit in units), (address, unit)
    form = late.campaign.form
    assert form.name_en in inbox.to(late.two_schools.email)[0]["Subject"]
    assert form.name_kk in inbox.to(late.kazakh.email)[0]["Subject"]
    assert form.name_ru in inbox.to(late.district.email)[0]["Subject"]
    reminded = ReportEvent.objects.filter(action=ReportAction.REMINDED)
    assert sorted(reminded.values_list("report__unit", flat=True)) == sorted(
        unit.pk for unit in (p[0], p[1], p[2], p[6], tree.districts[0])
    )


def test_reminders_go_at_most_once_a_day(late: Late, inbox: Inbox) -> None:
    on = late.campaign.deadline + dt.timedelta(days=1)
    assert remind_late(late.campaign, on=on) == 4
    assert remind_late(late.campaign, on=on) == 0
    assert len(inbox.messages) == 4

    # A day later (yesterday's reminders moved back by a day), they go again.
    for event in ReportEvent.objects.filter(action=ReportAction.REMINDED):
        ReportEvent.objects.filter(pk=event.pk).update(
            at=event.at - dt.timedelta(days=1)
        )
    assert remind_late(late.campaign, on=on + dt.timedelta(days=1)) == 4
    assert len(inbox.messages) == 8


def test_a_report_submitted_since_is_no_longer_reminded(
    tree: Tree, late: Late, inbox: Inbox
) -> None:
    for unit in tree.primaries[:2]:
        submit_report(actor=tree.admin, report=report_at(late.campaign, unit))
    assert remind_late(late.campaign, on=late.campaign.deadline + dt.timedelta(1)) == 3
    assert inbox.to(late.two_schools.email) == []


def test_a_report_of_an_organization_closed_since_is_not_reminded(
    tree: Tree, late: Late, inbox: Inbox
) -> None:
    """The school closed after the campaign opened: nobody is asked for its
    report any more (its parent does not wait for it either)."""
    liquidate_organization(actor=tree.admin, unit=tree.primaries[2], on=today())
    assert RoleGrant.objects.filter(user=late.kazakh, unit=tree.primaries[2]).exists()
    assert remind_late(late.campaign, on=late.campaign.deadline + dt.timedelta(1)) == 3
    assert inbox.to(late.kazakh.email) == []
    assert not ReportEvent.objects.filter(
        report__unit=tree.primaries[2], action=ReportAction.REMINDED
    ).exists()
