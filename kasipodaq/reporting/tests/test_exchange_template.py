"""The offline template: downloaded, filled in a spreadsheet without internet,
uploaded; and every upload that is refused with nothing saved."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core import signing
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.errors import ReportRefusal
from kasipodaq.reporting.exchange.template import (
    INPUT_COLUMN,
    META_SHEET,
    SALT,
    TemplateFiguresRefused,
    read_template,
    template_file,
    upload_template,
)
from kasipodaq.reporting.models import (
    Campaign,
    Report,
    ReportAction,
    ReportEvent,
    ReportForm,
    ReportValue,
)
from kasipodaq.reporting.services.forms import open_draft_version, publish_version
from kasipodaq.reporting.services.reports import save_entries, submit_report

from .conftest import YEAR, open_for

pytestmark = pytest.mark.django_db

Book = Any  # openpyxl has no type hints
CODE = re.compile(r"[a-z][a-z0-9_]*")


def template_bytes(report: Report, language: str = "ru") -> bytes:
    with template_file(report, language=language) as handle:
        return handle.read()


def opened(data: bytes) -> Book:
    return openpyxl.load_workbook(io.BytesIO(data))


def saved(book: Book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def input_rows(book: Book) -> dict[str, int]:
    """The 1-based row of each indicator code in the template's worksheet."""
    return {
        cell.value: cell.row
        for cell in book.worksheets[0]["A"]
        if isinstance(cell.value, str) and CODE.fullmatch(cell.value)
    }


def filled(report: Report, values: dict[str, Any], language: str = "ru") -> bytes:
    """The report's template with `values` typed into the input cells."""
    book = opened(template_bytes(report, language))
    sheet = book.worksheets[0]
    rows = input_rows(book)
    for code, value in values.items():
        sheet.cell(row=rows[code], column=INPUT_COLUMN + 1).value = value
    return saved(book)


def state(report: Report) -> dict[str, Any]:
    """What an upload could change."""
    fresh = Report.objects.get(pk=report.pk)
    return {
        "values": list(
            ReportValue.objects.filter(report__campaign=report.campaign)
            .order_by("pk")
            .values()
        ),
        "events": ReportEvent.objects.count(),
        "status": fresh.status,
        "updated_at": fresh.updated_at,
    }


def report_of(campaign: Campaign, unit: Any) -> Report:
    return Report.objects.select_related("campaign__version", "unit").get(
        campaign=campaign, unit=unit
    )


@pytest.fixture
def school_report(tree: Tree, legal_campaign: Campaign) -> Report:
    return report_of(legal_campaign, tree.primaries[0])


@pytest.fixture
def filler(tree: Tree) -> Any:
    return grant(Role.PRIMARY_CHAIR, tree.primaries[0])


# --- the template ---------------------------------------------------------------


def test_the_template_offers_an_unlocked_cell_for_each_entered_figure_only(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """Entered figures have an unlocked input cell holding what was saved; the
    registry's and the formulas' figures are shown locked; the worksheet is
    protected and the template data sheet is very hidden."""
    campaign = open_for(tree, forms["training"])
    report = report_of(campaign, tree.primaries[0])
    tree.admit(tree.primaries[0])
    save_entries(actor=tree.admin, report=report, raw={"trained_chairs": "3"})
    book = opened(template_bytes(report))
    sheet = book.worksheets[0]
    rows = input_rows(book)
    column = INPUT_COLUMN + 1

    chairs = sheet.cell(row=rows["trained_chairs"], column=column)
    assert chairs.value == 3
    assert chairs.protection.locked is False
    empty = sheet.cell(row=rows["trained_members"], column=column)
    assert empty.value is None and empty.protection.locked is False
    members = sheet.cell(row=rows["members"], column=column)
    assert members.value == 1 and members.protection.locked is not False
    total = sheet.cell(row=rows["trained_total"], column=column)
    assert total.value == 3 and total.protection.locked is not False
    assert sheet.protection.sheet is True
    assert book[META_SHEET].sheet_state == "veryHidden"
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    rule = validations[f"D{rows['trained_chairs']}"]
    assert rule.type == "whole" and rule.operator in (None, "between")
    assert (rule.formula1, rule.formula2) == ("0", "999999999999")


def test_the_kazakh_template_names_everything_in_kazakh(
    school_report: Report,
) -> None:
    """Form and indicators by their Kazakh names, whatever the active language."""
    with translation.override("en"):
        book = opened(template_bytes(school_report, "kk"))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "Құқық қорғау жұмысы"
    names = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert names["appeals"] == "Кәсіподақ мүшелерінің қаралған өтініштері"


# --- the round trip -------------------------------------------------------------


def test_a_filled_template_uploads_its_figures_into_the_report(
    school_report: Report, filler: Any
) -> None:
    """Download → fill in a spreadsheet → upload: the figures are saved as typed
    on the page (1 234,5 typed as text too), blanks clear, and the trail says the
    figures came from a template."""
    save_entries(actor=filler, report=school_report, raw={"lawyers": "2"})
    data = filled(
        school_report,
        {
            "appeals": 12,
            "consultations": "1 234",
            "recovered_amount": 1234.56,
            "lawyers": None,
        },
    )
    upload_template(actor=filler, report=school_report, data=data)

    stored = {
        v.indicator.code: v.number
        for v in ReportValue.objects.filter(report=school_report).select_related(
            "indicator"
        )
    }
    assert stored == {
        "appeals": Decimal(12),
        "consultations": Decimal(1234),
        "recovered_amount": Decimal("1234.56"),
    }
    event = ReportEvent.objects.filter(report=school_report).first()
    assert event is not None
    assert (event.action, event.actor) == (ReportAction.UPLOADED, filler)


def test_the_template_read_back_gives_the_figures_it_was_made_with(
    school_report: Report, filler: Any
) -> None:
    """A template uploaded untouched saves the same figures again."""
    save_entries(
        actor=filler,
        report=school_report,
        raw={"appeals": "7", "recovered_amount": "10,25"},
    )
    data = template_bytes(school_report)
    found = read_template(data)
    assert (found.form, found.version, found.year) == ("legal", 1, YEAR)
    assert found.organization == school_report.unit.code
    assert found.values["appeals"] == 7
    assert found.values["recovered_amount"] == Decimal("10.25")
    assert found.values["lawyers"] == ""
    upload_template(actor=filler, report=school_report, data=data)
    assert ReportValue.objects.filter(report=school_report).count() == 2


# --- refusals: each leaves the database as it was --------------------------------


def refused(report: Report, actor: Any, data: bytes, code: str) -> ReportRefusal:
    before = state(report)
    with pytest.raises(ReportRefusal) as caught:
        upload_template(actor=actor, report=report, data=data)
    assert caught.value.code == code, caught.value.message
    assert state(report) == before
    return caught.value


def test_a_template_of_another_form_is_refused(
    tree: Tree, school_report: Report, filler: Any, forms: dict[str, ReportForm]
) -> None:
    """The school's safety template, uploaded to its legal report."""
    safety = report_of(open_for(tree, forms["safety"]), tree.primaries[0])
    error = refused(school_report, filler, filled(safety, {}), "other_form")
    assert forms["safety"].name in str(error)


def test_a_template_of_another_year_is_refused(
    tree: Tree, school_report: Report, filler: Any, forms: dict[str, ReportForm]
) -> None:
    """The school's legal template of the year before."""
    earlier = report_of(open_for(tree, forms["legal"], YEAR - 1), tree.primaries[0])
    error = refused(
        school_report, filler, filled(earlier, {"appeals": 1}), "other_period"
    )
    assert str(YEAR - 1) in str(error)


def test_a_template_of_another_organization_is_refused(
    tree: Tree, legal_campaign: Campaign, school_report: Report, filler: Any
) -> None:
    """The neighbour school's template, uploaded to this school's report."""
    neighbour = report_of(legal_campaign, tree.primaries[1])
    error = refused(
        school_report, filler, filled(neighbour, {"appeals": 1}), "other_organization"
    )
    assert tree.primaries[1].code in str(error)


def test_a_template_of_another_version_of_the_form_is_refused(
    tree: Tree, forms: dict[str, ReportForm], filler: Any
) -> None:
    """The year's campaign was opened again with a newer version of the form: a
    template made for the first one no longer fits."""
    campaign = open_for(tree, forms["legal"])
    old = filled(report_of(campaign, tree.primaries[0]), {"appeals": 1})
    campaign.delete()
    publish_version(
        actor=tree.admin,
        version=open_draft_version(actor=tree.admin, form=forms["legal"]),
    )
    renewed = report_of(open_for(tree, forms["legal"]), tree.primaries[0])
    assert renewed.campaign.version.number == 2
    refused(renewed, filler, old, "other_version")


# The template data sheet: form, version, year, organization, signature (rows 1-5).
ALTERATIONS: dict[str, Callable[[Any], None]] = {
    "organization": lambda meta: meta.__setitem__("B4", "U99999"),
    "form": lambda meta: meta.__setitem__("B1", "safety"),
    "year": lambda meta: meta.__setitem__("B3", str(YEAR - 1)),
    "signature": lambda meta: meta.__setitem__("B5", "x" + meta["B5"].value),
    "no-signature": lambda meta: meta.__setitem__("B5", None),
}


@pytest.mark.parametrize("alteration", ALTERATIONS)
def test_altered_template_data_is_refused(
    school_report: Report, filler: Any, alteration: str
) -> None:
    """Template data changed by hand no longer matches its signature."""
    book = opened(filled(school_report, {"appeals": 1}))
    ALTERATIONS[alteration](book[META_SHEET])
    refused(school_report, filler, saved(book), "altered")


def test_a_forged_signature_is_refused(school_report: Report, filler: Any) -> None:
    """Template data signed with another key (or salt) is not the install's."""
    book = opened(filled(school_report, {"appeals": 1}))
    meta = book[META_SHEET]
    payload = signing.loads(str(meta["B5"].value), salt=SALT)
    meta["B5"] = signing.dumps(payload, key="another-install", salt=SALT)
    refused(school_report, filler, saved(book), "altered")


def test_moved_rows_are_refused(school_report: Report, filler: Any) -> None:
    """An input cell's row no longer holds its indicator (the sheet unprotected
    and rows inserted): nothing is guessed."""
    book = opened(filled(school_report, {"appeals": 1}))
    book.worksheets[0].insert_rows(8)
    refused(school_report, filler, saved(book), "altered")


def test_a_sheet_of_ones_own_beside_the_template_changes_nothing(
    school_report: Report, filler: Any
) -> None:
    """Notes kept on a sheet added in front: the figures are still found on the
    template's own sheet; a renamed template sheet is not taken for it."""
    book = opened(filled(school_report, {"appeals": 6}))
    book.create_sheet("Заметки", 0)["A1"] = "lawyers"
    upload_template(actor=filler, report=school_report, data=saved(book))
    assert ReportValue.objects.get(report=school_report).number == 6

    book = opened(filled(school_report, {"appeals": 7}))
    book.worksheets[0].title = "Отчёт"
    refused(school_report, filler, saved(book), "altered")


def test_a_workbook_without_template_data_is_refused(
    school_report: Report, filler: Any
) -> None:
    """An XLSX of one's own making: not a template."""
    book = opened(filled(school_report, {"appeals": 1}))
    del book[META_SHEET]
    refused(school_report, filler, saved(book), "no_template_data")


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("garbage", "code"),
    [
        (b"", "not_xlsx"),
        (b"not a spreadsheet at all", "not_xlsx"),
        ("код;значение\nappeals;5\n".encode(), "not_xlsx"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not_xlsx"),
        (b"PK\x03\x04" + b"\x00" * 64, "damaged"),
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "not_xlsx",
        ),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<<<"}), "damaged"),
        (b"PK\x03\x04" + b"\x00" * (2 << 20), "too_large"),
    ],
    ids=["empty", "text", "csv", "png", "broken-zip", "ods", "broken-xlsx", "huge"],
)
def test_a_file_that_is_no_xlsx_or_is_damaged_is_refused(
    school_report: Report, filler: Any, garbage: bytes, code: str
) -> None:
    """Garbage of every kind gets a clear reason, not a crash."""
    refused(school_report, filler, garbage, code)


def test_a_cut_off_template_is_refused_as_damaged(
    school_report: Report, filler: Any
) -> None:
    """A download or copy interrupted half-way."""
    data = filled(school_report, {"appeals": 1})
    refused(school_report, filler, data[: len(data) // 2], "damaged")


def test_a_template_of_a_locked_report_is_refused(
    school_report: Report, filler: Any
) -> None:
    """Once the report is submitted, its own template changes nothing."""
    data = filled(school_report, {"appeals": 3})
    submit_report(actor=filler, report=school_report)
    refused(school_report, filler, data, "locked")


def test_figures_the_form_does_not_take_are_refused_with_their_rows(
    school_report: Report, filler: Any
) -> None:
    """A negative count, a fraction of a count and a word: each named with its row
    of the file, and nothing of the file is saved, not even its good figures."""
    save_entries(actor=filler, report=school_report, raw={"appeals": "4"})
    data = filled(
        school_report,
        {"appeals": 9, "lawyers": -1, "consultations": 2.5, "inspections": "many"},
    )
    rows = input_rows(opened(data))
    before = state(school_report)
    with pytest.raises(TemplateFiguresRefused) as caught:
        upload_template(actor=filler, report=school_report, data=data)
    problems = {p.code: p for p in caught.value.problems}
    assert set(problems) == {"lawyers", "consultations", "inspections"}
    assert problems["lawyers"].row == rows["lawyers"]
    assert problems["consultations"].row == rows["consultations"]
    assert [p.row for p in caught.value.problems] == sorted(
        p.row for p in caught.value.problems
    )
    assert problems["lawyers"].name == "Юристы в штате (правовые инспекторы труда)"
    assert state(school_report) == before


def test_only_those_who_fill_the_report_may_upload(
    tree: Tree, school_report: Report
) -> None:
    """An auditor of the school sees the report but cannot fill it; a chair of
    another district cannot either. The file is not even read."""
    data = filled(school_report, {"appeals": 1})
    for outsider in (
        grant(Role.AUDITOR, tree.primaries[0]),
        grant(Role.CHAIR, tree.districts[2]),
    ):
        before = state(school_report)
        with pytest.raises(PermissionRefused):
            upload_template(actor=outsider, report=school_report, data=data)
        with pytest.raises(PermissionRefused):
            upload_template(actor=outsider, report=school_report, data=b"garbage")
        assert state(school_report) == before
