"""The report page: figures beside the organizations below, entries, the workflow's
steps, the trail — and who may reach and change what."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import Level
from kasipodaq.registry.models import Category
from kasipodaq.registry.services.organizations import move_organization
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.tests.factories import MALE, Tree, grant, make_unit
from kasipodaq.reporting.models import (
    Campaign,
    Report,
    ReportAction,
    ReportEvent,
    ReportForm,
    ReportStatus,
    ReportValue,
    Rule,
    ValueType,
)
from kasipodaq.reporting.registry_figures import compute_registry_figures
from kasipodaq.reporting.services.campaigns import create_reports
from kasipodaq.reporting.services.reports import (
    approve_report,
    save_entries,
    submit_report,
)
from kasipodaq.reporting.tests.conftest import open_for
from kasipodaq.reporting.views.formatting import THIN_SPACE, format_figure, input_text

pytestmark = pytest.mark.django_db

STEPS = ["save", "submit", "approve", "return", "missing", "reopen"]


@pytest.fixture
def client(client: Any) -> Any:
    """A browser that asks for English, so messages can be compared."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def chair(tree: Tree) -> Any:
    """The chair of the first district (primaries 0 and 1)."""
    return grant(Role.CHAIR, tree.districts[0])


@pytest.fixture
def primary_chair(tree: Tree) -> Any:
    return grant(Role.PRIMARY_CHAIR, tree.primaries[0])


@pytest.fixture
def outsider(tree: Tree) -> Any:
    """The chair of the neighbour district (primaries 2 and 3)."""
    return grant(Role.CHAIR, tree.districts[1])


def report_of(campaign: Campaign, unit: Any) -> Report:
    return Report.objects.get(campaign=campaign, unit=unit)


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def values_of(report: Report) -> dict[str, Any]:
    return {
        v.indicator.code: v.number if v.text == "" else v.text
        for v in ReportValue.objects.filter(report=report).select_related("indicator")
    }


def url(name: str, report: Report) -> str:
    return reverse(f"reports:{name}", args=[report.pk])


# --- how figures read -----------------------------------------------------------------


def test_figures_read_with_grouped_thousands_and_the_places_of_their_type() -> None:
    """Counts group thousands with a narrow space, percentages keep one decimal and
    amounts two, with the page language's decimal mark; nothing is a dash."""
    with translation.override("ru"):
        assert format_figure(Decimal(802194), ValueType.COUNT) == f"802{THIN_SPACE}194"
        assert format_figure(Decimal(1234567), ValueType.COUNT) == (
            f"1{THIN_SPACE}234{THIN_SPACE}567"
        )
        assert format_figure(Decimal("95.56"), ValueType.PERCENT) == "95,6"
        assert format_figure(Decimal(87), ValueType.PERCENT) == "87,0"
        assert format_figure(Decimal("12345.5"), ValueType.AMOUNT) == (
            f"12{THIN_SPACE}345,50"
        )
        assert format_figure(None, ValueType.COUNT) == "—"
        assert format_figure("Итоги года", ValueType.TEXT) == "Итоги года"
        assert input_text(Decimal("12.50"), ValueType.AMOUNT) == "12,5"
    with translation.override("en"):
        assert format_figure(Decimal("95.56"), ValueType.PERCENT) == "95.6"
        assert input_text(Decimal("1234.00"), ValueType.COUNT) == "1234"
        assert input_text(None, ValueType.COUNT) == ""


# --- the page -------------------------------------------------------------------------


def test_a_report_shows_its_figures_beside_each_organization_below(
    client: Any, tree: Tree, chair: Any, membership_campaign: Campaign
) -> None:
    """The district's column is the sum of its schools'; each school has a column
    headed by its name and status, linking to its report; percentages recompute."""
    school_a, school_b = tree.primaries[0], tree.primaries[1]
    tree.admit(school_a)
    tree.admit(school_a, sex=MALE, birth_date=dt.date(1970, 1, 1))
    tree.admit(school_a, category=Category.STUDENT)
    tree.admit(school_b)
    district = report_of(membership_campaign, tree.districts[0])
    child_a = report_of(membership_campaign, school_a)
    submit_report(actor=tree.admin, report=child_a)
    client.force_login(chair)

    response = client.get(url("detail", district))

    assert response.status_code == 200
    blocks = response.context["blocks"]
    members = next(
        line for b in blocks for line in b.lines if line.indicator.code == "members"
    )
    assert members.own.text == "4"
    assert [c.text for c in members.children] == ["3", "1"]
    women = next(
        line for b in blocks for line in b.lines if line.indicator.code == "women_share"
    )
    assert women.own.text == "75.0"
    assert [c.text for c in women.children] == ["66.7", "100.0"]
    page = text_of(response)
    assert f'href="{url("detail", child_a)}"' in page
    assert school_a.name_ru in page and school_b.name_ru in page
    headers = re.findall(r'<th scope="col" class="num child">(.*?)</th>', page, re.S)
    assert "Submitted" in headers[0] and "Draft" in headers[1]


# The drill-down's campaign: its figures describe 1 January 2024, a past date.
DRILL_YEAR = 2023
DRILL_ON = "2024-01-01"


def test_each_figure_leads_to_the_organizations_and_members_behind_it(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """A school's figure links to its report at that row; a registry figure of the
    district links to the member list on the figure's date, filtered as it counts
    (women: sex F, youth: the age band, students: the category); primary
    organizations to the tree."""
    campaign = open_for(tree, forms["membership"], DRILL_YEAR)
    tree.admit(tree.primaries[0])
    district = report_of(campaign, tree.districts[0])
    school = report_of(campaign, tree.primaries[0])
    client.force_login(chair)

    blocks = client.get(url("detail", district)).context["blocks"]
    lines = {line.indicator.code: line for b in blocks for line in b.lines}
    unit = tree.districts[0].pk
    members_url = reverse("members:list")
    on = f"on={DRILL_ON}"
    assert lines["members"].own.href == f"{members_url}?org={unit}&{on}"
    assert lines["women"].own.href == f"{members_url}?org={unit}&sex=F&{on}"
    assert lines["students"].own.href == (
        f"{members_url}?org={unit}&category=student&{on}"
    )
    assert lines["working"].own.href == (
        f"{members_url}?org={unit}&category=working&{on}"
    )
    assert lines["pensioners"].own.href.endswith(f"category=pensioner&{on}")
    assert lines["youth_29"].own.href == f"{members_url}?org={unit}&age=29&{on}"
    assert lines["youth_35"].own.href == f"{members_url}?org={unit}&age=35&{on}"
    assert lines["members"].own.title == (
        "The members behind this figure, on Jan. 1, 2024"
    )
    assert lines["primary_orgs"].own.href == reverse("orgs:detail", args=[unit])
    assert lines["employees"].own.href == ""
    assert lines["coverage"].own.href == ""
    assert lines["women"].children[0].href == url("detail", school) + "#row-women"
    women = client.get(lines["women"].own.href)
    assert women.status_code == 200
    assert women.context["page"].paginator.count == 1


REGISTRY_LINKS = [
    "members",
    "working",
    "students",
    "pensioners",
    "women",
    "youth_29",
    "youth_35",
]


def test_a_registry_figure_lists_exactly_the_members_it_counts(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """Members who joined after the date, left before it, moved in or whose school
    moved in since, changed category through a new period, or have grown older
    since: the list behind each registry figure shows the number it counts."""
    campaign = open_for(tree, forms["membership"], DRILL_YEAR)
    p, admin = tree.primaries, tree.admin
    on = dt.date(2024, 1, 1)
    after = dt.date(2024, 6, 1)
    tree.admit(p[0], birth_date=dt.date(1994, 6, 1))  # 29 then, 30 or more today
    tree.admit(p[1], sex=MALE, birth_date=dt.date(1988, 6, 1))  # 35 then
    tree.admit(p[0], joined_on=after)
    gone = tree.admit(p[1], category=Category.STUDENT)
    end_membership(
        actor=admin, membership=gone, on=dt.date(2023, 5, 1), reason="own_wish"
    )
    within = tree.admit(p[0], category=Category.STUDENT)
    transfer_membership(actor=admin, membership=within, to_unit=p[1], on=after)
    came = tree.admit(p[2], category=Category.PENSIONER)
    transfer_membership(actor=admin, membership=came, to_unit=p[0], on=after)
    retired = tree.admit(p[1])
    end_membership(
        actor=admin, membership=retired, on=dt.date(2023, 9, 1), reason="retirement"
    )
    tree.admit(
        p[1],
        iin=retired.person.iin,
        joined_on=dt.date(2023, 9, 1),
        category=Category.PENSIONER,
    )
    tree.admit(p[3], category=Category.PENSIONER)
    move_organization(actor=admin, unit=p[3], new_parent=tree.districts[0], on=after)
    district = report_of(campaign, tree.districts[0])
    client.force_login(chair)

    blocks = client.get(url("detail", district)).context["blocks"]
    lines = {line.indicator.code: line for b in blocks for line in b.lines}
    counted = compute_registry_figures(on=on).of(tree.districts[0].pk)
    shown = {}
    for code in REGISTRY_LINKS:
        listed = client.get(lines[code].own.href).context["page"].paginator.count
        assert lines[code].own.text == str(counted[code]) == str(listed), code
        shown[code] = listed
    assert shown == {
        "members": 4,
        "working": 2,
        "students": 1,
        "pensioners": 1,
        "women": 3,
        "youth_29": 1,
        "youth_35": 2,
    }


def test_a_figure_of_a_date_still_ahead_links_to_todays_members(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """The current year's report counts the members of next 1 January, a date the
    member list cannot show yet: the link leads to today's list and says so."""
    campaign = open_for(tree, forms["membership"], today().year)
    district = report_of(campaign, tree.districts[0])
    client.force_login(chair)
    blocks = client.get(url("detail", district)).context["blocks"]
    lines = {line.indicator.code: line for b in blocks for line in b.lines}
    unit = tree.districts[0].pk
    assert lines["women"].own.href == f"{reverse('members:list')}?org={unit}&sex=F"
    assert lines["women"].own.title.startswith(
        "The member list as it stands today; the figure counts the members on Jan. 1,"
    )


def test_rule_violations_are_shown_as_warnings(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """Figures breaking a rule are saved, and the page warns with the rule's text."""
    report = report_of(legal_campaign, tree.primaries[0])
    save_entries(
        actor=tree.admin,
        report=report,
        raw={"violations": "3", "violations_remedied": "5"},
    )
    client.force_login(primary_chair)
    response = client.get(url("detail", report))
    message = Rule.objects.get(
        version=legal_campaign.version, code="remedied_within_found"
    ).message_en
    assert [v.message for v in response.context["violations"]] == [message]
    assert message in text_of(response)


def test_the_trail_lists_every_step_with_its_comment(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """Newest first, with who did it and why."""
    report = report_of(legal_campaign, tree.primaries[0])
    submit_report(actor=tree.admin, report=report)
    client.force_login(chair)
    client.post(url("return", report), {"comment": "Проверьте число обращений"})
    response = client.get(url("detail", report))
    events = response.context["events"]
    assert [e.action for e in events] == [ReportAction.RETURNED, ReportAction.SUBMITTED]
    page = text_of(response)
    assert "Проверьте число обращений" in page
    assert chair.username in page


# --- entering figures -----------------------------------------------------------------


def test_an_editable_report_has_an_input_for_each_entered_figure(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """The inputs show the organization's own figures and post to the save step."""
    report = report_of(legal_campaign, tree.primaries[0])
    save_entries(actor=tree.admin, report=report, raw={"appeals": "12"})
    client.force_login(primary_chair)
    response = client.get(url("detail", report))
    form = response.context["entry_form"]
    assert set(form.fields) == {
        i.code for i in legal_campaign.version.indicators.filter(source="entered")
    }
    page = response.content.decode()
    assert re.search(r'name="v-appeals"[^>]*value="12"', page)
    assert f'action="{url("save", report)}"' in page


def test_saving_stores_the_figures_and_says_so(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """Figures typed with spaces or a decimal comma are stored; a blank stores nothing;
    the step is in the trail."""
    report = report_of(legal_campaign, tree.primaries[0])
    client.force_login(primary_chair)
    response = client.post(
        url("save", report),
        {"v-appeals": "1 234", "v-recovered_amount": "12,5", "v-lawyers": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("detail", report)
    assert "The figures were saved." in text_of(response)
    assert values_of(report) == {
        "appeals": Decimal(1234),
        "recovered_amount": Decimal("12.5"),
    }
    assert ReportEvent.objects.filter(report=report, action="saved").count() == 1


def test_figures_that_cannot_be_read_are_refused_one_by_one_and_kept(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """Each bad figure has its own message; what was typed stays in the inputs;
    nothing is stored."""
    report = report_of(legal_campaign, tree.primaries[0])
    save_entries(actor=tree.admin, report=report, raw={"lawyers": "2"})
    client.force_login(primary_chair)
    response = client.post(
        url("save", report),
        {"v-appeals": "много", "v-consultations": "-4", "v-lawyers": "7"},
    )
    assert response.status_code == 200
    errors = response.context["entry_form"].errors
    assert errors["appeals"] == ["Enter a number."]
    assert errors["consultations"] == ["A figure cannot be negative."]
    assert "lawyers" not in errors
    page = response.content.decode()
    assert re.search(r'name="v-appeals"[^>]*value="много"', page)
    assert re.search(r'name="v-lawyers"[^>]*value="7"', page)
    assert "Correct the marked figures." in text_of(response)
    assert values_of(report) == {"lawyers": Decimal(2)}


def test_a_locked_report_shows_no_inputs_and_refuses_a_save(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """Once submitted, the page has no inputs and no save; a save posted anyway is
    refused with why, and neither the figures nor the status change."""
    report = report_of(legal_campaign, tree.primaries[0])
    save_entries(actor=tree.admin, report=report, raw={"appeals": "5"})
    submit_report(actor=tree.admin, report=report)
    client.force_login(primary_chair)

    page = client.get(url("detail", report))
    assert page.context["entry_form"] is None
    assert 'name="v-appeals"' not in page.content.decode()
    assert url("save", report) not in page.content.decode()
    assert url("submit", report) not in page.content.decode()

    response = client.post(url("save", report), {"v-appeals": "50"})
    assert response.status_code == 200
    assert "The report is submitted and cannot be changed." in text_of(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert values_of(report) == {"appeals": Decimal(5)}
    assert client.post(url("submit", report)).status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_the_step_urls_answer_a_get_with_the_report(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """A GET of a step changes nothing: it leads to the report page."""
    report = report_of(legal_campaign, tree.primaries[0])
    client.force_login(chair)
    for step in ["save", "submit", "approve", "return", "missing"]:
        response = client.get(url(step, report))
        assert response.status_code == 302
        assert response["Location"] == url("detail", report)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert not ReportEvent.objects.exists()


# --- the workflow ---------------------------------------------------------------------


def test_submitting_locks_the_report(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """A school's report goes up as submitted."""
    report = report_of(legal_campaign, tree.primaries[0])
    client.force_login(primary_chair)
    response = client.post(url("submit", report), follow=True)
    assert "The report was submitted." in text_of(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_submitting_figures_that_break_a_rule_is_refused_with_each_rule(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """Each broken rule's message is shown, and the report stays a draft."""
    report = report_of(legal_campaign, tree.primaries[0])
    save_entries(
        actor=tree.admin,
        report=report,
        raw={
            "violations": "3",
            "violations_remedied": "5",
            "disputes_won": "2",
        },
    )
    client.force_login(primary_chair)
    response = client.post(url("submit", report))
    assert response.status_code == 200
    messages = {r.message_en for r in legal_campaign.version.rules.all()}
    refused = [v.message for v in response.context["refused_rules"]]
    assert len(refused) == 2 and set(refused) <= messages
    page = text_of(response)
    for message in refused:
        assert message in page
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_a_district_submits_only_once_its_schools_are_settled(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """The page names the schools still waiting, and the refusal says why."""
    district = report_of(legal_campaign, tree.districts[0])
    client.force_login(chair)
    page = client.get(url("detail", district))
    assert [c.unit for c in page.context["waiting"]] == [
        tree.primaries[0],
        tree.primaries[1],
    ]
    response = client.post(url("submit", district))
    assert "2 reports below are neither approved nor marked missing" in text_of(
        response
    )
    district.refresh_from_db()
    assert district.status == ReportStatus.DRAFT


def test_the_district_approves_a_schools_submitted_report(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """The district chair sees approve and return on the school's report, and approving
    settles it."""
    report = report_of(legal_campaign, tree.primaries[0])
    submit_report(actor=tree.admin, report=report)
    client.force_login(chair)
    page = client.get(url("detail", report)).content.decode()
    assert url("approve", report) in page and url("return", report) in page
    response = client.post(url("approve", report), follow=True)
    assert "The report was approved." in text_of(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_a_primary_chair_cannot_approve_their_own_report(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """No approve button, and a posted approval or return is answered 404."""
    report = report_of(legal_campaign, tree.primaries[0])
    submit_report(actor=tree.admin, report=report)
    client.force_login(primary_chair)
    page = client.get(url("detail", report)).content.decode()
    assert url("approve", report) not in page
    assert url("return", report) not in page
    assert client.post(url("approve", report)).status_code == 404
    assert client.post(url("return", report), {"comment": "x"}).status_code == 404
    assert client.post(url("missing", report), {"comment": "x"}).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_district_chair_cannot_decide_on_its_own_report(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """Decisions are the parent's: the district's own report is refused with why."""
    district = report_of(legal_campaign, tree.districts[0])
    client.force_login(chair)
    response = client.post(url("missing", district), {"comment": "Нет данных"})
    assert response.status_code == 200
    assert "Only the organization above this one decides on its report." in (
        text_of(response)
    )
    assert "Нет данных" in text_of(response)
    district.refresh_from_db()
    assert district.status == ReportStatus.DRAFT


def test_returning_needs_a_comment_and_sends_the_report_back(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """A blank comment is refused beside the box; with one, the report goes back and
    keeps the comment."""
    report = report_of(legal_campaign, tree.primaries[0])
    submit_report(actor=tree.admin, report=report)
    client.force_login(chair)
    refused = client.post(url("return", report), {"comment": "   "})
    assert refused.status_code == 200
    assert refused.context["comment_forms"]["return"].errors["comment"] == [
        "Say why in a comment."
    ]
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    response = client.post(
        url("return", report), {"comment": "Нет консультаций"}, follow=True
    )
    assert "The report was returned for correction." in text_of(response)
    report.refresh_from_db()
    assert (report.status, report.comment) == (
        ReportStatus.RETURNED,
        "Нет консультаций",
    )


def test_a_refused_step_keeps_the_comment_typed(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """Returning a draft is refused; the page says why and keeps the comment."""
    report = report_of(legal_campaign, tree.primaries[0])
    client.force_login(chair)
    response = client.post(url("return", report), {"comment": "Пустой отчёт"})
    assert response.status_code == 200
    assert "Only a submitted or approved report can be returned." in text_of(response)
    assert re.search(
        r'<textarea name="comment"[^>]*id="id_return_comment"[^>]*>\s*Пустой отчёт',
        response.content.decode(),
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_the_district_marks_a_silent_school_missing(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """A draft that will not come is settled as missing, with the reason."""
    report = report_of(legal_campaign, tree.primaries[1])
    client.force_login(chair)
    response = client.post(
        url("missing", report), {"comment": "Школа закрыта на ремонт"}, follow=True
    )
    assert "The report was marked as missing." in text_of(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.MISSING


def test_the_centre_reopens_a_settled_report_and_those_above_it(
    client: Any, tree: Tree, chair: Any, legal_campaign: Campaign
) -> None:
    """The district chair has no reopen; the centre's reopening opens the school's
    report and the district's that included it."""
    school = report_of(legal_campaign, tree.primaries[0])
    district = report_of(legal_campaign, tree.districts[0])
    submit_report(actor=tree.admin, report=school)
    approve_report(actor=tree.admin, report=school)
    other = report_of(legal_campaign, tree.primaries[1])
    submit_report(actor=tree.admin, report=other)
    approve_report(actor=tree.admin, report=other)
    submit_report(actor=tree.admin, report=district)
    client.force_login(chair)
    assert (
        url("reopen", school) not in client.get(url("detail", school)).content.decode()
    )
    assert client.post(url("reopen", school), {"comment": "x"}).status_code == 404

    client.force_login(tree.admin)
    assert url("reopen", school) in client.get(url("detail", school)).content.decode()
    response = client.post(
        url("reopen", school), {"comment": "Ошибка в данных"}, follow=True
    )
    assert "and 1 report above it" in text_of(response)
    school.refresh_from_db()
    district.refresh_from_db()
    assert school.status == district.status == ReportStatus.DRAFT


# --- who may reach what ---------------------------------------------------------------


def test_pages_require_signing_in(
    client: Any, tree: Tree, legal_campaign: Campaign
) -> None:
    """An anonymous visitor is sent to sign in."""
    report = report_of(legal_campaign, tree.primaries[0])
    response = client.get(url("detail", report))
    assert response.status_code == 302
    assert reverse("accounts:sign-in") in response["Location"]


def test_a_report_of_another_district_is_404_on_every_step(
    client: Any, tree: Tree, outsider: Any, legal_campaign: Campaign
) -> None:
    """GET and every POST about another district's report answer as for a report
    that does not exist, and change nothing."""
    report = report_of(legal_campaign, tree.primaries[0])
    save_entries(actor=tree.admin, report=report, raw={"appeals": "3"})
    submit_report(actor=tree.admin, report=report)
    client.force_login(outsider)
    missing = client.get(reverse("reports:detail", args=[10**8]))
    assert missing.status_code == 404
    response = client.get(url("detail", report))
    assert response.status_code == 404
    assert response.content == missing.content
    data = {"comment": "Захват", "v-appeals": "999"}
    for step in STEPS:
        assert client.get(url(step, report)).status_code == 404, step
        assert client.post(url(step, report), data).status_code == 404, step
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert values_of(report)["appeals"] == Decimal(3)
    assert not ReportEvent.objects.exclude(actor=tree.admin).exists()
    district = report_of(legal_campaign, tree.districts[0])
    assert client.get(url("detail", district)).status_code == 404


def test_a_primary_chair_cannot_open_the_districts_report(
    client: Any, tree: Tree, primary_chair: Any, legal_campaign: Campaign
) -> None:
    """Nor a neighbour school's, nor save into it."""
    client.force_login(primary_chair)
    district = report_of(legal_campaign, tree.districts[0])
    neighbour = report_of(legal_campaign, tree.primaries[1])
    assert client.get(url("detail", district)).status_code == 404
    assert client.get(url("detail", neighbour)).status_code == 404
    assert client.post(url("save", neighbour), {"v-appeals": "1"}).status_code == 404
    assert not ReportValue.objects.exists()


def test_the_report_page_query_count_does_not_grow_with_the_children(
    client: Any, tree: Tree, chair: Any, membership_campaign: Campaign
) -> None:
    """A district with six schools costs the queries of one with two."""
    district_unit = tree.districts[0]
    client.force_login(chair)
    district = report_of(membership_campaign, district_unit)
    detail = url("detail", district)
    assert client.get(detail).status_code == 200  # the layout is read once

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(detail)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(4):
        school = make_unit(district_unit, Level.PRIMARY, employees=20)
        tree.admit(school)
    create_reports(membership_campaign)
    submit_report(
        actor=tree.admin, report=report_of(membership_campaign, tree.primaries[0])
    )
    assert len(client.get(detail).context["children"]) == 6
    assert count() == few
    assert few <= 12
