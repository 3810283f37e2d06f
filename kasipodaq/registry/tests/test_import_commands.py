"""`kasipodaq import-members`: the same job as the page, with a progress line."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.registry.imports.reading import open_table
from kasipodaq.registry.models import ImportJob, ImportStatus, Person
from kasipodaq.registry.tests.factories import Tree, valid_iin

HEADER = "ИИН;Фамилия;Имя;Код организации;Дата вступления"


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def _file(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "members.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_members", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _row(tree: Tree, iin: str | None = None) -> str:
    return f"{iin or valid_iin()};Ахметова;Айгуль;{tree.primaries[0].code};01.09.2015"


def test_a_valid_file_is_imported_and_summed_up(tree: Tree, tmp_path: Path) -> None:
    path = _file(tmp_path, [_row(tree), _row(tree)])

    out, err = _run(str(path))

    assert "2 rows imported: People added 2, People updated 0" in out
    assert "reading — rows read: 2" in err
    assert "writing — rows read: 2" in err
    assert Person.objects.count() == 2
    assert not Path(f"{path}.errors.xlsx").exists()
    # The command writes as the system: its events have no user.
    event = AuditEvent.objects.filter(action=AuditAction.PERSON_CREATED).first()
    assert event is not None
    assert event.actor is None


def test_rows_with_problems_exit_non_zero_naming_the_report(
    tree: Tree, tmp_path: Path
) -> None:
    """Nothing is imported, and the report beside the file holds the bad row."""
    path = _file(tmp_path, [_row(tree), _row(tree, "000000000000")])

    with pytest.raises(CommandError) as refused:
        _run(str(path))

    report = Path(f"{path}.errors.xlsx")
    assert str(refused.value) == (
        f"1 row of 2 has problems; nothing was imported. The error report is in "
        f"{report}."
    )
    assert not Person.objects.exists()
    (row,) = open_table(report).rows()
    assert row.values[0] == "3"


def test_valid_rows_only_imports_the_rest_and_still_exits_non_zero(
    tree: Tree, tmp_path: Path
) -> None:
    path = _file(tmp_path, [_row(tree), _row(tree, "12345")])
    report = tmp_path / "problems.xlsx"

    with pytest.raises(CommandError, match="the valid rows were imported"):
        _run(str(path), "--valid-rows-only", "--report", str(report))

    assert Person.objects.count() == 1
    assert report.exists()


def test_a_dry_run_checks_and_writes_nothing(tree: Tree, tmp_path: Path) -> None:
    out, _err = _run(str(_file(tmp_path, [_row(tree)])), "--dry-run")

    assert "1 row checked: no problems found; nothing was written." in out
    assert not Person.objects.exists()
    assert ImportJob.objects.get().status == ImportStatus.CHECKED


def test_a_file_without_a_required_column_is_refused_naming_it(
    tree: Tree, tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        ["Ахметова;Айгуль;X;01.09.2015"],
        header="Фамилия;Имя;Код организации;Дата вступления",
    )

    with pytest.raises(CommandError, match=r"no column for: IIN\. Its headers are"):
        _run(str(path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"PK\x03\x04" + b"\x00" * 100, "damaged"),
    ],
)
def test_an_unreadable_file_is_refused_with_its_message(
    tree: Tree, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        _run(str(path))

    assert not ImportJob.objects.exists()


def test_a_missing_file_is_refused(tree: Tree, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="There is no file"):
        _run(str(tmp_path / "nowhere.csv"))


def test_the_import_of_a_history_keeps_the_dates(tree: Tree, tmp_path: Path) -> None:
    iin = valid_iin()
    path = _file(
        tmp_path,
        [f"{iin};Ахметова;Айгуль;{tree.primaries[0].code};2001-02-03"],
    )

    _run(str(path))

    assert Person.objects.get(iin=iin).memberships.get().joined_on == dt.date(
        2001, 2, 3
    )
