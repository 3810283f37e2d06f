"""A whole reporting round in the demo union, through the staff pages.

The centre opens the membership campaign for last year; the demo's school fills in
nothing (the membership form is all registry figures) and submits; its district
approves it, settles the schools that did not report and submits; the region and
the centre do the same one level up; the centre downloads the national form, whose
figures are the registry's on 1 January of this year.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from kasipodaq.accounts.models import User
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.demo.builder import DemoSpec, build_demo
from kasipodaq.registry.demo.users import DEMO_DISTRICT, DEMO_REGION, demo_units
from kasipodaq.registry.models import Membership
from kasipodaq.reporting.models import Campaign, Report, ReportStatus

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username=username))
    return client


def step(client: Client, name: str, report: Report, **data: Any) -> None:
    """POST one step of a report's workflow; it must be done, not refused."""
    answer = client.post(reverse(f"reports:{name}", args=[report.pk]), data)
    assert answer.status_code == 302, answer.content.decode()[:2000]


def report_of(campaign: Campaign, unit: OrgUnit) -> Report:
    return Report.objects.get(campaign=campaign, unit=unit)


def test_the_demo_union_reports_from_a_school_up_to_the_centre() -> None:
    build_demo(DemoSpec(members=1500))
    year = today().year - 1
    admin = signed_in("admin")
    opened = admin.post(
        reverse("reports:campaigns"),
        {
            "form": "membership",
            "year": year,
            "deadline": (today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert opened.status_code == 302, opened.content.decode()[-3000:]
    campaign = Campaign.objects.get(form__code="membership", year=year)

    school = demo_units()["primary"]
    district = OrgUnit.objects.get(code=DEMO_DISTRICT)
    region = OrgUnit.objects.get(code=DEMO_REGION)
    central = OrgUnit.objects.get(parent=None)

    step(signed_in("chair.primary"), "submit", report_of(campaign, school))
    chair = signed_in("chair.district")
    step(chair, "approve", report_of(campaign, school))
    step(chair, "settle", report_of(campaign, district), comment="Не сдали")
    step(chair, "submit", report_of(campaign, district))
    regional = signed_in("chair.karaganda")
    step(regional, "approve", report_of(campaign, district))
    step(regional, "settle", report_of(campaign, region), comment="Не сдали")
    step(regional, "submit", report_of(campaign, region))
    step(admin, "approve", report_of(campaign, region))
    step(admin, "settle", report_of(campaign, central), comment="Не сдали")
    step(admin, "submit", report_of(campaign, central))
    assert report_of(campaign, central).status == ReportStatus.APPROVED

    national = report_of(campaign, central)
    download = admin.get(
        reverse("reports:export-xlsx", args=[national.pk]), {"language": "ru"}
    )
    assert download.status_code == 200
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    assert sheet is not None
    values = {row[0]: row[2] for row in sheet.iter_rows(values_only=True) if row[0]}
    members = Membership.objects.active_on(campaign.as_of).count()
    assert members > 0
    assert values["members"] == members
