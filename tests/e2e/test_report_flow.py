"""A school's report goes up and comes back: the primary chair fills it in and
submits it, the district chair returns it with a comment, the primary chair
corrects and resubmits it, and the district chair approves it — all on the pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from kasipodaq.access.perms import Role
from kasipodaq.core.dates import today
from kasipodaq.registry.tests.factories import PASSWORD, build_tree, grant
from kasipodaq.reporting.models import (
    Report,
    ReportAction,
    ReportEvent,
    ReportForm,
    ReportStatus,
    ReportValue,
    Rule,
)
from kasipodaq.reporting.services.campaigns import open_campaign
from kasipodaq.reporting.services.forms import install_shipped_forms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENT = "Консультаций меньше, чем указано: проверьте журнал."


@pytest.fixture
def sign_in(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    """A page of a browser of its own, signed in as the user given."""
    contexts = []

    def open_as(user: Any) -> Any:
        context = browser.new_context(base_url=live_server.url, locale="ru-RU")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/accounts/sign-in/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/orgs/$"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def _status(page: Any, status: str) -> None:
    expect(page.locator(f".report-status .badge.status-{status}")).to_be_visible()


def test_a_report_is_returned_corrected_and_approved(
    sign_in: Callable[[Any], Any],
) -> None:
    """Submit → return with a comment → correct and resubmit → approve, each on the
    pages, leaving the figures and the trail in the database."""
    tree = build_tree()
    install_shipped_forms()
    campaign = open_campaign(
        actor=tree.admin,
        form=ReportForm.objects.get(code="legal"),
        year=today().year - 1,
        deadline=today() + dt.timedelta(days=30),
    )
    school, district = tree.primaries[0], tree.districts[0]
    report = Report.objects.get(campaign=campaign, unit=school)
    district_report = Report.objects.get(campaign=campaign, unit=district)
    rule = Rule.objects.get(version=campaign.version, code="remedied_within_found")
    detail = f"/reports/{report.pk}/"

    # The primary chair finds the report from the menu and fills it in.
    primary = sign_in(grant(Role.PRIMARY_CHAIR, school))
    primary.locator("nav.mainnav a[href='/reports/']").click()
    primary.wait_for_url(re.compile(r"/reports/$"))
    primary.locator(f"a[href='/reports/campaigns/{campaign.pk}/']").click()
    primary.locator(f".home-reports a[href='{detail}']").click()
    primary.wait_for_url(re.compile(rf"{detail}$"))
    _status(primary, "draft")
    primary.fill("#id_v-appeals", "120")
    primary.fill("#id_v-consultations", "1 450")
    primary.fill("#id_v-violations", "3")
    primary.fill("#id_v-violations_remedied", "5")
    primary.locator("#entries button[type=submit]").click()
    primary.wait_for_url(re.compile(rf"{detail}$"))
    expect(primary.locator(".rule-warnings")).to_contain_text(rule.message_ru)
    expect(primary.locator("#id_v-consultations")).to_have_value("1450")

    # Submitting is refused while a rule is broken; corrected, it goes through.
    primary.locator("form.step-submit button[type=submit]").click()
    expect(primary.locator(".broken-rules")).to_contain_text(rule.message_ru)
    _status(primary, "draft")
    primary.fill("#id_v-violations_remedied", "2")
    primary.locator("#entries button[type=submit]").click()
    primary.wait_for_url(re.compile(rf"{detail}$"))
    expect(primary.locator(".rule-warnings")).to_have_count(0)
    primary.locator("form.step-submit button[type=submit]").click()
    primary.wait_for_url(re.compile(rf"{detail}$"))
    _status(primary, "submitted")
    expect(primary.locator("#id_v-appeals")).to_have_count(0)

    # The district chair opens the school's column from the district's report and
    # returns the school's report with a comment.
    chair_user = grant(Role.CHAIR, district)
    chair = sign_in(chair_user)
    chair.goto(f"/reports/campaigns/{campaign.pk}/")
    chair.locator(f".home-reports a[href='/reports/{district_report.pk}/']").click()
    chair.wait_for_url(re.compile(rf"/reports/{district_report.pk}/$"))
    school_column = chair.locator(f"th.child a[href='{detail}']")
    expect(school_column).to_contain_text(school.name_ru)
    school_column.click()
    chair.wait_for_url(re.compile(rf"{detail}$"))
    expect(chair.locator("#row-consultations td.own")).to_have_text("1\u202f450")
    chair.fill("#id_return_comment", COMMENT)
    chair.locator("form.step-return button[type=submit]").click()
    chair.wait_for_url(re.compile(rf"{detail}$"))
    _status(chair, "returned")

    # Back at the school: the comment is shown and the figures can be changed.
    primary.reload()
    _status(primary, "returned")
    expect(primary.locator(".report-comment")).to_contain_text(COMMENT)
    primary.fill("#id_v-consultations", "1 405")
    primary.locator("#entries button[type=submit]").click()
    primary.wait_for_url(re.compile(rf"{detail}$"))
    primary.locator("form.step-submit button[type=submit]").click()
    primary.wait_for_url(re.compile(rf"{detail}$"))
    _status(primary, "submitted")

    # The district chair approves the corrected report.
    chair.reload()
    expect(chair.locator("#row-consultations td.own")).to_have_text("1\u202f405")
    chair.locator("form.step-approve button[type=submit]").click()
    chair.wait_for_url(re.compile(rf"{detail}$"))
    _status(chair, "approved")
    expect(chair.locator("table.trail tbody tr").first).to_have_attribute(
        "data-action", ReportAction.APPROVED
    )

    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    figures = {
        v.indicator.code: v.number
        for v in ReportValue.objects.filter(report=report).select_related("indicator")
    }
    assert figures == {
        "appeals": Decimal(120),
        "consultations": Decimal(1405),
        "violations": Decimal(3),
        "violations_remedied": Decimal(2),
    }
    trail = list(
        ReportEvent.objects.filter(report=report)
        .order_by("at", "pk")
        .values_list("action", "comment")
    )
    assert trail == [
        (ReportAction.SAVED, ""),
        (ReportAction.SAVED, ""),
        (ReportAction.SUBMITTED, ""),
        (ReportAction.RETURNED, COMMENT),
        (ReportAction.SAVED, ""),
        (ReportAction.SUBMITTED, ""),
        (ReportAction.APPROVED, ""),
    ]
