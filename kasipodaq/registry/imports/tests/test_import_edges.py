"""What an import must not do to a registry it did not write, found in review.

A column a file lacks leaves the registry's values alone; a region imports its own
export back; a job runs once, for its owner; a large load that rebuilds one table
and not another still writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.registry import exports
from kasipodaq.registry.imports import bulk_load, member_import
from kasipodaq.registry.imports.tests.jobs import run_file
from kasipodaq.registry.models import (
    ImportJob,
    ImportMode,
    ImportStatus,
    Membership,
    Person,
)
from kasipodaq.registry.services.imports import confirm_import, open_import, run_import
from kasipodaq.registry.tests.factories import Tree, grant, valid_iin

FULL = "ИИН;Фамилия;Имя;Код организации;Дата вступления;Дата выбытия;Причина выбытия"
SHORT = "ИИН;Фамилия;Имя;Код организации;Дата вступления"


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def _write(tmp_path: Path, header: str, lines: list[str], name: str = "m.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


_import = run_file


def _problems(job: ImportJob) -> list[tuple[int, str, str]]:
    return list(job.problems.values_list("row_number", "field", "code"))


def test_a_file_without_category_or_patronymic_columns_keeps_the_registered_ones(
    tree: Tree, tmp_path: Path
) -> None:
    membership = tree.admit(
        tree.primaries[0],
        joined_on=dt.date(2015, 9, 1),
        category="student",
        patronymic="Сериковна",
    )
    person = membership.person
    path = _write(
        tmp_path,
        SHORT,
        [
            f"{person.iin};{person.last_name};{person.first_name};"
            f"{tree.primaries[0].code};01.09.2015"
        ],
    )

    job = _import(tree.admin, path)

    assert job.result["people_updated"] == job.result["memberships_updated"] == 0
    assert Membership.objects.get(pk=membership.pk).category == "student"
    assert Person.objects.get(pk=person.pk).patronymic == "Сериковна"


def test_a_current_list_without_leaving_columns_does_not_reopen_a_period(
    tree: Tree, tmp_path: Path
) -> None:
    iin = valid_iin()
    code = tree.primaries[0].code
    _import(
        tree.admin,
        _write(tmp_path, FULL, [f"{iin};А;Б;{code};01.09.2015;01.09.2020;перевод"]),
    )

    job = _import(
        tree.admin, _write(tmp_path, SHORT, [f"{iin};А;Б;{code};01.09.2015"], "b.csv")
    )

    assert job.status == ImportStatus.DONE
    membership = Membership.objects.get(person__iin=iin)
    assert (membership.left_on, membership.leave_reason) == (
        dt.date(2020, 9, 1),
        "transfer",
    )


def test_a_full_name_column_gives_what_the_name_columns_leave_empty(
    tree: Tree, tmp_path: Path
) -> None:
    """A file with both «ФИО» and «Фамилия»: the first name is in the full name."""
    iin = valid_iin()
    path = _write(
        tmp_path,
        "ИИН;ФИО;Фамилия;Код организации;Дата вступления",
        [
            f"{iin};Ахметова Айгуль Сериковна;Ахметова;"
            f"{tree.primaries[0].code};2015-09-01"
        ],
    )

    job = _import(tree.admin, path)

    assert job.status == ImportStatus.DONE, _problems(job)
    person = Person.objects.get(iin=iin)
    assert (person.first_name, person.patronymic) == ("Айгуль", "Сериковна")


def test_a_csv_export_with_a_formula_like_name_imports_back_unchanged(
    tree: Tree, tmp_path: Path
) -> None:
    """The apostrophe the export puts before «-» is the export's, not the name's."""
    membership = tree.admit(tree.primaries[0], patronymic="-")
    path = tmp_path / "history.csv"
    exports.write_file(exports.member_history_rows(Person.objects.all()), path)
    assert "'-" in path.read_text(encoding="utf-8-sig")

    job = _import(tree.admin, path)

    assert job.result["people_updated"] == 0
    assert Person.objects.get(pk=membership.person_id).patronymic == "-"


def test_a_region_imports_its_own_history_export_back(
    tree: Tree, tmp_path: Path
) -> None:
    """A member who came from another region: the region's export holds only its
    own periods (no other region's codes), and importing it back changes nothing."""
    iin = valid_iin()
    setup = _write(
        tmp_path,
        FULL,
        [
            f"{iin};Ахметова;Айгуль;{tree.primaries[0].code};01.09.2010;01.09.2015;перевод",
            f"{iin};Ахметова;Айгуль;{tree.primaries[4].code};01.09.2015;;",
        ],
        name="setup.csv",
    )
    assert _import(tree.admin, setup).status == ImportStatus.DONE
    chair = grant(Role.CHAIR, tree.regions[1])
    path = tmp_path / "region.csv"
    people = Person.objects.in_subtree(tree.regions[1])
    exports.write_file(exports.member_history_rows(people, user=chair), path)
    assert tree.primaries[0].code not in path.read_text(encoding="utf-8-sig")

    job = _import(chair, path)

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result["rows_unchanged"] == 1


def test_valid_rows_only_of_a_file_without_one_says_nothing_was_written(
    tree: Tree, tmp_path: Path
) -> None:
    path = _write(tmp_path, SHORT, [f"{valid_iin()};А;Б;NOSUCH;01.09.2015"])

    job = _import(tree.admin, path, ImportMode.VALID_ROWS)

    assert job.status == ImportStatus.REJECTED
    assert job.result == {}


def test_nobody_confirms_someone_elses_import(tree: Tree, tmp_path: Path) -> None:
    path = _write(
        tmp_path, SHORT, [f"{valid_iin()};А;Б;{tree.primaries[0].code};2015-09-01"]
    )
    job = open_import(actor=tree.admin, kind="members", source=path, original_name="x")
    other = grant(Role.CHAIR, tree.regions[1])

    with pytest.raises(PermissionRefused):
        confirm_import(
            actor=other, job=job, mapping=job.mapping, mode="all", run=lambda pk: None
        )

    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.NEW


def test_a_job_delivered_twice_runs_once(tree: Tree, tmp_path: Path) -> None:
    """A task delivered again (a worker lost after writing) leaves the job be."""
    path = _write(
        tmp_path, SHORT, [f"{valid_iin()};А;Б;{tree.primaries[0].code};2015-09-01"]
    )
    job = open_import(actor=tree.admin, kind="members", source=path, original_name="x")
    confirm_import(
        actor=tree.admin, job=job, mapping=job.mapping, mode="all", run=lambda pk: None
    )
    run_import(ImportJob.objects.get(pk=job.pk))

    again = run_import(ImportJob.objects.get(pk=job.pk))

    assert again.status == ImportStatus.DONE
    assert again.result["people_created"] == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps its indexes throughout"
)
def test_a_load_that_rebuilds_people_but_not_memberships_writes(
    tree: Tree, tmp_path: Path, monkeypatch: Any
) -> None:
    """Few people with long histories: the people table qualifies for rebuilding
    and the membership table does not, and its foreign keys still wait for commit."""
    code = tree.primaries[0].code
    iin = valid_iin()
    years = [(2005, 2007), (2008, 2010), (2011, 2013), (2014, 2016)]
    lines = [f"{iin};А;Б;{code};01.09.{a};01.09.{b};перевод" for a, b in years]
    _import(
        tree.admin, _write(tmp_path, FULL, [*lines, f"{iin};А;Б;{code};01.09.2017;;"])
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Person._meta.db_table}")
        cursor.execute(f"ANALYZE {Membership._meta.db_table}")
    monkeypatch.setattr(bulk_load, "BULK_MIN_ROWS", 0)
    assert bulk_load.worth_rebuilding(Person, 2)
    assert not bulk_load.worth_rebuilding(Membership, 2)
    new = [f"{valid_iin()};В;Г;{code};01.09.2015;;" for _ in range(2)]

    job = _import(tree.admin, _write(tmp_path, FULL, new, name="new.csv"))

    assert job.status == ImportStatus.DONE, job.error
    assert Person.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's writer lock")
def test_other_writers_wait_from_the_checks_to_the_commit(
    tree: Tree, tmp_path: Path, monkeypatch: Any
) -> None:
    """What the checks found still holds when the merge writes: people and
    memberships are locked against other writers (not readers) during both."""
    held: list[tuple[str, str]] = []
    check = member_import.check_members

    def check_and_look(scope: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.relname, l.mode FROM pg_locks l
                JOIN pg_class c ON c.oid = l.relation
                WHERE l.pid = pg_backend_pid() AND l.granted
                    AND c.relname IN ('registry_person', 'registry_membership')
                    AND l.mode = 'ShareRowExclusiveLock'
                ORDER BY c.relname
                """
            )
            held.extend(cursor.fetchall())
        return check(scope)

    monkeypatch.setattr(member_import, "check_members", check_and_look)
    path = _write(
        tmp_path, SHORT, [f"{valid_iin()};А;Б;{tree.primaries[0].code};2015-09-01"]
    )

    _import(tree.admin, path)

    assert held == [
        ("registry_membership", "ShareRowExclusiveLock"),
        ("registry_person", "ShareRowExclusiveLock"),
    ]
