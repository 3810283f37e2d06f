"""The life of a report, step by step, and every refusal of the workflow's services:
opening a campaign, saving figures, submitting, the parent's decisions, reopening."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError, connection

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.orgtree.changes import record_employees
from kasipodaq.orgtree.models import Level, OrgUnit
from kasipodaq.registry.services.organizations import liquidate_organization
from kasipodaq.registry.tests.factories import Tree, grant, make_unit
from kasipodaq.reporting.entries import EntriesRefused
from kasipodaq.reporting.errors import ReportRefusal
from kasipodaq.reporting.figures import compute_figures
from kasipodaq.reporting.layout import layout_of
from kasipodaq.reporting.models import (
    Campaign,
    Report,
    ReportAction,
    ReportEvent,
    ReportForm,
    ReportStatus,
    ReportValue,
    Rule,
)
from kasipodaq.reporting.services.campaigns import (
    create_reports,
    open_campaign,
    report_of,
)
from kasipodaq.reporting.services.forms import create_form, shipped_definitions
from kasipodaq.reporting.services.reports import (
    RulesBroken,
    approve_report,
    figures_of,
    mark_missing,
    reopen_report,
    return_report,
    save_entries,
    submit_report,
)

from .conftest import YEAR, open_for

pytestmark = pytest.mark.django_db
IN_A_MONTH = today() + dt.timedelta(days=30)


@dataclass
class Staff:
    """People who file and decide: a school's chair, two district chairs (the
    school's own and one in the other region), a region chair and an auditor."""

    school: User
    district: User
    other_district: User
    region: User
    auditor: User


@pytest.fixture
def staff(tree: Tree) -> Staff:
    return Staff(
        school=grant(Role.PRIMARY_CHAIR, tree.primaries[0]),
        district=grant(Role.CHAIR, tree.districts[0]),
        other_district=grant(Role.CHAIR, tree.districts[2]),
        region=grant(Role.CHAIR, tree.regions[0]),
        auditor=grant(Role.AUDITOR, tree.regions[0]),
    )


def report_at(campaign: Campaign, unit: OrgUnit) -> Report:
    return Report.objects.get(campaign=campaign, unit=unit)


def status_of(report: Report) -> str:
    return Report.objects.get(pk=report.pk).status


def events_of(report: Report) -> list[str]:
    return list(
        ReportEvent.objects.filter(report=report)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def numbers_of(report: Report) -> dict[str, Decimal | None]:
    return dict(
        ReportValue.objects.filter(report=report).values_list(
            "indicator__code", "number"
        )
    )


def submitted_and_approved(actor: Any, report: Report) -> Report:
    """The report submitted, then approved, by a user of the organization above."""
    submit_report(actor=actor, report=report)
    return approve_report(actor=actor, report=report)


# Opening a campaign


def test_a_campaign_asks_every_reporting_organization_for_a_draft(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """Every active central, regional, district and primary organization gets one
    draft report; union groups report through their primary, closed units not."""
    group = make_unit(tree.primaries[0], Level.GROUP)
    closed = make_unit(tree.districts[0], Level.PRIMARY)
    liquidate_organization(actor=tree.admin, unit=closed, on=today())

    campaign = open_for(tree, forms["membership"])

    units = set(Report.objects.filter(campaign=campaign).values_list("unit", flat=True))
    expected = {tree.central, *tree.regions, *tree.districts, *tree.primaries}
    assert units == {unit.pk for unit in expected}
    assert group.pk not in units and closed.pk not in units
    assert set(
        Report.objects.filter(campaign=campaign).values_list("status", flat=True)
    ) == {ReportStatus.DRAFT}
    assert campaign.version.is_published
    assert campaign.as_of == dt.date(YEAR + 1, 1, 1)
    assert campaign.opened_by == tree.admin


def test_only_the_centre_opens_a_campaign(
    tree: Tree, forms: dict[str, ReportForm], staff: Staff
) -> None:
    for actor in (staff.region, staff.district, staff.school, None):
        with pytest.raises(PermissionRefused):
            open_campaign(
                actor=actor, form=forms["membership"], year=YEAR, deadline=IN_A_MONTH
            )
    assert not Campaign.objects.exists()
    assert not Report.objects.exists()


def test_a_second_campaign_of_the_same_form_and_year_is_refused(
    tree: Tree, membership_campaign: Campaign
) -> None:
    reports = Report.objects.count()
    with pytest.raises(ReportRefusal) as refused:
        open_for(tree, membership_campaign.form, YEAR)
    assert refused.value.field == "year"
    assert Campaign.objects.count() == 1
    assert Report.objects.count() == reports


@pytest.mark.parametrize("year", [today().year + 1, 1999])
def test_a_campaign_for_a_future_or_too_early_year_is_refused(
    tree: Tree, forms: dict[str, ReportForm], year: int
) -> None:
    with pytest.raises(ReportRefusal) as refused:
        open_for(tree, forms["membership"], year)
    assert refused.value.field == "year"
    assert not Campaign.objects.exists()


def test_the_current_year_can_be_collected(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """The report of the running year describes 1 January of the next."""
    campaign = open_for(tree, forms["membership"], today().year)
    assert campaign.as_of == dt.date(today().year + 1, 1, 1)


def test_a_deadline_in_the_past_is_refused(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    with pytest.raises(ReportRefusal) as refused:
        open_campaign(
            actor=tree.admin,
            form=forms["membership"],
            year=YEAR,
            deadline=today() - dt.timedelta(days=1),
        )
    assert refused.value.field == "deadline"
    assert not Campaign.objects.exists()


def test_a_deadline_of_today_is_accepted(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    campaign = open_campaign(
        actor=tree.admin, form=forms["legal"], year=YEAR, deadline=today()
    )
    assert campaign.deadline == today()


def test_a_form_without_a_published_version_cannot_be_collected(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    definition = next(d for d in shipped_definitions() if d["code"] == "legal")
    definition["code"] = "legal_draft"
    draft = create_form(definition)
    assert not draft.is_published
    with pytest.raises(ReportRefusal) as refused:
        open_for(tree, draft.form)
    assert refused.value.field == "form"
    assert not Campaign.objects.exists()


# Saving figures


def test_the_school_saves_its_figures_and_a_blank_clears_one(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    save_entries(
        actor=staff.school,
        report=report,
        raw={"appeals": "1 234", "recovered_amount": "1\u00a0500,50"},
    )
    assert numbers_of(report) == {
        "appeals": Decimal(1234),
        "recovered_amount": Decimal("1500.50"),
    }
    save_entries(actor=staff.school, report=report, raw={"appeals": " "})
    assert numbers_of(report) == {"recovered_amount": Decimal("1500.50")}
    assert events_of(report) == [ReportAction.SAVED, ReportAction.SAVED]
    actors = ReportEvent.objects.filter(report=report).values_list("actor", flat=True)
    assert set(actors) == {staff.school.pk}


def test_saving_needs_the_right_to_fill_in_the_unit(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    """Another school's chair, another district's chair and an auditor (who may
    only read) are refused; the school's own district may fill it in."""
    report = report_at(legal_campaign, tree.primaries[0])
    neighbour = grant(Role.PRIMARY_CHAIR, tree.primaries[1])
    for actor in (neighbour, staff.other_district, staff.auditor, None):
        with pytest.raises(PermissionRefused):
            save_entries(actor=actor, report=report, raw={"appeals": "3"})
    assert numbers_of(report) == {}
    assert events_of(report) == []
    save_entries(actor=staff.district, report=report, raw={"appeals": "3"})
    assert numbers_of(report) == {"appeals": 3}


@pytest.mark.parametrize(
    "status", [ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.MISSING]
)
def test_a_locked_report_cannot_be_changed(
    tree: Tree, legal_campaign: Campaign, staff: Staff, status: ReportStatus
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    save_entries(actor=staff.school, report=report, raw={"appeals": "3"})
    Report.objects.filter(pk=report.pk).update(status=status)
    with pytest.raises(ReportRefusal) as refused:
        save_entries(actor=tree.admin, report=report, raw={"appeals": "4"})
    assert refused.value.code == "locked"
    assert numbers_of(report) == {"appeals": 3}
    assert events_of(report) == [ReportAction.SAVED]


def test_bad_figures_leave_nothing_saved(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    """One figure that cannot be read refuses them all, and says which."""
    report = report_at(legal_campaign, tree.primaries[0])
    save_entries(actor=staff.school, report=report, raw={"appeals": "3"})
    with pytest.raises(EntriesRefused) as refused:
        save_entries(
            actor=staff.school,
            report=report,
            raw={"appeals": "7", "consultations": "-1", "members": "5"},
        )
    assert set(refused.value.errors) == {"consultations", "members"}
    assert numbers_of(report) == {"appeals": 3}
    assert events_of(report) == [ReportAction.SAVED]


# Submitting


def test_submitting_waits_for_the_reports_below_and_names_them(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    district = report_at(legal_campaign, tree.districts[0])
    with pytest.raises(ReportRefusal) as refused:
        submit_report(actor=staff.district, report=district)
    assert refused.value.code == "children_unsettled"
    assert "Школа 000" in str(refused.value)
    assert "Школа 001" in str(refused.value)
    assert status_of(district) == ReportStatus.DRAFT

    submitted_and_approved(staff.district, report_at(legal_campaign, tree.primaries[0]))
    with pytest.raises(ReportRefusal) as refused:
        submit_report(actor=staff.district, report=district)
    assert "Школа 000" not in str(refused.value)
    assert "Школа 001" in str(refused.value)

    mark_missing(
        actor=staff.district,
        report=report_at(legal_campaign, tree.primaries[1]),
        comment="Closed for repairs",
    )
    submit_report(actor=staff.district, report=district)
    assert status_of(district) == ReportStatus.SUBMITTED
    assert events_of(district) == [ReportAction.SUBMITTED]


def test_a_figure_breaking_a_rule_is_refused_with_the_rules_message(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    save_entries(
        actor=staff.school,
        report=report,
        raw={"disputes_won": "5", "disputes_court": "2", "disputes_conciliation": "1"},
    )
    with pytest.raises(RulesBroken) as refused:
        submit_report(actor=staff.school, report=report)
    rule = Rule.objects.get(version=legal_campaign.version, code="won_within_disputes")
    assert str(refused.value) == rule.message
    [violation] = refused.value.violations
    assert (violation.code, violation.left, violation.right) == (
        "won_within_disputes",
        5,
        3,
    )
    assert status_of(report) == ReportStatus.DRAFT
    assert events_of(report) == [ReportAction.SAVED]
    assert Report.objects.get(pk=report.pk).submitted_at is None


def test_a_registry_figure_breaking_a_rule_is_refused_too(
    tree: Tree, membership_campaign: Campaign, staff: Staff
) -> None:
    """More working members than employees: the organization must record its
    employees before the report can go."""
    school = tree.primaries[0]
    record_employees(unit=school, counted_on=dt.date(2025, 6, 1), employees=1)
    tree.admit(school)
    tree.admit(school)
    report = report_at(membership_campaign, school)
    with pytest.raises(RulesBroken) as refused:
        submit_report(actor=staff.school, report=report)
    assert [v.code for v in refused.value.violations] == ["working_within_employees"]
    assert status_of(report) == ReportStatus.DRAFT
    assert numbers_of(report) == {}


def test_registry_figures_are_frozen_on_submit_and_released_on_return(
    tree: Tree, membership_campaign: Campaign, staff: Staff
) -> None:
    """A member admitted (back-dated) after the school submitted does not change
    the submitted report; the district's own figure counts it; once returned, the
    school's report counts it too."""
    school = tree.primaries[0]
    tree.admit(school)
    report = report_at(membership_campaign, school)
    submit_report(actor=staff.school, report=report)
    assert numbers_of(report)["members"] == 1
    assert numbers_of(report)["employees"] == 50

    tree.admit(school, joined_on=dt.date(2025, 3, 1))
    assert figures_of(report)["members"] == 1
    assert figures_of(report)["coverage"] == Decimal("2.0")
    layout = layout_of(membership_campaign.version)
    found = compute_figures(membership_campaign, layout, [tree.districts[0], school])
    assert found[school.pk]["members"] == 1
    assert found[tree.districts[0].pk]["members"] == 2

    return_report(actor=staff.district, report=report, comment="Count again")
    assert numbers_of(report) == {}
    assert figures_of(report)["members"] == 2
    assert figures_of(report)["coverage"] == Decimal("4.0")


def test_a_submitted_report_is_locked_with_its_time(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=staff.school, report=report)
    stored = Report.objects.get(pk=report.pk)
    assert stored.status == ReportStatus.SUBMITTED
    assert not stored.is_editable
    assert stored.submitted_at is not None


def test_the_root_report_is_approved_when_submitted(
    tree: Tree, membership_campaign: Campaign
) -> None:
    """Nobody stands above the central committee to approve its report."""
    for region in tree.regions:
        mark_missing(
            actor=tree.admin,
            report=report_at(membership_campaign, region),
            comment="No report this year",
        )
    central = report_at(membership_campaign, tree.central)
    submit_report(actor=tree.admin, report=central)
    assert status_of(central) == ReportStatus.APPROVED
    assert numbers_of(central)["primary_orgs"] == 8


def test_a_second_submit_is_refused(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    """The second of two submits made with the same stale copy finds the report
    locked: the workflow re-reads the row under a lock before each step."""
    report = report_at(legal_campaign, tree.primaries[0])
    stale = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=staff.school, report=report)
    with pytest.raises(ReportRefusal) as refused:
        submit_report(actor=staff.school, report=stale)
    assert refused.value.code == "locked"
    assert events_of(report) == [ReportAction.SUBMITTED]


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_submit_once(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """Two sessions submitting the same report at once: the row lock makes the
    second wait for the first and then find the report locked."""
    campaign = open_for(tree, forms["legal"])
    report = report_at(campaign, tree.primaries[0])
    chair = grant(Role.PRIMARY_CHAIR, tree.primaries[0])
    outcomes = race(2, lambda: submit_report(actor=chair, report=report))
    assert sorted(outcome for outcome in outcomes) == ["locked", "submitted"]
    assert events_of(report) == [ReportAction.SUBMITTED]
    assert status_of(report) == ReportStatus.SUBMITTED


def race(count: int, step: Callable[[], Any]) -> list[str]:
    """Run `step` in `count` threads released together; each one's outcome: the
    report's status, or the code of its refusal.

    On PostgreSQL the second waits on the row lock. SQLite's shared in-memory test
    database answers "table is locked" at once where a database file waits for
    the writer (busy_timeout): there the step, rolled back whole, is tried again.
    """
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> str:
        for _ in range(200):
            try:
                return str(step().status)
            except ReportRefusal as refused:
                return refused.code
            except OperationalError as error:
                if connection.vendor != "sqlite" or "locked" not in str(error):
                    raise
                time.sleep(0.01)
        return "timed out"

    def run() -> None:
        try:
            barrier.wait()
            outcome = attempt()
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


# Decisions of the organization above


def test_the_district_approves_its_schools_report(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=staff.school, report=report)
    approve_report(actor=staff.district, report=report)
    assert status_of(report) == ReportStatus.APPROVED
    assert events_of(report) == [ReportAction.SUBMITTED, ReportAction.APPROVED]


def test_a_school_cannot_approve_its_own_report(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=staff.school, report=report)
    for decide in deciding(comment="Fine"):
        with pytest.raises(ReportRefusal) as refused:
            decide(staff.school, report)
        assert refused.value.code == "forbidden"
    assert status_of(report) == ReportStatus.SUBMITTED


def deciding(comment: str) -> list[Callable[[Any, Report], Report]]:
    """The three decisions of a parent, each as f(actor, report)."""
    return [
        lambda actor, report: approve_report(actor=actor, report=report),
        lambda actor, report: return_report(
            actor=actor, report=report, comment=comment
        ),
        lambda actor, report: mark_missing(actor=actor, report=report, comment=comment),
    ]


def test_another_districts_chair_cannot_decide(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=staff.school, report=report)
    for decide in deciding(comment="Fine"):
        with pytest.raises(ReportRefusal):
            decide(staff.other_district, report)
    assert status_of(report) == ReportStatus.SUBMITTED
    assert events_of(report) == [ReportAction.SUBMITTED]


def test_a_district_cannot_decide_on_its_own_report_but_its_region_can(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    for school in tree.primaries[:2]:
        submitted_and_approved(staff.district, report_at(legal_campaign, school))
    district = report_at(legal_campaign, tree.districts[0])
    submit_report(actor=staff.district, report=district)
    for decide in deciding(comment="Fine"):
        with pytest.raises(ReportRefusal) as refused:
            decide(staff.district, district)
        assert refused.value.code == "forbidden"
    approve_report(actor=staff.region, report=district)
    assert status_of(district) == ReportStatus.APPROVED


def test_the_region_may_decide_on_a_schools_report_below_its_districts(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[1])
    submit_report(actor=tree.admin, report=report)
    return_report(actor=staff.region, report=report, comment="Missing a page")
    assert status_of(report) == ReportStatus.RETURNED


def test_the_auditor_who_only_reads_cannot_decide(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=staff.school, report=report)
    with pytest.raises(ReportRefusal):
        approve_report(actor=staff.auditor, report=report)
    assert status_of(report) == ReportStatus.SUBMITTED


def test_only_a_submitted_report_can_be_approved(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    with pytest.raises(ReportRefusal):
        approve_report(actor=staff.district, report=report)
    submitted_and_approved(staff.district, report)
    with pytest.raises(ReportRefusal):
        approve_report(actor=staff.district, report=report)
    assert events_of(report) == [ReportAction.SUBMITTED, ReportAction.APPROVED]


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_returning_or_marking_missing_needs_a_comment(
    tree: Tree, legal_campaign: Campaign, staff: Staff, comment: str
) -> None:
    submitted = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=staff.school, report=submitted)
    with pytest.raises(ReportRefusal) as refused:
        return_report(actor=staff.district, report=submitted, comment=comment)
    assert refused.value.field == "comment"
    draft = report_at(legal_campaign, tree.primaries[1])
    with pytest.raises(ReportRefusal) as refused:
        mark_missing(actor=staff.district, report=draft, comment=comment)
    assert refused.value.field == "comment"
    assert status_of(submitted) == ReportStatus.SUBMITTED
    assert status_of(draft) == ReportStatus.DRAFT


def test_a_returned_report_comes_back_with_its_comment_and_can_be_resubmitted(
    tree: Tree,
    legal_campaign: Campaign,
    staff: Staff,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    save_entries(actor=staff.school, report=report, raw={"appeals": "3"})
    submit_report(actor=staff.school, report=report)
    with django_capture_on_commit_callbacks() as callbacks:
        return_report(actor=staff.district, report=report, comment="  Appeals are 4  ")
    assert len(callbacks) == 1  # the message to the school, after the commit
    stored = Report.objects.get(pk=report.pk)
    assert (stored.status, stored.comment) == (ReportStatus.RETURNED, "Appeals are 4")
    assert stored.submitted_at is None
    event = ReportEvent.objects.filter(report=report).first()
    assert event is not None
    assert (event.action, event.actor, event.comment) == (
        ReportAction.RETURNED,
        staff.district,
        "Appeals are 4",
    )

    save_entries(actor=staff.school, report=report, raw={"appeals": "4"})
    submit_report(actor=staff.school, report=report)
    approve_report(actor=staff.district, report=report)
    stored = Report.objects.get(pk=report.pk)
    assert (stored.status, stored.comment) == (ReportStatus.APPROVED, "")
    assert numbers_of(report) == {"appeals": 4}


def test_only_a_submitted_or_approved_report_can_be_returned(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    with pytest.raises(ReportRefusal):
        return_report(actor=staff.district, report=report, comment="Why")
    mark_missing(actor=staff.district, report=report, comment="Not coming")
    with pytest.raises(ReportRefusal):
        return_report(actor=staff.district, report=report, comment="Why")
    assert status_of(report) == ReportStatus.MISSING

    other = report_at(legal_campaign, tree.primaries[1])
    submitted_and_approved(staff.district, other)
    return_report(actor=staff.district, report=other, comment="One more look")
    assert status_of(other) == ReportStatus.RETURNED


def test_a_submitted_report_cannot_be_marked_missing(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    submit_report(actor=staff.school, report=report)
    with pytest.raises(ReportRefusal) as refused:
        mark_missing(actor=staff.district, report=report, comment="Late")
    assert refused.value.code == "locked"
    assert status_of(report) == ReportStatus.SUBMITTED


def test_a_missing_report_is_settled_with_its_comment(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    mark_missing(actor=staff.district, report=report, comment="School closed")
    stored = Report.objects.get(pk=report.pk)
    assert (stored.status, stored.comment) == (ReportStatus.MISSING, "School closed")
    assert events_of(report) == [ReportAction.MARKED_MISSING]


def test_decisions_stop_once_the_parents_report_is_submitted(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    """The district's report includes its schools': while it is submitted, a
    school's report cannot be returned, nor one of a school opened since approved."""
    schools = [report_at(legal_campaign, unit) for unit in tree.primaries[:2]]
    for report in schools:
        submitted_and_approved(staff.district, report)
    district = report_at(legal_campaign, tree.districts[0])
    submit_report(actor=staff.district, report=district)

    with pytest.raises(ReportRefusal) as refused:
        return_report(actor=staff.district, report=schools[0], comment="Wrong")
    assert refused.value.code == "parent_locked"
    assert status_of(schools[0]) == ReportStatus.APPROVED

    opened = make_unit(tree.districts[0], Level.PRIMARY, opened_on=today())
    late = report_of(legal_campaign, opened)
    assert late is not None
    submit_report(actor=tree.admin, report=late)
    with pytest.raises(ReportRefusal) as refused:
        approve_report(actor=staff.district, report=late)
    assert refused.value.code == "parent_locked"
    with pytest.raises(ReportRefusal) as refused:
        return_report(actor=staff.district, report=late, comment="Wrong")
    assert refused.value.code == "parent_locked"
    assert status_of(late) == ReportStatus.SUBMITTED

    # Once the region returns the district's report, the decisions are open again.
    return_report(actor=staff.region, report=district, comment="A school is new")
    approve_report(actor=staff.district, report=late)
    assert status_of(late) == ReportStatus.APPROVED


# Reopening by the centre


def settled_region(campaign: Campaign, tree: Tree, staff: Staff) -> dict[str, Report]:
    """The first region's report submitted over its approved first district
    (whose schools are approved) and its second district marked missing."""
    reports = {
        "school": report_at(campaign, tree.primaries[0]),
        "neighbour": report_at(campaign, tree.primaries[1]),
        "district": report_at(campaign, tree.districts[0]),
        "other_district": report_at(campaign, tree.districts[1]),
        "region": report_at(campaign, tree.regions[0]),
    }
    submitted_and_approved(staff.district, reports["school"])
    submitted_and_approved(staff.district, reports["neighbour"])
    submit_report(actor=staff.district, report=reports["district"])
    approve_report(actor=staff.region, report=reports["district"])
    mark_missing(actor=staff.region, report=reports["other_district"], comment="Gone")
    submit_report(actor=staff.region, report=reports["region"])
    return reports


def test_reopening_opens_the_report_and_every_locked_report_above_it(
    tree: Tree, membership_campaign: Campaign, staff: Staff
) -> None:
    """Each reopened report goes back to draft, lets its frozen registry figures
    go, and gets an entry in its trail and in the audit trail."""
    reports = settled_region(membership_campaign, tree, staff)
    assert numbers_of(reports["district"])

    reopened = reopen_report(
        actor=tree.admin, report=reports["school"], comment="Figures were wrong"
    )

    expected = [reports["school"], reports["district"], reports["region"]]
    assert [r.pk for r in reopened] == [r.pk for r in expected]
    for report in expected:
        stored = Report.objects.get(pk=report.pk)
        assert (stored.status, stored.comment) == (
            ReportStatus.DRAFT,
            "Figures were wrong",
        )
        assert numbers_of(report) == {}
        event = ReportEvent.objects.filter(report=report).first()
        assert event is not None
        assert (event.action, event.actor, event.comment) == (
            ReportAction.REOPENED,
            tree.admin,
            "Figures were wrong",
        )
    audit = AuditEvent.objects.filter(action=AuditAction.REPORT_REOPENED)
    reopened_by = getattr(tree.admin, "pk", None)
    assert len(audit) == len(expected)
    assert set(audit.values_list("object_id", flat=True)) == {r.pk for r in expected}
    assert {(e.object_type, e.actor_id, e.note) for e in audit} == {
        ("report", reopened_by, "Figures were wrong")
    }
    assert status_of(reports["neighbour"]) == ReportStatus.APPROVED
    assert status_of(reports["other_district"]) == ReportStatus.MISSING


def test_only_the_centre_reopens(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    reports = settled_region(legal_campaign, tree, staff)
    for actor in (staff.region, staff.district, staff.school):
        with pytest.raises(PermissionRefused):
            reopen_report(actor=actor, report=reports["school"], comment="Again")
    assert status_of(reports["school"]) == ReportStatus.APPROVED
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_REOPENED).exists()


def test_reopening_needs_a_comment_and_a_locked_report(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    with pytest.raises(ReportRefusal):
        reopen_report(actor=tree.admin, report=report, comment="Again")
    submit_report(actor=staff.school, report=report)
    with pytest.raises(ReportRefusal) as refused:
        reopen_report(actor=tree.admin, report=report, comment=" ")
    assert refused.value.field == "comment"
    assert status_of(report) == ReportStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_REOPENED).exists()


def test_a_missing_report_can_be_reopened(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    report = report_at(legal_campaign, tree.primaries[0])
    mark_missing(actor=staff.district, report=report, comment="Not coming")
    reopen_report(actor=tree.admin, report=report, comment="It came after all")
    assert status_of(report) == ReportStatus.DRAFT
    save_entries(actor=staff.school, report=report, raw={"appeals": "2"})


# Organizations opened after the campaign


def test_an_organization_opened_after_the_campaign_gets_a_report(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    """Opening it asks it for the running campaigns' reports at once."""
    opened = make_unit(tree.districts[0], Level.PRIMARY, opened_on=today())
    assert Report.objects.filter(campaign=legal_campaign, unit=opened).exists()
    report = report_of(legal_campaign, opened)
    assert report is not None
    assert (report.unit, report.status) == (opened, ReportStatus.DRAFT)
    assert report_of(legal_campaign, opened) == report
    assert create_reports(legal_campaign) == 0


def test_create_reports_fills_in_the_organizations_opened_since(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """Units an import opens, without asking, get their reports from it."""
    first = make_unit(tree.districts[0], Level.PRIMARY, opened_on=today())
    second = make_unit(tree.districts[1], Level.PRIMARY, opened_on=today())
    make_unit(first, Level.GROUP, opened_on=today())
    Report.objects.filter(campaign=legal_campaign, unit__in=[first, second]).delete()
    assert create_reports(legal_campaign) == 2
    assert create_reports(legal_campaign) == 0
    for unit in (first, second):
        assert report_at(legal_campaign, unit).status == ReportStatus.DRAFT


def test_a_group_or_a_closed_unit_gets_no_report(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    closed = make_unit(tree.districts[0], Level.PRIMARY, opened_on=dt.date(2024, 1, 1))
    liquidate_organization(actor=tree.admin, unit=closed, on=dt.date(2024, 6, 1))
    legal_campaign = open_for(tree, forms["legal"])
    group = make_unit(tree.primaries[0], Level.GROUP, opened_on=today())
    assert report_of(legal_campaign, group) is None
    assert report_of(legal_campaign, OrgUnit.objects.get(pk=closed.pk)) is None


def test_a_parent_waits_for_an_organization_opened_since(
    tree: Tree, legal_campaign: Campaign, staff: Staff
) -> None:
    """The district cannot submit over a school opened after the campaign began
    whose report is still a draft, although nobody asked for that report yet."""
    for school in tree.primaries[:2]:
        submitted_and_approved(staff.district, report_at(legal_campaign, school))
    opened = make_unit(
        tree.districts[0], Level.PRIMARY, name="Новая школа", opened_on=today()
    )
    district = report_at(legal_campaign, tree.districts[0])
    with pytest.raises(ReportRefusal) as refused:
        submit_report(actor=staff.district, report=district)
    assert "Новая школа" in str(refused.value)
    assert status_of(district) == ReportStatus.DRAFT
    late = report_of(legal_campaign, opened)
    assert late is not None
    mark_missing(actor=staff.district, report=late, comment="Opened since")
    submit_report(actor=staff.district, report=district)
    assert status_of(district) == ReportStatus.SUBMITTED
