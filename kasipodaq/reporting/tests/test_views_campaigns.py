"""The campaign pages: the list where the centre opens a campaign, and a campaign's
completeness with the organizations that are late."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import Level
from kasipodaq.registry.tests.factories import Tree, UserFactory, grant, make_unit
from kasipodaq.reporting.models import Campaign, Report, ReportForm, ReportStatus
from kasipodaq.reporting.services.campaigns import create_reports
from kasipodaq.reporting.services.reports import (
    approve_report,
    mark_missing,
    return_report,
    submit_report,
)
from kasipodaq.reporting.tests.conftest import YEAR, open_for
from kasipodaq.reporting.views import campaigns as campaign_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def chair(tree: Tree) -> Any:
    """The chair of the first district (primaries 0 and 1)."""
    return grant(Role.CHAIR, tree.districts[0])


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def report_of(campaign: Campaign, unit: Any) -> Report:
    return Report.objects.get(campaign=campaign, unit=unit)


def past_deadline(campaign: Campaign) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(
        deadline=today() - dt.timedelta(days=1)
    )


def open_data(form: str = "legal", **changes: Any) -> dict[str, Any]:
    return {
        "form": form,
        "year": str(YEAR),
        "deadline": (today() + dt.timedelta(days=10)).isoformat(),
        **changes,
    }


# --- the list -------------------------------------------------------------------------


def test_the_list_shows_campaigns_by_year_with_the_users_own_report(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """Newest year first; each campaign links to its page and to the user's own report
    with its status; a chair gets no form to open one."""
    older = open_for(tree, forms["membership"], YEAR - 1)
    newer = open_for(tree, forms["legal"], YEAR)
    for school in tree.primaries[:2]:
        mark_missing(actor=tree.admin, report=report_of(older, school), comment="—")
    submit_report(actor=tree.admin, report=report_of(older, tree.districts[0]))
    client.force_login(chair)
    response = client.get(reverse("reports:campaigns"))
    assert response.status_code == 200
    years = response.context["years"]
    assert [year for year, _rows in years] == [YEAR, YEAR - 1]
    ((campaign, home),) = years[1][1]
    assert campaign == older
    assert [r.unit for r in home] == [tree.districts[0]]
    assert home[0].status == ReportStatus.SUBMITTED
    page = response.content.decode()
    assert reverse("reports:campaign", args=[newer.pk]) in page
    assert reverse("reports:detail", args=[home[0].pk]) in page
    assert response.context["open_form"] is None
    assert 'action="/reports/"' not in page


def test_the_nav_links_to_reports_for_users_with_a_right_on_them(
    client: Any, tree: Tree, chair: Any
) -> None:
    """The menu has «Reports» for a chair, not for a user without any grant."""
    client.force_login(chair)
    link = f'href="{reverse("reports:campaigns")}"'
    assert link in client.get(reverse("orgs:tree")).content.decode()
    client.force_login(UserFactory.create())
    assert link not in client.get(reverse("orgs:tree")).content.decode()


def test_the_centre_opens_a_campaign(
    client: Any, tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """The form opens the campaign with a draft report for every organization, and leads
    to its page."""
    client.force_login(tree.admin)
    assert client.get(reverse("reports:campaigns")).context["open_form"] is not None
    response = client.post(reverse("reports:campaigns"), open_data(), follow=True)
    campaign = Campaign.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "reports:campaign", args=[campaign.pk]
    )
    assert (campaign.form.code, campaign.year) == ("legal", YEAR)
    assert f"The {YEAR} campaign of «" in text_of(response)
    assert Report.objects.filter(campaign=campaign).count() == 15


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"year": str(today().year + 1)},
            "year",
            "Reports are collected for a past or the current year.",
        ),
        (
            {"deadline": (today() - dt.timedelta(days=1)).isoformat()},
            "deadline",
            "The deadline has already passed.",
        ),
        ({"year": "двадцать"}, "year", "Enter a whole number."),
    ],
)
def test_a_refused_campaign_shows_why_and_keeps_the_input(
    client: Any,
    tree: Tree,
    forms: dict[str, ReportForm],
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    """A future year, a passed deadline or a year that is not a number: the field says
    why, the typed values stay, nothing is opened."""
    client.force_login(tree.admin)
    data = open_data("safety", **changes)
    response = client.post(reverse("reports:campaigns"), data)
    assert response.status_code == 200
    form = response.context["open_form"]
    assert form.errors[field] == [message]
    page = response.content.decode()
    assert f'value="{data[field]}"' in page
    assert '<option value="safety" selected>' in page
    assert not Campaign.objects.exists()


def test_a_second_campaign_of_a_form_and_year_is_refused(
    client: Any, tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """A form is collected once a year."""
    open_for(tree, forms["legal"])
    client.force_login(tree.admin)
    response = client.post(reverse("reports:campaigns"), open_data())
    assert response.context["open_form"].errors["year"] == [
        f"The {YEAR} campaign of this form is already open."
    ]
    assert Campaign.objects.count() == 1


def test_only_the_centre_may_open_a_campaign(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """A district's or a region's chair posting the form gets 404, and nothing is
    opened."""
    regional = grant(Role.CHAIR, tree.regions[0])
    for user in (chair, regional):
        client.force_login(user)
        assert client.post(reverse("reports:campaigns"), open_data()).status_code == (
            404
        )
    assert not Campaign.objects.exists()


def test_the_list_query_count_does_not_grow_with_campaigns(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """Five campaigns cost the queries of one."""
    client.force_login(tree.admin)
    url = reverse("reports:campaigns")
    open_for(tree, forms["membership"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for code in ("legal", "safety", "training"):
        open_for(tree, forms[code])
    open_for(tree, forms["membership"], YEAR - 1)
    assert count() == few
    assert few <= 9


# --- one campaign ---------------------------------------------------------------------


def test_completeness_counts_each_level_of_the_users_subtree(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """The district and its two schools only; a submitted, an approved and a
    returned report are counted in their columns; none is late before the
    deadline."""
    school_a = report_of(legal_campaign, tree.primaries[0])
    school_b = report_of(legal_campaign, tree.primaries[1])
    submit_report(actor=tree.admin, report=school_a)
    submit_report(actor=tree.admin, report=school_b)
    return_report(actor=tree.admin, report=school_b, comment="Исправьте")
    submit_report(actor=tree.admin, report=report_of(legal_campaign, tree.primaries[2]))
    client.force_login(chair)
    response = client.get(reverse("reports:campaign", args=[legal_campaign.pk]))
    assert response.status_code == 200
    levels = {row.level: row for row in response.context["levels"]}
    assert set(levels) == {Level.DISTRICT, Level.PRIMARY}
    primary = levels[Level.PRIMARY]
    assert primary.by_status == {
        "draft": 0,
        "submitted": 1,
        "returned": 1,
        "approved": 0,
        "missing": 0,
    }
    assert (primary.total, primary.late) == (2, 0)
    assert levels[Level.DISTRICT].by_status["draft"] == 1
    assert [r.unit for r in response.context["home_reports"]] == [tree.districts[0]]
    assert "Nobody is late before the deadline" in text_of(response)


def test_after_the_deadline_the_open_reports_are_late_and_listed(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """Drafts and returned reports are late; submitted, approved and missing ones
    are not. The list names each late organization with its parent and status."""
    school_a = report_of(legal_campaign, tree.primaries[0])
    submit_report(actor=tree.admin, report=school_a)
    school_b = report_of(legal_campaign, tree.primaries[1])
    mark_missing(actor=tree.admin, report=school_b, comment="Закрыта")
    past_deadline(legal_campaign)
    client.force_login(chair)
    response = client.get(reverse("reports:campaign", args=[legal_campaign.pk]))
    levels = {row.level: row for row in response.context["levels"]}
    assert levels[Level.PRIMARY].late == 0
    assert levels[Level.DISTRICT].late == 1
    rows = response.context["rows"]
    assert [(r.unit, shown) for r, shown in rows] == [(tree.districts[0], False)]
    page = text_of(response)
    assert tree.regions[0].name_ru not in page  # the region is out of scope

    returned = report_of(legal_campaign, tree.primaries[0])
    return_report(actor=tree.admin, report=returned, comment="Исправьте")
    response = client.get(
        reverse("reports:campaign", args=[legal_campaign.pk]),
        {"status": "late", "level": Level.PRIMARY},
    )
    rows = response.context["rows"]
    assert [(r.unit, shown) for r, shown in rows] == [(tree.primaries[0], True)]
    page = text_of(response)
    assert tree.districts[0].name_ru in page
    assert reverse("reports:detail", args=[returned.pk]) in page


def test_the_list_filters_by_status_and_level_and_paginates(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign, monkeypatch: Any
) -> None:
    """A count of the completeness table leads to its reports, a page at a time, the
    filters kept from page to page."""
    monkeypatch.setattr(campaign_views, "PAGE_SIZE", 2)
    for _ in range(3):
        make_unit(tree.districts[0], Level.PRIMARY)
    create_reports(legal_campaign)
    client.force_login(chair)
    url = reverse("reports:campaign", args=[legal_campaign.pk])
    first = client.get(url, {"status": "draft", "level": "primary"})
    assert first.context["page"].paginator.count == 5
    assert len(first.context["rows"]) == 2
    assert "status=draft&amp;level=primary&amp;page=2" in first.content.decode()
    last = client.get(url, {"status": "draft", "level": "primary", "page": 3})
    assert len(last.context["rows"]) == 1
    approved = client.get(url, {"status": "approved"})
    assert approved.context["page"].paginator.count == 0


def test_a_neighbour_district_sees_none_of_the_first_ones_reports(
    client: Any, tree: Tree, legal_campaign: Campaign
) -> None:
    """Completeness and the list count and name the user's own district only."""
    outsider = grant(Role.CHAIR, tree.districts[1])
    past_deadline(legal_campaign)
    client.force_login(outsider)
    response = client.get(
        reverse("reports:campaign", args=[legal_campaign.pk]), {"status": "draft"}
    )
    units = {r.unit for r, _shown in response.context["rows"]}
    assert units == {tree.districts[1], tree.primaries[2], tree.primaries[3]}
    assert sum(row.total for row in response.context["levels"]) == 3


def test_a_campaign_is_404_when_missing_or_for_a_user_without_report_rights(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """A campaign that does not exist, or a user with no right on reports: 404; such a
    user's list is empty."""
    client.force_login(chair)
    missing = client.get(reverse("reports:campaign", args=[10**8]))
    assert missing.status_code == 404
    client.force_login(UserFactory.create())
    response = client.get(reverse("reports:campaign", args=[legal_campaign.pk]))
    assert response.status_code == 404
    assert client.get(reverse("reports:campaigns")).context["years"] == []


def test_the_campaign_page_query_count_does_not_grow_with_reports(
    client: Any, tree: Tree, legal_campaign: Campaign
) -> None:
    """Completeness and the late list cost the same for 15 reports as for 35."""
    past_deadline(legal_campaign)
    client.force_login(tree.admin)
    url = reverse("reports:campaign", args=[legal_campaign.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for district in tree.districts:
        for _ in range(5):
            make_unit(district, Level.PRIMARY)
    create_reports(legal_campaign)
    approve_report(
        actor=tree.admin,
        report=submit_report(
            actor=tree.admin, report=report_of(legal_campaign, tree.primaries[0])
        ),
    )
    response = client.get(url)
    assert sum(row.total for row in response.context["levels"]) == 35
    assert len(response.context["rows"]) == 34
    assert count() == few
    assert few <= 9
