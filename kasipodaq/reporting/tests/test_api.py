"""/api/v1/reports: forms, campaigns, a campaign's reports, one report's figures,
entering figures and every step of the workflow, with every refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.api.tests.client import ApiClient, api_as
from kasipodaq.api.v1 import api
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.registry.tests.factories import Tree, UserFactory, grant
from kasipodaq.reporting.api import ReportingLevel
from kasipodaq.reporting.models import (
    Campaign,
    Report,
    ReportEvent,
    ReportForm,
    ReportStatus,
    ReportValue,
)
from kasipodaq.reporting.services.campaigns import REPORTING_LEVELS
from kasipodaq.reporting.services.forms import open_draft_version, publish_version
from kasipodaq.reporting.services.reports import (
    approve_report,
    save_entries,
    submit_report,
)

from .conftest import YEAR, open_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_of_the_next_test() -> Iterator[None]:
    """A request activates the language it asks for in this thread; the tests
    after these find the default one again."""
    yield
    translation.deactivate()


@dataclass
class Staff:
    """A school's chair, its district's chair, a chair of a district of the other
    region, and an auditor of the school's region (who reads, and no more)."""

    school: User
    district: User
    other_district: User
    auditor: User


@pytest.fixture
def staff(tree: Tree) -> Staff:
    return Staff(
        school=grant(Role.PRIMARY_CHAIR, tree.primaries[0]),
        district=grant(Role.CHAIR, tree.districts[0]),
        other_district=grant(Role.CHAIR, tree.districts[2]),
        auditor=grant(Role.AUDITOR, tree.regions[0]),
    )


def report_at(campaign: Campaign, unit: Any) -> Report:
    return Report.objects.get(campaign=campaign, unit=unit)


def snapshot(*reports: Report) -> list[Any]:
    """Everything a call could change about the reports: status, comment,
    figures and trail."""
    return [
        (
            Report.objects.filter(pk=r.pk).values_list("status", "comment").get(),
            sorted(
                ReportValue.objects.filter(report=r).values_list(
                    "indicator__code", "number", "text"
                )
            ),
            ReportEvent.objects.filter(report=r).count(),
        )
        for r in reports
    ]


def submitted(tree: Tree, report: Report) -> Report:
    return submit_report(actor=tree.admin, report=report)


# Forms and campaigns


def test_the_forms_list_their_latest_published_version(
    tree: Tree, staff: Staff
) -> None:
    """Each form with its codes, names and the version campaigns collect now; a
    draft does not count until it is published."""
    legal = ReportForm.objects.get(code="legal")
    draft = open_draft_version(actor=tree.admin, form=legal)
    caller = api_as(staff.school)
    body = caller.get("/reports/forms").json()
    assert [f["code"] for f in body] == [
        "membership",
        "partnership",
        "legal",
        "safety",
        "training",
        "information",
    ]
    by_code = {f["code"]: f for f in body}
    assert by_code["legal"]["name"] == "Legal protection"
    assert by_code["legal"]["name_kk"] == "Құқық қорғау жұмысы"
    assert by_code["legal"]["latest_version"]["number"] == 1

    publish_version(actor=tree.admin, version=draft)
    latest = caller.get("/reports/forms").json()[2]["latest_version"]
    assert latest == {
        "id": draft.pk,
        "number": 2,
        "published_at": latest["published_at"],
    }
    assert latest["published_at"]


def test_a_user_without_rights_on_reports_sees_no_form_or_campaign(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """A token of a user with no role answers empty lists, and 404 for a campaign."""
    caller = api_as(UserFactory.create())
    assert caller.get("/reports/forms").json() == []
    assert caller.get("/reports/campaigns").json()["count"] == 0
    assert caller.get(
        f"/reports/campaigns/{legal_campaign.pk}/reports"
    ).status_code == (404)


def test_the_campaigns_page_by_page(
    tree: Tree, staff: Staff, forms: dict[str, ReportForm]
) -> None:
    """Newest year first, filtered by form and year, a page at a time."""
    legal = open_for(tree, forms["legal"])
    open_for(tree, forms["legal"], year=YEAR - 1)
    membership = open_for(tree, forms["membership"])
    caller = api_as(staff.school)
    body = caller.get("/reports/campaigns").json()
    assert body["count"] == 3
    assert [c["id"] for c in body["items"]][:2] == [membership.pk, legal.pk]
    assert body["items"][1] == {
        "id": legal.pk,
        "form": "legal",
        "form_name": "Legal protection",
        "version": 1,
        "year": YEAR,
        "as_of": f"{YEAR + 1}-01-01",
        "deadline": legal.deadline.isoformat(),
    }
    assert caller.get("/reports/campaigns", form="legal").json()["count"] == 2
    assert caller.get("/reports/campaigns", year=YEAR - 1).json()["count"] == 1
    page = caller.get("/reports/campaigns", limit=1, offset=1).json()
    assert page["count"] == 3
    assert [c["id"] for c in page["items"]] == [legal.pk]


def test_a_campaigns_reports_are_those_in_scope(
    tree: Tree,
    staff: Staff,
    legal_campaign: Campaign,
    django_assert_max_num_queries: Any,
) -> None:
    """A district chair lists the district and its schools, in the order of the
    tree, filtered by status and level; the queries do not grow with the rows."""
    url = f"/reports/campaigns/{legal_campaign.pk}/reports"
    caller = api_as(staff.district)
    with django_assert_max_num_queries(6):
        body = caller.get(url).json()
    district, school, other = tree.districts[0], tree.primaries[0], tree.primaries[1]
    assert body["count"] == 3
    assert [r["unit"]["id"] for r in body["items"]] == [
        district.pk,
        school.pk,
        other.pk,
    ]
    assert body["items"][1]["unit"] == {
        "id": school.pk,
        "code": school.code,
        "name": school.name_ru,
        "level": "primary",
        "parent_id": district.pk,
    }
    assert body["items"][1]["status"] == "draft"

    submitted(tree, report_at(legal_campaign, school))
    only = caller.get(url, status="submitted").json()
    assert [r["unit"]["id"] for r in only["items"]] == [school.pk]
    assert caller.get(url, level="district").json()["count"] == 1
    assert caller.get(url, status="late").json()["count"] == 0  # before the deadline
    assert caller.get(url, status="closed").status_code == 422
    centre = api_as(tree.admin)
    assert centre.get(url).json()["count"] == 15
    with django_assert_max_num_queries(6):
        assert centre.get(url, limit=500).status_code == 200


def test_the_reporting_levels_of_the_filter_are_the_campaigns() -> None:
    """The level filter offers exactly the levels that file reports."""
    assert {level.value for level in ReportingLevel} == set(REPORTING_LEVELS)


def test_an_unknown_campaign_is_404(tree: Tree, legal_campaign: Campaign) -> None:
    """A campaign id that exists nowhere: 404."""
    response = api_as(tree.admin).get(
        f"/reports/campaigns/{legal_campaign.pk + 99}/reports"
    )
    assert response.status_code == 404


# One report


def test_a_report_shows_its_figures_by_code(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """Unit, status, comment and every indicator of the form: entered figures as
    typed and added up from below, texts, nulls where nothing was entered, and
    the rules the figures break now."""
    school = report_at(legal_campaign, tree.primaries[0])
    district = report_at(legal_campaign, tree.districts[0])
    save_entries(
        actor=tree.admin,
        report=school,
        raw={"appeals": "12", "recovered_amount": "1 500,50", "disputes_won": "2"},
    )
    save_entries(actor=tree.admin, report=district, raw={"appeals": 3})
    body = api_as(staff.school).get(f"/reports/{school.pk}").json()
    assert body["unit"]["id"] == tree.primaries[0].pk
    assert body["campaign"]["form"] == "legal"
    assert body["status"] == "draft"
    assert body["editable"] is True
    assert body["comment"] == ""
    figures = body["figures"]
    assert len(figures) == 11
    assert figures["appeals"] == 12
    assert figures["recovered_amount"] == 1500.5
    assert figures["lawyers"] is None
    assert body["broken_rules"] == [
        {
            "code": "won_within_disputes",
            "message": (
                "Disputes decided for the workers cannot outnumber all disputes."
            ),
        }
    ]
    up = api_as(staff.district).get(f"/reports/{district.pk}").json()
    assert up["figures"]["appeals"] == 15


def test_registry_figures_are_counted_as_of_the_campaign_date(
    tree: Tree, staff: Staff, membership_campaign: Campaign
) -> None:
    """The membership form's figures come from the registry on 1 January after
    the year, percentages with their decimals."""
    school = tree.primaries[0]
    tree.admit(school, birth_date=dt.date(1999, 3, 1))
    tree.admit(school, joined_on=dt.date(2026, 2, 1))  # after the date
    report = report_at(membership_campaign, school)
    figures = api_as(staff.school).get(f"/reports/{report.pk}").json()["figures"]
    assert figures["members"] == 1
    assert figures["employees"] == 50
    assert figures["coverage"] == 2.0
    assert figures["women_share"] == 100


def test_every_report_operation_about_another_district_is_404(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """Each operation of the schema on a report, asked by a district chair about
    a report outside the district (the neighbour school, the other region's, the
    region and the centre above): 404 with the body of an id that exists
    nowhere, and nothing changes."""
    outside = [
        report_at(legal_campaign, unit)
        for unit in (
            tree.primaries[2],
            tree.primaries[4],
            tree.districts[2],
            tree.regions[0],
            tree.central,
        )
    ]
    for report in outside[:2]:
        submitted(tree, report)
    missing_id = max(r.pk for r in Report.objects.all()) + 1000
    caller = api_as(staff.district)
    operations = _report_operations()
    assert len(operations) == 7
    before = snapshot(*outside)
    for method, path in operations:
        unknown = _call(caller, method, path, missing_id)
        assert unknown.status_code == 404, path
        for report in outside:
            response = _call(caller, method, path, report.pk)
            assert response.status_code == 404, (path, report.unit)
            assert response.json() == unknown.json()
    assert snapshot(*outside) == before


def _report_operations() -> list[tuple[str, str]]:
    """The operations of the schema whose path names a report."""
    schema = api.get_openapi_schema(path_prefix="/")
    return [
        (method.upper(), path.removeprefix("/reports"))
        for path, methods in schema["paths"].items()
        if path.startswith("/reports/{id}")
        for method in methods
    ]


def _call(caller: ApiClient, method: str, path: str, pk: int) -> Any:
    url = "/api/v1/reports" + path.replace("{id}", str(pk))
    if method == "GET":
        return caller.client.get(url)
    body = '{"appeals": 1}' if path.endswith("/entries") else '{"comment": "why"}'
    return caller.client.generic(method, url, body, content_type="application/json")


# Entering figures


def test_figures_are_entered_by_code(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """Numbers, typed numbers and null are stored; those left out keep theirs."""
    report = report_at(legal_campaign, tree.primaries[0])
    caller = api_as(staff.school)
    url = f"/api/v1/reports/{report.pk}/entries"

    def put(body: Any) -> Any:
        return caller.client.put(url, body, content_type="application/json")

    response = put({"appeals": 7, "consultations": "1 234", "recovered_amount": 10.5})
    assert response.status_code == 200, response.content
    assert response.json()["figures"]["consultations"] == 1234
    response = put({"appeals": None, "lawyers": "2"})
    figures = response.json()["figures"]
    assert figures["appeals"] is None
    assert figures["consultations"] == 1234
    assert figures["lawyers"] == 2
    assert ReportValue.objects.filter(report=report).count() == 3
    assert ReportEvent.objects.filter(report=report, action="saved").count() == 2


def test_figures_that_cannot_be_read_are_refused_each_by_code(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """422 naming each faulty code with why; none of the figures is stored."""
    report = report_at(legal_campaign, tree.primaries[0])
    save_entries(actor=tree.admin, report=report, raw={"appeals": "5"})
    before = snapshot(report)
    response = api_as(staff.school).client.put(
        f"/api/v1/reports/{report.pk}/entries",
        {"appeals": "9", "lawyers": -1, "inspections": "1,5", "members": 3, "x": 1},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Correct the marked figures."
    errors = {tuple(e["loc"]): e["message"] for e in body["errors"]}
    assert errors == {
        ("lawyers",): "A figure cannot be negative.",
        ("inspections",): "Enter a whole number.",
        ("members",): "«members» is not a figure this form asks for.",
        ("x",): "«x» is not a figure this form asks for.",
    }
    assert snapshot(report) == before


def test_a_malformed_body_of_figures_is_refused(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """A body that is not an object of figures answers 422 and stores nothing."""
    report = report_at(legal_campaign, tree.primaries[0])
    caller = api_as(staff.school).client
    url = f"/api/v1/reports/{report.pk}/entries"
    for body in ([1, 2], {"appeals": [1]}, {"appeals": {"n": 1}}, {"appeals": True}):
        response = caller.put(url, body, content_type="application/json")
        assert response.status_code == 422, body
    assert not ReportValue.objects.filter(report=report).exists()


def test_only_those_who_fill_the_report_enter_figures(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """An auditor reads the report but entering figures or submitting is 404, as
    for a report of another organization; a school's chair cannot fill or submit
    its district's."""
    school = report_at(legal_campaign, tree.primaries[0])
    district = report_at(legal_campaign, tree.districts[0])
    assert api_as(staff.auditor).get(f"/reports/{school.pk}").status_code == 200
    for caller, report in ((staff.auditor, school), (staff.school, district)):
        response = api_as(caller).client.put(
            f"/api/v1/reports/{report.pk}/entries",
            {"appeals": 1},
            content_type="application/json",
        )
        assert response.status_code == 404
        submit = api_as(caller).post(f"/reports/{report.pk}/submit")
        assert submit.status_code == 404
    assert not ReportValue.objects.exists()
    assert not Report.objects.exclude(status=ReportStatus.DRAFT).exists()


# A locked report


def test_a_locked_report_is_changed_by_no_call(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """Once submitted, entering figures, submitting again and marking it missing
    are refused with 422; approved, the same; nothing changes."""
    school = report_at(legal_campaign, tree.primaries[0])
    save_entries(actor=tree.admin, report=school, raw={"appeals": "4"})
    school_api, district_api = api_as(staff.school), api_as(staff.district)
    api_as(staff.school).post(f"/reports/{school.pk}/submit")
    for state in ("submitted", "approved"):
        assert Report.objects.get(pk=school.pk).status == state
        before = snapshot(school)
        calls = [
            school_api.client.put(
                f"/api/v1/reports/{school.pk}/entries",
                {"appeals": 40},
                content_type="application/json",
            ),
            school_api.post(f"/reports/{school.pk}/submit"),
            district_api.post(f"/reports/{school.pk}/missing", {"comment": "late"}),
        ]
        for response in calls:
            assert response.status_code == 422, response.content
            assert response.json()["detail"] == (
                f"The report is {state} and cannot be changed."
            )
        assert snapshot(school) == before
        if state == "submitted":
            assert district_api.post(f"/reports/{school.pk}/approve").status_code == 200
    again = district_api.post(f"/reports/{school.pk}/approve")
    assert again.status_code == 422
    assert again.json()["detail"] == "Only a submitted report can be approved."


# The workflow


def test_submit_return_resubmit_approve(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """The school submits; its district returns it with a comment; the school
    corrects and submits again; the district approves. Each answer is the report
    as it now stands."""
    school = report_at(legal_campaign, tree.primaries[0])
    school_api, district_api = api_as(staff.school), api_as(staff.district)
    body = school_api.post(f"/reports/{school.pk}/submit").json()
    assert body["status"] == "submitted"
    assert body["editable"] is False

    returned = district_api.post(
        f"/reports/{school.pk}/return", {"comment": "Appeals are missing."}
    ).json()
    assert returned["status"] == "returned"
    assert returned["comment"] == "Appeals are missing."
    assert returned["editable"] is True

    school_api.client.put(
        f"/api/v1/reports/{school.pk}/entries",
        {"appeals": 3},
        content_type="application/json",
    )
    assert school_api.post(f"/reports/{school.pk}/submit").json()["comment"] == ""
    approved = district_api.post(f"/reports/{school.pk}/approve").json()
    assert approved["status"] == "approved"
    assert approved["figures"]["appeals"] == 3
    assert list(
        ReportEvent.objects.filter(report=school)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["submitted", "returned", "saved", "submitted", "approved"]


def test_figures_breaking_a_rule_are_not_submitted(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """422 naming each broken rule with its message; the report stays a draft."""
    school = report_at(legal_campaign, tree.primaries[0])
    save_entries(
        actor=tree.admin,
        report=school,
        raw={"disputes_won": "3", "disputes_court": "1", "violations_remedied": "2"},
    )
    before = snapshot(school)
    response = api_as(staff.school).post(f"/reports/{school.pk}/submit")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The figures break the form's rules."
    assert body["errors"] == [
        {
            "loc": ["rules", "won_within_disputes"],
            "message": (
                "Disputes decided for the workers cannot outnumber all disputes."
            ),
        },
        {
            "loc": ["rules", "remedied_within_found"],
            "message": "Violations remedied cannot outnumber violations found.",
        },
    ]
    assert snapshot(school) == before


def test_the_rule_messages_come_in_the_language_asked_for(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """A client asking for Kazakh reads the rules' Kazakh messages."""
    from kasipodaq.api.tokens import issue_token

    school = report_at(legal_campaign, tree.primaries[0])
    save_entries(actor=tree.admin, report=school, raw={"violations_remedied": "2"})
    _row, token = issue_token(user=staff.school)
    response = ApiClient(token, language="kk").post(f"/reports/{school.pk}/submit")
    assert response.json()["errors"][0]["message"] == (
        "Жойылған бұзушылықтар анықталғандардан көп бола алмайды."
    )


def test_a_parent_waits_for_its_children(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """The district's report is refused while a school's is neither approved nor
    marked missing; marking the other missing with a comment lets it go."""
    district = report_at(legal_campaign, tree.districts[0])
    school = report_at(legal_campaign, tree.primaries[0])
    other = report_at(legal_campaign, tree.primaries[1])
    caller = api_as(staff.district)
    approve_report(actor=tree.admin, report=submitted(tree, school))
    refused = caller.post(f"/reports/{district.pk}/submit")
    assert refused.status_code == 422
    assert tree.primaries[1].name in refused.json()["detail"]

    no_comment = caller.post(f"/reports/{other.pk}/missing", {"comment": "  "})
    assert no_comment.status_code == 422
    assert no_comment.json() == {"detail": "Say why in a comment.", "field": "comment"}
    missing = caller.post(f"/reports/{other.pk}/missing", {"comment": "Closed."})
    assert missing.json()["status"] == "missing"
    assert caller.post(f"/reports/{district.pk}/submit").json()["status"] == (
        "submitted"
    )


def test_decisions_are_the_parents(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """A district chair cannot approve, return or mark missing the district's own
    report, nor a school its own: 404, as for any missing right."""
    school = submitted(tree, report_at(legal_campaign, tree.primaries[0]))
    own = report_at(legal_campaign, tree.districts[0])
    before = snapshot(school, own)
    for caller, report in ((staff.district, own), (staff.school, school)):
        client = api_as(caller)
        for step, body in (("approve", None), ("return", {"comment": "x"})):
            response = client.post(f"/reports/{report.pk}/{step}", body)
            assert response.status_code == 404, (step, report.unit)
        response = client.post(f"/reports/{report.pk}/missing", {"comment": "x"})
        assert response.status_code == 404
    assert snapshot(school, own) == before


def test_the_centre_reopens_a_settled_report(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """An approved report opens again with the reason, audited; a district chair
    cannot (404); a comment is required; an open report is not reopened."""
    school = submitted(tree, report_at(legal_campaign, tree.primaries[0]))
    approve_report(actor=tree.admin, report=school)
    assert (
        api_as(staff.district)
        .post(f"/reports/{school.pk}/reopen", {"comment": "Wrong."})
        .status_code
        == 404
    )
    centre = api_as(tree.admin)
    assert centre.post(f"/reports/{school.pk}/reopen").json()["field"] == "comment"
    body = centre.post(f"/reports/{school.pk}/reopen", {"comment": "Wrong."}).json()
    assert body["status"] == "draft"
    assert body["comment"] == "Wrong."
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_REOPENED).count() == 1
    again = centre.post(f"/reports/{school.pk}/reopen", {"comment": "Again."})
    assert again.status_code == 422
    assert again.json()["detail"] == "The report is open already."


def test_a_request_without_a_token_is_401(tree: Tree, legal_campaign: Campaign) -> None:
    """Every operation needs a token."""
    report = report_at(legal_campaign, tree.primaries[0])
    anonymous = ApiClient(None)
    assert anonymous.get("/reports/forms").status_code == 401
    assert anonymous.get(f"/reports/{report.pk}").status_code == 401
    assert anonymous.post(f"/reports/{report.pk}/submit").status_code == 401
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_figures_keep_their_decimals(
    tree: Tree, staff: Staff, legal_campaign: Campaign
) -> None:
    """An amount with cents comes back as a number with them."""
    report = report_at(legal_campaign, tree.primaries[0])
    save_entries(actor=tree.admin, report=report, raw={"recovered_amount": "0.07"})
    body = api_as(staff.school).get(f"/reports/{report.pk}").json()
    assert Decimal(str(body["figures"]["recovered_amount"])) == Decimal("0.07")
