"""Files as staff really send them: each fault named by row and column, nothing written.

Every test starts from a registry with one member and ends checking the registry is
exactly as before (people, memberships and the audit trail).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.utils import translation

from kasipodaq.audit.models import AuditEvent
from kasipodaq.core.errors import DomainError
from kasipodaq.registry.iin import FEMALE, make_iin
from kasipodaq.registry.imports.report import job_problems
from kasipodaq.registry.imports.tests.jobs import run_file
from kasipodaq.registry.models import (
    ImportJob,
    ImportStatus,
    Membership,
    Person,
)
from kasipodaq.registry.services.imports import open_import
from kasipodaq.registry.tests.factories import Tree, valid_iin

HEADERS = ["ИИН", "Фамилия", "Имя", "Код организации", "Дата вступления"]


@pytest.fixture
def registry(tree: Tree) -> Iterator[Tree]:
    """A registry with one member, and a check that it is unchanged at the end."""
    tree.admit(tree.primaries[0])
    before = _registry_state()
    yield tree
    assert _registry_state() == before


def _registry_state() -> tuple[list[Any], list[Any], int]:
    return (
        list(Person.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


_import = run_file


def _messages(job: ImportJob) -> dict[int, list[str]]:
    with translation.override("en"):
        return dict(job_problems(job))


def _workbook(path: Path, rows: list[list[Any]], **options: Any) -> xlsxwriter.Workbook:
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, **options})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    return workbook


def test_a_merged_cell_leaves_the_rows_below_it_empty_and_says_so(
    registry: Tree, tmp_path: Path
) -> None:
    """A code merged over two rows belongs to the first: the second lacks one."""
    code = registry.primaries[0].code
    path = tmp_path / "merged.xlsx"
    workbook = _workbook(
        path,
        [
            [valid_iin(), "Ахметова", "Айгуль", code, "01.09.2015"],
            [valid_iin(), "Ким", "Ольга", "", "01.09.2016"],
        ],
    )
    workbook.worksheets()[0].merge_range(1, 3, 2, 3, code)
    workbook.close()

    job = _import(registry.admin, path)

    assert job.status == ImportStatus.REJECTED
    assert _messages(job) == {
        3: ["«Код организации» is empty: it is required."],
    }


def test_formulas_are_read_as_their_computed_values(tree: Tree, tmp_path: Path) -> None:
    iin = valid_iin()
    path = tmp_path / "formulas.xlsx"
    workbook = _workbook(
        path, [["", "Ахметова", "Айгуль", tree.primaries[0].code, "01.09.2015"]]
    )
    workbook.worksheets()[0].write_formula(1, 0, f'="{iin[:6]}"&"{iin[6:]}"', None, iin)
    workbook.close()

    job = _import(tree.admin, path)

    assert job.status == ImportStatus.DONE
    assert Person.objects.filter(iin=iin).exists()


def test_hidden_rows_are_imported_like_the_others(tree: Tree, tmp_path: Path) -> None:
    """Hiding rows is a way of looking at a sheet, not a deletion: they are read."""
    code = tree.primaries[0].code
    path = tmp_path / "hidden.xlsx"
    workbook = _workbook(
        path,
        [
            [valid_iin(), "Ахметова", "Айгуль", code, "01.09.2015"],
            [valid_iin(), "Ким", "Ольга", code, "01.09.2016"],
        ],
    )
    workbook.worksheets()[0].set_row(2, None, None, {"hidden": True})
    workbook.close()

    job = _import(tree.admin, path)

    assert job.rows_read == 2
    assert Person.objects.count() == 2


def test_a_truncated_csv_names_the_cut_row_and_its_empty_columns(
    registry: Tree, tmp_path: Path
) -> None:
    code = registry.primaries[0].code
    path = tmp_path / "cut.csv"
    full = f"{valid_iin()};Ахметова;Айгуль;{code};01.09.2015"
    cut = f"{valid_iin()};Ким;Оль"
    path.write_text(";".join(HEADERS) + f"\n{full}\n{cut}", encoding="utf-8")

    job = _import(registry.admin, path)

    assert _messages(job) == {
        3: [
            "«Код организации» is empty: it is required.",
            "«Дата вступления» is empty: it is required.",
        ]
    }


def test_a_windows_1251_file_keeps_its_cyrillic_names(
    tree: Tree, tmp_path: Path
) -> None:
    iin = valid_iin()
    path = tmp_path / "cp1251.csv"
    text = (
        ";".join(HEADERS)
        + f"\n{iin};Жұмабаева;Ольга;{tree.primaries[0].code};01.09.2015\n"
    )
    path.write_bytes(text.replace("Жұмабаева", "Жумабаева").encode("cp1251"))

    job = _import(tree.admin, path)

    assert job.status == ImportStatus.DONE
    assert Person.objects.get(iin=iin).last_name == "Жумабаева"


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe" + "ИИН".encode("utf-16-le"), b"PK\x03\x04truncated"],
    ids=["empty", "utf-16", "truncated zip"],
)
def test_an_unreadable_file_is_refused_before_any_job(
    registry: Tree, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)

    with pytest.raises(DomainError):
        open_import(
            actor=registry.admin, kind="members", source=path, original_name="bad.csv"
        )

    assert not ImportJob.objects.exists()
    assert not list((tmp_path / "data" / "imports").glob("*"))


def _million_rows(code: str) -> Iterator[str]:
    births = (dt.date(1960, 1, 1) + dt.timedelta(days=d) for d in itertools.count())
    for birth in births:
        for serial in range(1000):
            iin = make_iin(birth, FEMALE, serial)
            if iin is not None:
                yield f"{iin};Ахметова;Айгуль;{code};01.09.2015\n"


def test_a_million_good_rows_and_one_bad_at_the_end_change_nothing(
    registry: Tree, tmp_path: Path
) -> None:
    """The last row of a national file decides as much as the first."""
    code = registry.primaries[0].code
    path = tmp_path / "national.csv"
    with path.open("w", encoding="utf-8") as stream:
        stream.write(";".join(HEADERS) + "\n")
        stream.writelines(itertools.islice(_million_rows(code), 1_000_000))
        stream.write(f"{valid_iin()};Ахметова;Айгуль;{code};31.09.2015\n")

    job = _import(registry.admin, path)

    assert job.status == ImportStatus.REJECTED
    assert job.rows_read == 1_000_001
    assert _messages(job) == {
        1_000_002: [
            "«Дата вступления» is not a date: write it as DD.MM.YYYY or YYYY-MM-DD."
        ]
    }
