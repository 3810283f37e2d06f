"""The exchange pages over HTTP: the report as XLSX and PDF, the offline template,
the upload of a filled one; and their refusals (another district's report is 404,
the same as a report that does not exist)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.exchange.template import INPUT_COLUMN, template_file
from kasipodaq.reporting.models import (
    Campaign,
    Report,
    ReportAction,
    ReportEvent,
    ReportValue,
)
from kasipodaq.reporting.services.reports import submit_report

from .conftest import YEAR

pytestmark = pytest.mark.django_db
PAGES = ("export-xlsx", "export-pdf", "template", "upload")


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(user)
    return client


def url(name: str, report: Report, query: str = "") -> str:
    return reverse(f"reports:{name}", kwargs={"pk": report.pk}) + query


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def values_of(report: Report) -> dict[str, Any]:
    return dict(
        ReportValue.objects.filter(report=report).values_list(
            "indicator__code", "number"
        )
    )


@pytest.fixture
def school(tree: Tree, legal_campaign: Campaign) -> Report:
    return Report.objects.get(campaign=legal_campaign, unit=tree.primaries[0])


@pytest.fixture
def chair(tree: Tree) -> User:
    """The chair of the school's district."""
    return grant(Role.CHAIR, tree.districts[0])


def filled_template(report: Report, values: dict[str, Any]) -> io.BytesIO:
    with template_file(report, language="ru") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    sheet = book.worksheets[0]
    rows = {cell.value: cell.row for cell in sheet["A"] if cell.value in values}
    for code, value in values.items():
        sheet.cell(row=rows[code], column=INPUT_COLUMN + 1).value = value
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "filled.xlsx"
    return out


def test_the_report_downloads_as_xlsx_in_the_language_asked(
    school: Report, chair: User
) -> None:
    """?language=kk gives the Kazakh workbook on a Russian page, named for the
    form, year, organization and language."""
    response = signed_in(chair).get(url("export-xlsx", school, "?language=kk"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert (
        f'filename="legal-{YEAR}-{school.unit.code}-kk.xlsx"'
        in response["Content-Disposition"]
    )
    book = openpyxl.load_workbook(io.BytesIO(content(response)))
    assert book.worksheets[0]["A1"].value == "Құқық қорғау жұмысы"


def test_the_consolidated_xlsx_has_a_column_per_organization_below(
    tree: Tree, legal_campaign: Campaign, chair: User
) -> None:
    """?children=1 on the district's report."""
    district = Report.objects.get(campaign=legal_campaign, unit=tree.districts[0])
    response = signed_in(chair).get(url("export-xlsx", district, "?children=1"))
    book = openpyxl.load_workbook(io.BytesIO(content(response)))
    header = [c.value for c in book.worksheets[0][6]]
    assert header[3:] == [tree.primaries[0].name_ru, tree.primaries[1].name_ru]


def test_the_report_downloads_as_pdf(school: Report, chair: User) -> None:
    """A PDF attachment; without ?language= in the page's language (Russian)."""
    response = signed_in(chair).get(url("export-pdf", school))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"-{school.unit.code}-ru.pdf" in response["Content-Disposition"]
    assert content(response).startswith(b"%PDF-")


@pytest.mark.parametrize("name", ["export-xlsx", "export-pdf", "template"])
def test_a_language_the_forms_are_not_printed_in_is_a_bad_request(
    school: Report, chair: User, name: str
) -> None:
    """?language=en: 400 saying which are offered, no file."""
    response = signed_in(chair).get(url(name, school, "?language=en"))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_the_template_downloads_for_an_open_report(school: Report, chair: User) -> None:
    """The offline template, in the language asked."""
    response = signed_in(chair).get(url("template", school, "?language=kk"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        f'legal-{YEAR}-{school.unit.code}-kk-template.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(content(response)))
    assert book.worksheets[0].protection.sheet is True


def test_a_locked_report_has_no_template_to_fill(school: Report, chair: User) -> None:
    """The template of a submitted report leads to the upload page, which says
    the report cannot be changed and offers no form."""
    submit_report(actor=chair, report=school)
    client = signed_in(chair)
    response = client.get(url("template", school))
    assert response.status_code == 302
    assert response["Location"] == url("upload", school)
    page = client.get(url("upload", school))
    assert page.status_code == 200
    assert b'type="file"' not in page.content


def test_an_uploaded_template_saves_its_figures_and_leads_to_the_report(
    school: Report, chair: User
) -> None:
    """Upload → the figures are saved, the trail says «uploaded», the report page
    follows with a confirmation."""
    client = signed_in(chair)
    assert client.get(url("upload", school)).status_code == 200
    response = client.post(
        url("upload", school),
        {"file": filled_template(school, {"appeals": 8, "lawyers": 1})},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", kwargs={"pk": school.pk})
    assert values_of(school) == {"appeals": 8, "lawyers": 1}
    assert ReportEvent.objects.filter(
        report=school, action=ReportAction.UPLOADED, actor=chair
    ).exists()


def test_a_refused_upload_shows_why_on_the_page_and_saves_nothing(
    tree: Tree, legal_campaign: Campaign, school: Report, chair: User
) -> None:
    """Another school's template: the reason under the file field. A negative
    count: a table of the refused figures with their rows. Nothing saved."""
    client = signed_in(chair)
    neighbour = Report.objects.get(campaign=legal_campaign, unit=tree.primaries[1])
    page = client.post(
        url("upload", school), {"file": filled_template(neighbour, {"appeals": 1})}
    )
    assert page.status_code == 200
    assert "file" in page.context["form"].errors
    assert tree.primaries[1].code in page.content.decode()

    page = client.post(
        url("upload", school),
        {"file": filled_template(school, {"appeals": 5, "lawyers": -2})},
    )
    assert page.status_code == 200
    problems = page.context["problems"]
    assert [p.code for p in problems] == ["lawyers"]
    assert f"<td>{problems[0].row}</td>" in page.content.decode()

    page = client.post(url("upload", school), {})
    assert "file" in page.context["form"].errors
    assert values_of(school) == {}
    assert not ReportEvent.objects.filter(report=school).exists()


@pytest.mark.parametrize("name", PAGES)
def test_another_districts_report_is_404_like_a_missing_one(
    tree: Tree, legal_campaign: Campaign, chair: User, name: str
) -> None:
    """GET and POST about a report outside the chair's district (a school of the
    other region, the region above, the centre): 404 with the answer of a report
    that does not exist, and nothing changes; the chair's own school is served."""
    client = signed_in(chair)
    missing = client.get(reverse(f"reports:{name}", kwargs={"pk": 10**9}))
    assert missing.status_code == 404
    for unit in (tree.primaries[4], tree.regions[0], tree.central):
        other = Report.objects.get(campaign=legal_campaign, unit=unit)
        response = client.get(url(name, other))
        assert response.status_code == 404
        assert response.content == missing.content
        posted = client.post(
            url(name, other), {"file": filled_template(other, {"appeals": 1})}
        )
        assert posted.status_code in (404, 405)
        assert values_of(other) == {}
    own = Report.objects.get(campaign=legal_campaign, unit=tree.primaries[0])
    assert client.get(url(name, own)).status_code in (200, 302)


def test_who_sees_a_report_exports_it_but_only_who_fills_it_gets_the_template(
    tree: Tree, school: Report
) -> None:
    """An auditor of the school downloads its XLSX and PDF; its template and
    upload pages are 404 to them."""
    client = signed_in(grant(Role.AUDITOR, tree.primaries[0]))
    assert client.get(url("export-xlsx", school)).status_code == 200
    assert client.get(url("export-pdf", school)).status_code == 200
    assert client.get(url("template", school)).status_code == 404
    assert client.get(url("upload", school)).status_code == 404
    posted = client.post(
        url("upload", school), {"file": filled_template(school, {"appeals": 1})}
    )
    assert posted.status_code == 404
    assert values_of(school) == {}


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_want_a_signed_in_user(school: Report, name: str) -> None:
    """Anonymous: to the sign-in page."""
    response = Client().get(url(name, school))
    assert response.status_code == 302
    assert "next=" in response["Location"]
