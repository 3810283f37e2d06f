"""Settling every report that has not come below a unit in one step."""

from __future__ import annotations

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.core.errors import DomainError
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.models import Campaign, Report, ReportAction, ReportStatus
from kasipodaq.reporting.services.reports import (
    mark_missing_below,
    submit_report,
)


def test_a_district_settles_its_late_schools_at_once(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """Drafts become missing with the comment and an event each; a submitted
    report still waits for a decision; the district can then be submitted once
    that one is approved."""
    district = tree.districts[0]
    submitted_school, late_school = tree.primaries[0], tree.primaries[1]
    chair = grant(Role.CHAIR, district)
    school_report = Report.objects.get(campaign=legal_campaign, unit=submitted_school)
    submit_report(actor=tree.admin, report=school_report)
    district_report = Report.objects.get(campaign=legal_campaign, unit=district)

    marked = mark_missing_below(
        actor=chair, report=district_report, comment="Не сдали к сроку"
    )

    assert marked == 1
    late = Report.objects.get(campaign=legal_campaign, unit=late_school)
    assert late.status == ReportStatus.MISSING
    assert late.comment == "Не сдали к сроку"
    assert late.events.filter(action=ReportAction.MARKED_MISSING).count() == 1
    school_report.refresh_from_db()
    assert school_report.status == ReportStatus.SUBMITTED


def test_only_the_units_own_deciders_may_settle_below_it(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """A primary chair below, or a chair of another district, is refused, and a
    comment is required; nothing changes."""
    district = tree.districts[0]
    district_report = Report.objects.get(campaign=legal_campaign, unit=district)
    for outsider in (
        grant(Role.PRIMARY_CHAIR, tree.primaries[0]),
        grant(Role.CHAIR, tree.districts[1]),
    ):
        with pytest.raises(DomainError):
            mark_missing_below(actor=outsider, report=district_report, comment="x")
    with pytest.raises(DomainError):
        mark_missing_below(
            actor=grant(Role.CHAIR, district), report=district_report, comment=" "
        )
    assert not Report.objects.filter(
        campaign=legal_campaign, status=ReportStatus.MISSING
    ).exists()
