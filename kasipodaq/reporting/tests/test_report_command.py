"""`kasipodaq report`: an organization's report of a year to XLSX or JSON, the list
of forms, and the refusals that end it with a message and a non-zero status."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kasipodaq.registry.tests.factories import Tree
from kasipodaq.reporting.models import Campaign, Report, ReportForm
from kasipodaq.reporting.services.reports import save_entries

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


def test_list_names_every_form_by_code(forms: dict[str, ReportForm]) -> None:
    """One line per form: its code, a tab, its name in the active language."""
    with translation.override("kk"):
        lines = run("--list").splitlines()
    assert lines[0] == "membership\tКәсіподақ мүшелігінің саны мен құрылымы"
    assert {line.split("\t")[0] for line in lines} == set(forms)
    assert len(lines) == 6


def test_the_consolidated_report_goes_to_xlsx(
    tree: Tree, legal_campaign: Campaign, tmp_path: Path
) -> None:
    """A region's report: its figures rolled up from the schools below, in Kazakh
    when asked; the command says where it wrote."""
    for unit, appeals in ((tree.primaries[0], "10"), (tree.primaries[2], "5")):
        save_entries(
            actor=tree.admin,
            report=Report.objects.get(campaign=legal_campaign, unit=unit),
            raw={"appeals": appeals},
        )
    target = tmp_path / "legal.xlsx"
    region = tree.regions[0]
    said = run(
        "legal",
        "--period",
        str(YEAR),
        "--org",
        region.code,
        "--format",
        "xlsx",
        "--language",
        "kk",
        "-o",
        str(target),
    )
    assert str(target) in said
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert sheet["A1"].value == "Құқық қорғау жұмысы"
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["appeals"][2] == 15
    assert rows["appeals"][1] == "Кәсіподақ мүшелерінің қаралған өтініштері"
    assert [p.name for p in tmp_path.iterdir()] == ["legal.xlsx"]


def test_the_report_goes_to_json_with_its_children(
    tree: Tree, membership_campaign: Campaign, tmp_path: Path
) -> None:
    """--format json, the format also told by the file's name; --children adds
    each organization below."""
    tree.admit(tree.primaries[0])
    tree.admit(tree.primaries[1])
    target = tmp_path / "district.json"
    run(
        "membership",
        "--period",
        str(YEAR),
        "--org",
        tree.districts[0].code,
        "--children",
        "-o",
        str(target),
    )
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["form"]["code"] == "membership"
    assert data["organization"]["code"] == tree.districts[0].code
    assert data["sections"][0]["indicators"][0]["value"] == 2
    assert [c["values"]["members"] for c in data["children"]] == [1, 1]


def test_json_can_go_to_the_standard_output(
    tree: Tree, membership_campaign: Campaign
) -> None:
    """-o - writes the JSON itself, for a pipe."""
    data = json.loads(
        run("membership", "--period", str(YEAR), "--org", tree.central.code, "-o", "-")
    )
    assert data["year"] == YEAR
    assert data["status"] == "draft"


def test_a_registry_only_form_is_computed_for_a_year_without_a_campaign(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """Membership in 2021 (no campaign): the registry as of 1 January 2022, members
    who joined later left out; no status."""
    tree.admit(tree.primaries[0], joined_on=dt.date(2020, 9, 1))
    tree.admit(tree.primaries[0], joined_on=dt.date(2022, 3, 1))
    data = json.loads(
        run("membership", "--period", "2021", "--org", tree.central.code, "-o", "-")
    )
    assert data["as_of"] == "2022-01-01"
    assert data["status"] == ""
    assert data["sections"][0]["indicators"][0]["value"] == 1


def test_an_entered_form_without_a_campaign_is_refused(
    tree: Tree, forms: dict[str, ReportForm], tmp_path: Path
) -> None:
    """Legal work in 2021 was never collected: nothing to write, no file."""
    said = refused(
        "legal",
        "--period",
        "2021",
        "--org",
        tree.central.code,
        "-o",
        str(tmp_path / "x.json"),
    )
    assert "2021" in said and "legal" in said
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("nosuchform", "--period", str(YEAR), "--org", "{org}", "-o", "{file}"),
            "nosuchform",
        ),
        (
            ("membership", "--period", str(YEAR), "--org", "NOSUCH", "-o", "{file}"),
            "NOSUCH",
        ),
        (("membership", "--period", "1990", "--org", "{org}", "-o", "{file}"), "2000"),
        (
            ("membership", "--period", str(YEAR), "--org", "{org}", "--format", "xlsx"),
            "-o",
        ),
        (("membership", "--org", "{org}", "-o", "{file}"), "--period"),
        (
            (
                "membership",
                "--period",
                str(YEAR),
                "--org",
                "{org}",
                "-o",
                "{dir}/a.txt",
            ),
            "--format",
        ),
        (
            (
                "membership",
                "--period",
                str(YEAR),
                "--org",
                "{org}",
                "--format",
                "xlsx",
                "-o",
                "-",
            ),
            "JSON",
        ),
        (
            (
                "membership",
                "--period",
                str(YEAR),
                "--org",
                "{org}",
                "-o",
                "{dir}/no/such/dir/a.json",
            ),
            "no/such/dir",
        ),
    ],
    ids=[
        "unknown-form",
        "unknown-org",
        "year-out-of-range",
        "no-output",
        "no-period",
        "unknown-extension",
        "xlsx-to-stdout",
        "unwritable",
    ],
)
def test_bad_arguments_end_with_a_message_and_status_1(
    tree: Tree,
    forms: dict[str, ReportForm],
    tmp_path: Path,
    args: tuple[str, ...],
    says: str,
) -> None:
    """Each refusal names what is wrong; no file is left behind."""
    filled = [
        a.format(org=tree.central.code, file=tmp_path / "r.json", dir=tmp_path)
        for a in args
    ]
    assert says in refused(*filled)
    assert list(tmp_path.iterdir()) == []


def test_the_console_script_maps_report_to_the_command(monkeypatch: Any) -> None:
    """`kasipodaq report` and `kasipodaq remind-reports` reach these commands."""
    from kasipodaq.__main__ import command_line

    assert command_line(["kasipodaq", "remind-reports"])[1] == "remind_reports"
    assert command_line(["kasipodaq", "report", "--list"])[1:] == ["report", "--list"]
