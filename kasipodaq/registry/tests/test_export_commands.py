"""`kasipodaq export-members` and `export-orgs`: import files written by the system."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgPlacement, OrgUnit
from kasipodaq.registry import exports
from kasipodaq.registry.imports.headers import guess_mapping
from kasipodaq.registry.imports.org_values import org_row_parser
from kasipodaq.registry.imports.reading import open_table
from kasipodaq.registry.imports.values import member_row_parser
from kasipodaq.registry.models import LeaveReason, Membership, Person
from kasipodaq.registry.tests.conftest import History

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]


def run(command: str, *args: str) -> str:
    """Run a command in English; what it printed."""
    out = io.StringIO()
    with translation.override("en"):
        call_command(command, *args, stdout=out)
    return out.getvalue()


def member_rows_of(path: Path) -> list[tuple[str, str, str]]:
    """(IIN, organization code, reason) of every row, each parsed without a problem."""
    table = open_table(path)
    parse = member_row_parser(guess_mapping(table.headers, "members"), today=today())
    rows = []
    for row in table.rows():
        value, problems = parse(row)
        assert problems == [], row
        assert value is not None
        rows.append((value.iin, value.org_code, value.leave_reason))
    return rows


def org_codes_of(path: Path) -> list[str]:
    """The code of every row, each parsed without a problem."""
    table = open_table(path)
    parse = org_row_parser(guess_mapping(table.headers, "orgs"), today=today())
    codes = []
    for row in table.rows():
        value, problems = parse(row)
        assert problems == [], row
        assert value is not None
        codes.append(value.code)
    return codes


def exported_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.MEMBERS_EXPORTED))


@pytest.mark.parametrize("suffix", FORMATS)
def test_export_members_writes_the_whole_history(history, tmp_path, suffix):
    """Every membership period, ended ones with their reason, in a file the
    importer reads; the summary names the rows and the file."""
    path = tmp_path / f"members.{suffix}"
    printed = run("export_members", str(path))
    periods = Membership.objects.order_by("person__iin", "joined_on", "pk")
    assert printed == f"{periods.count()} rows written to {path}.\n"
    assert member_rows_of(path) == [
        (iin, code, reason)
        for iin, code, reason in periods.values_list(
            "person__iin", "org_unit__code", "leave_reason"
        )
    ]
    dead = history.left_for[LeaveReason.DEATH]
    assert (dead.iin, dead.current_membership.org_unit.code, "death") in (
        member_rows_of(path)
    )


def test_export_members_is_audited_as_done_by_the_system(history, tmp_path):
    """One event with no actor, the file's format and rows, and where it went."""
    path = tmp_path / "members.csv"
    run("export_members", str(path))
    [event] = exported_events()
    assert event.actor is None
    assert event.after == {
        "filters": {"org": None},
        "format": "csv",
        "history": True,
        "rows": Membership.objects.count(),
    }
    assert event.note == str(path.resolve())


def test_org_option_exports_the_people_of_a_subtree_with_their_past(
    history: History, tmp_path
):
    """--org CODE keeps the people whose membership is in that subtree, each
    with every period, those in other organizations included."""
    p = history.tree.primaries
    path = tmp_path / "members.csv"
    run("export_members", str(path), "--org", p[5].code)
    returning = history.returning
    assert returning is not None
    rows = member_rows_of(path)
    assert rows == [
        (returning.iin, p[4].code, "own_wish"),
        (returning.iin, p[5].code, ""),
    ]
    [event] = exported_events()
    assert event.after is not None
    assert event.after["filters"] == {"org": p[5].pk}


def test_org_option_exports_a_district(history: History, tmp_path):
    district = history.tree.districts[0]
    path = tmp_path / "members.xlsx"
    run("export_members", str(path), "--org", district.code)
    people = Person.objects.in_subtree(district)
    assert {iin for iin, _code, _reason in member_rows_of(path)} == set(
        people.values_list("iin", flat=True)
    )


@pytest.mark.parametrize("command", ["export_members", "export_orgs"])
def test_an_unknown_code_is_refused_by_name(tree, tmp_path, command):
    """No file and no audit event; the message names the code."""
    path = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="NO-SUCH-ORG"):
        run(command, str(path), "--org", "NO-SUCH-ORG")
    assert not path.exists()
    assert exported_events() == []


@pytest.mark.parametrize("command", ["export_members", "export_orgs"])
@pytest.mark.parametrize("name", ["out.pdf", "out", "out.xls"])
def test_a_file_name_of_another_format_is_refused(tree, tmp_path, command, name):
    """Only .csv and .xlsx are written; the message says so, in the language."""
    path = tmp_path / name
    with pytest.raises(CommandError, match=r"\.csv or \.xlsx"):
        run(command, str(path))
    with translation.override("ru"), pytest.raises(CommandError, match="должно"):
        call_command(command, str(path))
    assert list(tmp_path.iterdir()) == []
    assert exported_events() == []


@pytest.mark.parametrize("command", ["export_members", "export_orgs"])
def test_a_directory_that_does_not_exist_is_refused(tree, tmp_path, command):
    """A refusal naming the file instead of a traceback, and nothing audited."""
    path = tmp_path / "missing" / "out.csv"
    with pytest.raises(CommandError, match="missing"):
        run(command, str(path))
    assert exported_events() == []


@pytest.mark.parametrize("suffix", FORMATS)
def test_export_orgs_writes_the_tree_parents_first(history, tmp_path, suffix):
    """A row per placement, by path: a unit that moved has a row per parent."""
    path = tmp_path / f"orgs.{suffix}"
    printed = run("export_orgs", str(path))
    codes = list(
        OrgPlacement.objects.order_by("unit__path", "valid_from").values_list(
            "unit__code", flat=True
        )
    )
    assert len(codes) > OrgUnit.objects.count()
    assert printed == f"{len(codes)} rows written to {path}.\n"
    assert org_codes_of(path) == codes


def test_export_orgs_of_a_subtree(history, tmp_path):
    region = history.tree.regions[1]
    path = tmp_path / "orgs.csv"
    run("export_orgs", str(path), "--org", region.code)
    assert org_codes_of(path) == list(
        OrgPlacement.objects.filter(unit__in=OrgUnit.objects.in_subtree(region))
        .order_by("unit__path", "valid_from")
        .values_list("unit__code", flat=True)
    )


def test_summary_is_in_the_language_of_the_command(tree, tmp_path):
    out = io.StringIO()
    with translation.override("ru"):
        call_command("export_orgs", str(tmp_path / "orgs.csv"), stdout=out)
    assert "записан" in out.getvalue()


@pytest.mark.parametrize("command", ["export_members", "export_orgs"])
def test_queries_do_not_grow_with_rows(
    history, tmp_path, monkeypatch, django_assert_max_num_queries, command
):
    """Chunks of 2 rows, more than 10 rows: still a handful of queries."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    path = tmp_path / "out.csv"
    with django_assert_max_num_queries(8):
        run(command, str(path), "--org", history.tree.central.code)
    assert len(open_table(path).headers) > 0
    assert sum(1 for _row in open_table(path).rows()) > 10
