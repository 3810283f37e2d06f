"""A report printed in the union's layout: the XLSX workbook and the JSON data, in
Russian or Kazakh whatever the active language, with the organizations below as
further columns on request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext

from kasipodaq.registry.models import Category
from kasipodaq.registry.tests.factories import MALE, Tree
from kasipodaq.reporting.exchange.layout_rows import (
    as_json,
    file_language,
    printed_report_of,
    shown,
)
from kasipodaq.reporting.exchange.xlsx import report_filename, report_xlsx_file
from kasipodaq.reporting.formulas import CODE
from kasipodaq.reporting.models import Campaign, Report
from kasipodaq.reporting.services.reports import save_entries

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def workbook_rows(printed: Any) -> list[tuple[Any, ...]]:
    with report_xlsx_file(printed) as handle:
        book = openpyxl.load_workbook(BytesIO(handle.read()))
    sheet = book.worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def by_code(rows: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    """The indicator rows by their code (the header row's «Code» is not one)."""
    return {
        row[0]: row for row in rows if row[0] and row[1] and CODE.fullmatch(str(row[0]))
    }


@pytest.fixture
def members(tree: Tree) -> None:
    """Three members at the first school, one at the second (of the same district)."""
    school, other = tree.primaries[0], tree.primaries[1]
    tree.admit(school, birth_date=dt.date(1999, 3, 1))
    tree.admit(school, birth_date=dt.date(1970, 3, 1), sex=MALE)
    tree.admit(school, category=Category.STUDENT, birth_date=dt.date(2004, 1, 1))
    tree.admit(other, birth_date=dt.date(1980, 1, 1))


def test_the_workbook_holds_the_title_sections_and_each_indicator_with_its_value(
    tree: Tree, membership_campaign: Campaign, members: None
) -> None:
    """Title lines name the form, the organization, the year and 1 January after it;
    each section is a merged header row; each indicator has its code, its Russian
    name and its value as a number, shown with its type's places."""
    report = Report.objects.get(campaign=membership_campaign, unit=tree.primaries[0])
    printed = printed_report_of(report, language="ru")
    with report_xlsx_file(printed) as handle:
        book = openpyxl.load_workbook(BytesIO(handle.read()))
    sheet = book.worksheets[0]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]

    assert rows[0][0] == "Численность и структура профсоюзного членства"
    assert tree.primaries[0].code in rows[1][0]
    assert str(YEAR) in rows[2][0] and f"01.01.{YEAR + 1}" in rows[2][0]
    figures = by_code(rows)
    assert figures["members"][1] == "Всего членов профсоюза"
    assert figures["members"][2] == 3
    assert figures["students"][2] == 1
    assert figures["women"][2] == 2
    assert figures["students_share"][2] == pytest.approx(33.3)
    assert figures["coverage"][2] == pytest.approx(4.0)  # 2 working of 50 employees
    section_rows = [row for row in rows if row[0] == "Члены профсоюза"]
    assert len(section_rows) == 1
    merged = {str(r) for r in sheet.merged_cells.ranges}
    section_row = rows.index(section_rows[0]) + 1
    assert f"A{section_row}:C{section_row}" in merged
    cells = {c.value: c for c in sheet["A"] if c.value}
    count_cell = sheet.cell(row=cells["members"].row, column=3)
    share_cell = sheet.cell(row=cells["students_share"].row, column=3)
    assert count_cell.number_format == "#,##0"
    assert share_cell.number_format == "0.0"
    assert sheet.freeze_panes is not None
    assert report_filename(printed, "xlsx") == (
        f"membership-{YEAR}-{tree.primaries[0].code}-ru.xlsx"
    )


def test_the_kazakh_workbook_is_in_kazakh_whatever_the_page_language(
    tree: Tree, membership_campaign: Campaign, members: None
) -> None:
    """Asked for in Kazakh while the active language is English, the form, the
    sections and the indicators carry their Kazakh names; the figures are the
    same as in the Russian workbook."""
    report = Report.objects.get(campaign=membership_campaign, unit=tree.primaries[0])
    with translation.override("en"):
        kazakh = workbook_rows(printed_report_of(report, language="kk"))
        russian = workbook_rows(printed_report_of(report, language="ru"))
    assert kazakh[0][0] == "Кәсіподақ мүшелігінің саны мен құрылымы"
    assert any(row[0] == "Кәсіподақ мүшелері" for row in kazakh)
    assert any(row[0] == "Ұйымдық құрылым және қамту" for row in kazakh)
    kk, ru = by_code(kazakh), by_code(russian)
    assert kk["members"][1] == "Кәсіподақ мүшелерінің барлығы"
    assert kk["coverage"][1] == "Кәсіподақ мүшелігімен қамту, %"
    assert {code: row[2] for code, row in kk.items()} == {
        code: row[2] for code, row in ru.items()
    }
    with translation.override("kk"):
        assert kazakh[5][:2] == (gettext("Code"), gettext("Indicator"))


def test_the_consolidated_view_adds_a_column_per_organization_below(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """A district's workbook with its children: the district's total (its own figure
    plus its schools') and then each school's figure, titled by its name."""
    district = tree.districts[0]
    school_a, school_b = tree.primaries[0], tree.primaries[1]
    for unit, appeals in ((school_a, "10"), (school_b, "5"), (district, "1")):
        save_entries(
            actor=tree.admin,
            report=Report.objects.get(campaign=legal_campaign, unit=unit),
            raw={"appeals": appeals, "recovered_amount": "1 234,5"},
        )
    report = Report.objects.get(campaign=legal_campaign, unit=district)
    rows = workbook_rows(printed_report_of(report, language="ru", children=True))
    with translation.override("ru"):
        total = gettext("Total")
    assert rows[5][2:] == (total, school_a.name_ru, school_b.name_ru)
    figures = by_code(rows)
    assert figures["appeals"][2:] == (16, 10, 5)
    assert figures["recovered_amount"][2:] == (
        pytest.approx(3703.5),
        pytest.approx(1234.5),
        pytest.approx(1234.5),
    )
    assert figures["lawyers"][2:] == (None, None, None)


def test_the_json_holds_the_same_report_as_data(
    tree: Tree, membership_campaign: Campaign, members: None
) -> None:
    """JSON: the form, year, date, organization, status, the sections with their
    indicators and values (whole counts as integers), and each child's values."""
    report = Report.objects.get(campaign=membership_campaign, unit=tree.districts[0])
    data = as_json(printed_report_of(report, language="kk", children=True))
    assert data["form"] == {
        "code": "membership",
        "name": "Кәсіподақ мүшелігінің саны мен құрылымы",
        "version": 1,
    }
    assert data["year"] == YEAR
    assert data["as_of"] == f"{YEAR + 1}-01-01"
    assert data["organization"]["code"] == tree.districts[0].code
    assert data["status"] == "draft"
    members_row = data["sections"][0]["indicators"][0]
    assert members_row == {
        "code": "members",
        "name": "Кәсіподақ мүшелерінің барлығы",
        "type": "count",
        "source": "registry",
        "value": 4,
    }
    assert isinstance(members_row["value"], int)
    children = {child["code"]: child["values"] for child in data["children"]}
    assert children[tree.primaries[0].code]["members"] == 3
    assert children[tree.primaries[1].code]["members"] == 1
    assert children[tree.primaries[0].code]["students_share"] == 33.3


def test_figures_are_shown_the_union_way() -> None:
    """Thousands grouped by a no-break space, a decimal comma, the type's places."""
    assert shown(Decimal(613860), "count") == "613\u00a0860"
    assert shown(Decimal("1234.5"), "amount") == "1\u00a0234,50"
    assert shown(Decimal("72"), "percent") == "72,0"
    assert shown(None, "count") == ""
    assert shown("текст", "text") == "текст"


def test_the_file_language_is_the_one_asked_else_the_page_one_else_russian(
    tree: Tree, membership_campaign: Campaign
) -> None:
    """Only Russian and Kazakh are the forms' languages."""
    assert file_language("kk", fallback="ru") == "kk"
    assert file_language(None, fallback="kk") == "kk"
    assert file_language("", fallback="en") == "ru"
    report = Report.objects.get(campaign=membership_campaign, unit=tree.central)
    with pytest.raises(ValueError):
        printed_report_of(report, language="en")
