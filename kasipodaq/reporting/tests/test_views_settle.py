"""Settling the reports below that have not come, from the report page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.models import Campaign, Report, ReportStatus
from kasipodaq.reporting.services.reports import submit_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_district_chair_settles_the_schools_that_have_not_reported(
    client: Any, tree: Tree, legal_campaign: Campaign
) -> None:
    """The page offers the step; with a comment, the drafts below become missing,
    a submitted report still waits, and the page says how many were marked."""
    district = tree.districts[0]
    submitted, late = tree.primaries[0], tree.primaries[1]
    submit_report(
        actor=tree.admin,
        report=Report.objects.get(campaign=legal_campaign, unit=submitted),
    )
    report = Report.objects.get(campaign=legal_campaign, unit=district)
    client.force_login(grant(Role.CHAIR, district))

    page = client.get(reverse("reports:detail", args=[report.pk]))
    assert reverse("reports:settle", args=[report.pk]).encode() in page.content

    done = client.post(
        reverse("reports:settle", args=[report.pk]),
        {"comment": "Не сдали к сроку"},
        follow=True,
    )

    assert b"1 report below was marked as missing." in done.content
    statuses = dict(
        Report.objects.filter(
            campaign=legal_campaign, unit__in=[submitted, late]
        ).values_list("unit_id", "status")
    )
    assert statuses == {
        submitted.pk: ReportStatus.SUBMITTED,
        late.pk: ReportStatus.MISSING,
    }


def test_settling_needs_a_comment_and_the_units_own_deciders(
    client: Any, tree: Tree, legal_campaign: Campaign
) -> None:
    """Without a comment the page says why and nothing changes; a school's chair
    below, or the chair of another district, gets 404."""
    district = tree.districts[0]
    report = Report.objects.get(campaign=legal_campaign, unit=district)
    url = reverse("reports:settle", args=[report.pk])
    client.force_login(grant(Role.CHAIR, district))
    answer = client.post(url, {"comment": "  "})
    assert answer.status_code == 200
    assert b"comment" in answer.content.lower()
    for outsider in (
        grant(Role.PRIMARY_CHAIR, tree.primaries[0]),
        grant(Role.CHAIR, tree.districts[2]),
    ):
        client.force_login(outsider)
        assert client.post(url, {"comment": "x"}).status_code == 404
    assert not Report.objects.filter(
        campaign=legal_campaign, status=ReportStatus.MISSING
    ).exists()
