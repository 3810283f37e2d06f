"""Reads of reporting for a user: reports within scope, completeness, a report's
table beside its children, dynamics across years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from kasipodaq.access.perms import Perm, Role
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import Level
from kasipodaq.registry.tests.factories import Tree, UserFactory, grant
from kasipodaq.reporting import selectors
from kasipodaq.reporting.errors import ReportRefusal
from kasipodaq.reporting.models import Campaign, Report, ReportForm, ReportStatus
from kasipodaq.reporting.services.reports import (
    approve_report,
    mark_missing,
    save_entries,
    submit_report,
)
from kasipodaq.reporting.tests.conftest import YEAR, open_for

pytestmark = pytest.mark.django_db


def report_of(campaign: Campaign, unit: Any) -> Report:
    return Report.objects.get(campaign=campaign, unit=unit)


# --- access ---------------------------------------------------------------------------


def test_access_report_finds_reports_in_scope_with_the_right_asked(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """Another district's report, a missing one and a right the user lacks are the
    same 404."""
    chair = grant(Role.CHAIR, tree.districts[0])
    primary_chair = grant(Role.PRIMARY_CHAIR, tree.primaries[0])
    own = report_of(legal_campaign, tree.primaries[0])
    other = report_of(legal_campaign, tree.primaries[2])
    assert selectors.access_report(chair, own.pk) == own
    assert selectors.access_report(chair, own.pk, Perm.REPORT_APPROVE) == own
    assert selectors.access_report(primary_chair, own.pk, Perm.REPORT_FILL) == own
    for user, pk, perm in [
        (chair, other.pk, Perm.REPORT_VIEW),
        (chair, 10**8, Perm.REPORT_VIEW),
        (chair, "abc", Perm.REPORT_VIEW),
        (primary_chair, own.pk, Perm.REPORT_APPROVE),
        (chair, own.pk, Perm.REPORT_MANAGE),
        (UserFactory.create(), own.pk, Perm.REPORT_VIEW),
    ]:
        with pytest.raises(Http404):
            selectors.access_report(user, pk, perm)


def test_campaigns_are_seen_by_anyone_with_a_right_on_reports(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """A campaign is the whole union's; a user without a right on reports has none."""
    chair = grant(Role.CHAIR, tree.districts[0])
    nobody = UserFactory.create()
    assert selectors.list_campaigns(chair) == [legal_campaign]
    assert selectors.access_campaign(chair, legal_campaign.pk) == legal_campaign
    assert selectors.list_campaigns(nobody) == []
    with pytest.raises(Http404):
        selectors.access_campaign(nobody, legal_campaign.pk)
    with pytest.raises(Http404):
        selectors.access_campaign(chair, 10**8)


def test_only_the_centre_manages_campaigns(tree: Tree) -> None:
    """The centre's right at the root, not a region's chair."""
    assert selectors.can_manage_campaigns(tree.admin)
    assert not selectors.can_manage_campaigns(grant(Role.CHAIR, tree.regions[0]))
    assert not selectors.can_manage_campaigns(UserFactory.create())


def test_home_reports_are_those_of_the_units_the_grants_are_bound_to(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """A chair of two districts has both districts' reports in each campaign."""
    first = open_for(tree, forms["legal"])
    second = open_for(tree, forms["safety"])
    chair = grant(Role.CHAIR, tree.districts[0])
    grant(Role.CHAIR, tree.districts[2], user=chair)
    homes = selectors.list_home_reports(chair, [first, second])
    assert [r.unit for r in homes[first.pk]] == [tree.districts[0], tree.districts[2]]
    assert [r.unit for r in homes[second.pk]] == [tree.districts[0], tree.districts[2]]
    assert selectors.list_home_reports(UserFactory.create(), [first]) == {}


# --- completeness ---------------------------------------------------------------------


def test_completeness_counts_statuses_and_late_reports_per_level(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """A region's chair sees the region, its districts and schools; after the deadline
    the drafts are late."""
    region = grant(Role.CHAIR, tree.regions[0])
    submit_report(actor=tree.admin, report=report_of(legal_campaign, tree.primaries[0]))
    mark_missing(
        actor=tree.admin,
        report=report_of(legal_campaign, tree.primaries[1]),
        comment="—",
    )
    before = selectors.compute_completeness(region, legal_campaign, on=today())
    assert [row.level for row in before] == [
        Level.REGION,
        Level.DISTRICT,
        Level.PRIMARY,
    ]
    primary = before[2]
    assert primary.by_status[ReportStatus.SUBMITTED] == 1
    assert primary.by_status[ReportStatus.MISSING] == 1
    assert primary.by_status[ReportStatus.DRAFT] == 2
    assert (primary.total, primary.settled, primary.late) == (4, 1, 0)

    after = legal_campaign.deadline + dt.timedelta(days=1)
    late = selectors.compute_completeness(region, legal_campaign, on=after)
    assert [row.late for row in late] == [1, 2, 2]


def test_the_report_list_holds_late_reports_only_after_the_deadline(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """Before the deadline nobody is late; after it the open reports of the district
    are; a status and a level narrow the list."""
    chair = grant(Role.CHAIR, tree.districts[0])
    submit_report(actor=tree.admin, report=report_of(legal_campaign, tree.primaries[0]))
    on_time = selectors.list_campaign_reports(chair, legal_campaign, on=today())
    assert list(on_time) == []
    after = legal_campaign.deadline + dt.timedelta(days=1)
    late = selectors.list_campaign_reports(chair, legal_campaign, on=after)
    assert [r.unit for r in late] == [tree.districts[0], tree.primaries[1]]
    primary = selectors.list_campaign_reports(
        chair, legal_campaign, level=Level.PRIMARY, status=ReportStatus.SUBMITTED
    )
    assert [r.unit for r in primary] == [tree.primaries[0]]


# --- one report -----------------------------------------------------------------------


def test_a_reports_table_holds_its_unit_and_children_and_the_broken_rules(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """The district's figure adds its own to its schools'; a school breaking a rule has
    the violation; the report's own values are its entries only."""
    district = report_of(legal_campaign, tree.districts[0])
    school = report_of(legal_campaign, tree.primaries[0])
    save_entries(
        actor=tree.admin,
        report=school,
        raw={"violations": "2", "violations_remedied": "3"},
    )
    save_entries(actor=tree.admin, report=district, raw={"violations": "4"})
    children = selectors.list_child_reports(district)
    assert [c.unit for c in children] == tree.primaries[:2]
    table = selectors.compute_report_table(district, children)
    assert table.own["violations"] == Decimal(6)
    assert table.figures[tree.primaries[0].pk]["violations_remedied"] == Decimal(3)
    assert table.violations == []
    school_table = selectors.compute_report_table(school, [])
    assert [v.code for v in school_table.violations] == ["remedied_within_found"]
    assert selectors.report_values(district) == {"violations": Decimal(4)}


def test_the_parent_report_is_given_only_within_scope(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """A district chair reaches the district's report from a school's, not the region's
    from the district's."""
    chair = grant(Role.CHAIR, tree.districts[0])
    school = selectors.access_report(
        chair, report_of(legal_campaign, tree.primaries[0]).pk
    )
    district = selectors.access_report(
        chair, report_of(legal_campaign, tree.districts[0]).pk
    )
    assert selectors.parent_report(chair, school) == district
    assert selectors.parent_report(chair, district) is None


def test_the_trail_is_newest_first(tree: Tree, legal_campaign: Campaign) -> None:
    """The last step comes first."""
    school = report_of(legal_campaign, tree.primaries[0])
    submit_report(actor=tree.admin, report=school)
    approve_report(actor=tree.admin, report=school)
    assert [e.action for e in selectors.list_report_events(school)] == [
        "approved",
        "submitted",
    ]


# --- dynamics -------------------------------------------------------------------------


def test_dynamics_has_a_column_per_year_from_the_registry_and_campaigns(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """Years without a campaign are counted from the registry; formulas are worked out
    for each year."""
    tree.admit(tree.primaries[0], joined_on=dt.date(YEAR - 1, 3, 1))
    campaign = open_for(tree, forms["membership"], YEAR)
    dynamics = selectors.compute_dynamics(
        form=forms["membership"], unit=tree.districts[0], first=YEAR - 2, last=YEAR
    )
    assert [y.year for y in dynamics.years] == [YEAR - 2, YEAR - 1, YEAR]
    assert [y.campaign for y in dynamics.years] == [None, None, campaign]
    assert dynamics.series("members") == [
        (YEAR - 2, Decimal(0)),
        (YEAR - 1, Decimal(1)),
        (YEAR, Decimal(1)),
    ]
    assert dynamics.years[1].figures["coverage"] == Decimal("1.0")


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (2005, 2020, "to"),
        (2021, 2020, "from"),
        (1999, 2003, "from"),
        (2019, today().year + 1, "to"),
    ],
)
def test_dynamics_refuses_a_run_of_years_it_cannot_show(
    tree: Tree, forms: dict[str, ReportForm], first: int, last: int, field: str
) -> None:
    """Too long, reversed, or outside 2000 to this year: refused on the field at
    fault."""
    with pytest.raises(ReportRefusal) as refused:
        selectors.compute_dynamics(
            form=forms["membership"], unit=tree.central, first=first, last=last
        )
    assert refused.value.field == field


def test_the_units_reports_and_children_for_dynamics_are_within_scope(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """Another district's report is not found; below a region, only the user's own
    district is listed."""
    campaign = open_for(tree, forms["legal"])
    chair = grant(Role.CHAIR, tree.districts[0])
    found = selectors.list_unit_reports(chair, tree.districts[0], [campaign])
    assert found == {YEAR: report_of(campaign, tree.districts[0])}
    assert selectors.list_unit_reports(chair, tree.districts[1], [campaign]) == {}
    assert selectors.list_child_units(chair, tree.districts[0]) == tree.primaries[:2]
    assert selectors.list_child_units(chair, tree.regions[0]) == [tree.districts[0]]
