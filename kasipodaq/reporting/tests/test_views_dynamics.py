"""The dynamics page: a form's figures of one organization across years, and the
chart of one of them."""

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

from kasipodaq.access.perms import Role
from kasipodaq.orgtree.models import Level
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.factories import MALE, Tree, UserFactory, grant, make_unit
from kasipodaq.reporting.models import Report, ReportForm
from kasipodaq.reporting.services.reports import save_entries
from kasipodaq.reporting.tests.conftest import YEAR, open_for
from kasipodaq.reporting.views.charts import bar_chart, nice_step

pytestmark = pytest.mark.django_db

URL = "/reports/dynamics/"


@pytest.fixture
def client(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def chair(tree: Tree) -> Any:
    """The chair of the first district (primaries 0 and 1)."""
    return grant(Role.CHAIR, tree.districts[0])


def row(response: Any, code: str) -> list[str]:
    for _name, rows in response.context["blocks"]:
        for indicator, cells in rows:
            if indicator.code == code:
                return list(cells)
    raise AssertionError(code)


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_the_url_is_the_named_one() -> None:
    """The page lives at /reports/dynamics/."""
    assert reverse("reports:dynamics") == URL


def test_registry_figures_are_computed_for_every_year_without_a_campaign(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """Each column is the state on 1 January of the next year: members who joined
    or left in between change it; shares are recomputed for every year."""
    school, other = tree.primaries[0], tree.primaries[1]
    tree.admit(school, joined_on=dt.date(2018, 9, 1))
    tree.admit(other, joined_on=dt.date(2020, 3, 1), sex=MALE)
    leaving = tree.admit(school, joined_on=dt.date(2021, 6, 1))
    end_membership(
        actor=tree.admin,
        membership=leaving,
        on=dt.date(2022, 6, 30),
        reason="own_wish",
    )
    tree.admit(tree.primaries[2], joined_on=dt.date(2018, 1, 1))  # another district
    client.force_login(chair)
    response = client.get(
        URL,
        {
            "form": "membership",
            "org": tree.districts[0].pk,
            "from": "2019",
            "to": "2023",
        },
    )
    assert response.status_code == 200
    assert [y.year for y, _report in response.context["years"]] == list(
        range(2019, 2024)
    )
    assert response.context["years"][0][0].as_of == dt.date(2020, 1, 1)
    assert row(response, "members") == ["1", "2", "3", "2", "2"]
    assert row(response, "women") == ["1", "1", "2", "1", "1"]
    assert row(response, "women_share") == ["100.0", "50.0", "66.7", "50.0", "50.0"]
    assert row(response, "primary_orgs") == ["2"] * 5
    assert response.context["dynamics"].unit == tree.districts[0]


def test_entered_figures_come_from_the_years_campaign(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """A year with a campaign shows the reports' entries rolled up, with a link to
    the organization's report; a year without one has none to show."""
    campaign = open_for(tree, forms["legal"], YEAR)
    school = Report.objects.get(campaign=campaign, unit=tree.primaries[0])
    save_entries(actor=tree.admin, report=school, raw={"appeals": "1200"})
    district = Report.objects.get(campaign=campaign, unit=tree.districts[0])
    save_entries(actor=tree.admin, report=district, raw={"appeals": "34"})
    client.force_login(chair)
    response = client.get(
        URL,
        {"form": "legal", "org": tree.districts[0].pk, "from": YEAR - 2, "to": YEAR},
    )
    assert row(response, "appeals") == ["—", "—", "1\u202f234"]
    years = response.context["years"]
    assert [report for _y, report in years] == [None, None, district]
    assert reverse("reports:detail", args=[district.pk]) in response.content.decode()


def test_years_before_the_organization_opened_are_left_blank(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """A year whose 1 January came before the unit opened has no figures."""
    new = make_unit(tree.districts[0], Level.PRIMARY, opened_on=dt.date(2022, 3, 1))
    tree.admit(new, joined_on=dt.date(2022, 3, 1))
    client.force_login(chair)
    response = client.get(
        URL, {"form": "membership", "org": new.pk, "from": "2020", "to": "2022"}
    )
    assert row(response, "members") == ["", "", "1"]
    assert [y.open for y, _r in response.context["years"]] == [False, False, True]
    assert "not yet open" in text_of(response)


def test_the_chart_draws_the_chosen_figure_with_a_description(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """An SVG with a role, a title and a description reading out every value; a
    bar per year, the taller for the larger value."""
    tree.admit(tree.primaries[0], joined_on=dt.date(2019, 1, 1))
    tree.admit(tree.primaries[1], joined_on=dt.date(2020, 6, 1))
    tree.admit(tree.primaries[1], joined_on=dt.date(2020, 6, 1))
    client.force_login(chair)
    response = client.get(
        URL,
        {
            "form": "membership",
            "org": tree.districts[0].pk,
            "from": "2019",
            "to": "2021",
            "chart": "members",
        },
    )
    page = text_of(response)
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    assert 'aria-labelledby="chart-title chart-desc"' in svg.group(0)
    assert '<title id="chart-title">Members in all' in svg.group(0)
    assert "Members in all by year: 2019 — 1; 2020 — 3; 2021 — 3." in svg.group(0)
    heights = [
        float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg.group(0))
    ]
    assert len(heights) == 3
    assert heights[0] * 3 == pytest.approx(heights[1])
    assert heights[1] == heights[2]
    assert "<script" not in svg.group(0)

    women = client.get(
        URL,
        {
            "form": "membership",
            "org": tree.districts[0].pk,
            "from": "2019",
            "to": "2021",
            "chart": "women_share",
        },
    )
    assert women.context["indicator"].code == "women_share"
    unknown = client.get(
        URL,
        {"form": "membership", "org": tree.districts[0].pk, "chart": "no_such"},
    )
    assert unknown.context["indicator"].code == "members"


def test_more_than_fifteen_years_are_refused_and_the_input_kept(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """Sixteen years, reversed years or years before 2000 are refused on their field;
    the typed years stay and no table or chart is drawn; fifteen years are shown."""
    client.force_login(chair)
    response = client.get(
        URL,
        {
            "form": "membership",
            "org": tree.districts[0].pk,
            "from": "2005",
            "to": "2020",
        },
    )
    assert response.status_code == 200
    assert response.context["dynamics"] is None
    assert response.context["form"].errors["to"] == [
        "At most 15 years can be shown at once."
    ]
    page = response.content.decode()
    assert 'value="2005"' in page and 'value="2020"' in page
    assert "<svg" not in page

    reversed_years = client.get(
        URL,
        {
            "form": "membership",
            "org": tree.districts[0].pk,
            "from": "2021",
            "to": "2019",
        },
    )
    assert reversed_years.context["form"].errors["from"] == [
        "The first year comes after the last one."
    ]
    early = client.get(
        URL,
        {
            "form": "membership",
            "org": tree.districts[0].pk,
            "from": "1995",
            "to": "2000",
        },
    )
    assert "from" in early.context["form"].errors
    assert (
        client.get(
            URL,
            {
                "form": "membership",
                "org": tree.districts[0].pk,
                "from": "2006",
                "to": "2020",
            },
        ).context["dynamics"]
        is not None
    )


def test_without_a_query_the_page_shows_the_users_organization_for_five_years(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """The first form, the user's home unit, the last five years, and the units below to
    go on to."""
    client.force_login(chair)
    response = client.get(URL)
    assert response.status_code == 200
    dynamics = response.context["dynamics"]
    assert dynamics.unit == tree.districts[0]
    assert dynamics.form.code == "membership"
    assert len(dynamics.years) == 5
    assert response.context["children"] == tree.primaries[:2]


def test_an_organization_of_another_district_is_404(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """Units outside the district, a unit that does not exist and a malformed id answer
    alike; a user without grants has no home unit to show."""
    client.force_login(chair)
    missing = client.get(URL, {"form": "membership", "org": 10**8})
    assert missing.status_code == 404
    for unit in (tree.primaries[2], tree.districts[1], tree.regions[0], tree.central):
        response = client.get(URL, {"form": "membership", "org": unit.pk})
        assert response.status_code == 404
        assert response.content == missing.content
    assert client.get(URL, {"org": "abc"}).status_code == 404
    client.force_login(UserFactory.create())
    assert client.get(URL).status_code == 404


def test_the_query_count_does_not_grow_with_members(
    client: Any, tree: Tree, chair: Any, forms: dict[str, ReportForm]
) -> None:
    """Twelve more members cost no query more."""
    client.force_login(chair)
    params = {"form": "membership", "org": tree.districts[0].pk, "from": "2020"}
    client.get(URL, params)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, params).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for index in range(12):
        tree.admit(tree.primaries[index % 2], joined_on=dt.date(2019 + index % 5, 1, 2))
    assert count() == few
    assert few <= 30  # three for each of the five years, and the page's own


# --- the chart's geometry -------------------------------------------------------------


def test_the_scale_steps_are_round_numbers() -> None:
    """At most five steps of 1, 2 or 5 times a power of ten."""
    assert nice_step(Decimal(802194)) == Decimal(200000)
    assert nice_step(Decimal("95.6")) == Decimal(20)
    assert nice_step(Decimal(7)) == Decimal(2)
    assert nice_step(Decimal(0)) == Decimal(1)


def test_bars_stand_on_one_baseline_in_proportion_and_a_gap_draws_none() -> None:
    """Twice the value is twice the height; a missing value has no bar but a dash."""
    chart = bar_chart(
        [("2017", Decimal(800)), ("2018", Decimal(400)), ("2019", None)],
        text=lambda v: "—" if v is None else str(v),
    )
    first, second, gap = chart.bars
    assert first.height == pytest.approx(second.height * 2)
    assert first.y + first.height == second.y + second.height == chart.baseline
    assert gap.height == 0 and gap.text == "—"
    assert [t.text for t in chart.ticks] == ["0", "200", "400", "600", "800"]
    assert first.x < second.x < gap.x
