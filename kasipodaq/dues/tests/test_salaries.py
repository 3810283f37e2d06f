"""Salary lists: read, checked whole, merged set-based and idempotent; the page
and `kasipodaq import-salaries`."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.dues.models import Charge, SalaryBase, SalaryList
from kasipodaq.dues.salary_file import read_salaries
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.dues.services.salaries import SalaryListRefused, import_salaries
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.imports.errors import ImportFileError
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant, valid_iin

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
NOV = dt.date(2026, 11, 1)


@pytest.fixture
def members(tree: Tree) -> list[Person]:
    """Two members of the first school, one of the second, one in region 1."""
    return [
        tree.admit(tree.primaries[p], joined_on=dt.date(2025, 1, 1)).person
        for p in (0, 0, 1, 4)
    ]


def _csv(tmp_path: Path, rows: list[str], name: str = "salaries.csv") -> Path:
    path = tmp_path / name
    path.write_text("ИИН;Месяц;Зарплата\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _import(path: Path, unit: OrgUnit, actor: Any = None) -> SalaryList:
    return import_salaries(actor=actor, unit=unit, path=path, original_name=path.name)


def _salaries() -> list[tuple[int, dt.date, int]]:
    return list(
        SalaryBase.objects.order_by("person_id", "valid_from").values_list(
            "person_id", "valid_from", "amount_tiyn"
        )
    )


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# Reading


def test_the_reader_takes_lists_as_employers_write_them(tmp_path: Path) -> None:
    iin = valid_iin()
    path = tmp_path / "list.csv"
    path.write_text(
        "Ф.И.О.;ИИН работника;Период;Заработная плата\n"
        f"Ахметова;{iin};01.2026;250 000,50\n"
        f"Ахметова;{iin};2026-02-01;0\n",
        encoding="utf-8",
    )
    lines, problems = read_salaries(path, latest_month=NOV, largest_tiyn=10**12)
    assert problems == []
    assert [(li.number, li.iin, li.month, li.amount_tiyn) for li in lines] == [
        (2, iin, JAN, 250_000_50),
        (3, iin, FEB, 0),
    ]


def test_the_reader_names_each_bad_line_and_column(tmp_path: Path) -> None:
    iin = valid_iin()
    path = _csv(
        tmp_path,
        [
            f"{iin};2026-01;-5",
            "123;2026-01;100",
            f"{iin};2026-13;100",
            f"{iin};2027-01;100",
            f"{iin};2026-02;2000000000",
            f"{iin};2026-03;abc",
            f"{iin};2026-04;100",
            f"{iin};04.2026;100",
        ],
    )
    lines, problems = read_salaries(path, latest_month=NOV, largest_tiyn=10**11)
    assert [line.number for line in lines] == [8]
    assert [(p.line, p.column) for p in problems] == [
        (2, "salary"),
        (3, "IIN"),
        (4, "month"),
        (5, "month"),
        (6, "salary"),
        (7, "salary"),
        (9, "IIN"),
    ]
    assert problems[0].message == "A salary cannot be negative."
    assert problems[-1].message == "The same IIN and month as line 8."


def test_a_list_without_a_salary_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("ИИН;Месяц;Удержано\n1;2026-01;5\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="no column «salary»"):
        read_salaries(path, latest_month=NOV, largest_tiyn=1)


# Recording


def test_a_good_list_is_merged_and_the_same_list_again_changes_nothing(
    tmp_path: Path, tree: Tree, members: list[Person]
) -> None:
    a, b, c, _far = members
    SalaryBase.objects.create(person=a, valid_from=JAN, amount_tiyn=90_000_00)
    path = _csv(
        tmp_path,
        [
            f"{a.iin};2026-01;100000",
            f"{a.iin};2026-02;100000",
            f"{b.iin};2026-01;150 000,00",
            f"{c.iin};01.2026;80000",
        ],
    )
    salaries = _import(path, tree.districts[0], actor=tree.admin)
    assert (salaries.lines, salaries.created, salaries.updated, salaries.unchanged) == (
        4,
        3,
        1,
        0,
    )
    assert (salaries.first_month, salaries.last_month) == (JAN, FEB)
    expected = sorted(
        [
            (a.pk, JAN, 100_000_00),
            (a.pk, FEB, 100_000_00),
            (b.pk, JAN, 150_000_00),
            (c.pk, JAN, 80_000_00),
        ]
    )
    assert _salaries() == expected
    events = AuditEvent.objects.filter(action=AuditAction.DUES_SALARY_SET)
    assert events.count() == 4
    changed = events.get(person_id=a.pk, before__isnull=False)
    assert (changed.before, changed.after) == (
        {"amount_tiyn": 90_000_00},
        {"valid_from": "2026-01-01", "amount_tiyn": 100_000_00},
    )
    assert changed.object_id == SalaryBase.objects.get(person=a, valid_from=JAN).pk
    assert changed.actor == tree.admin
    again = _import(path, tree.districts[0], actor=tree.admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert _salaries() == expected
    assert events.count() == 4
    summary = AuditEvent.objects.filter(action=AuditAction.DUES_SALARIES_IMPORTED)
    assert [(e.after or {})["unchanged"] for e in summary] == [4, 0]


def test_the_salaries_set_the_dues(
    tmp_path: Path, tree: Tree, members: list[Person]
) -> None:
    a = members[0]
    _import(_csv(tmp_path, [f"{a.iin};2025-12;123456,78"]), tree.central)
    accrue_month(actor=None, month=JAN, unit=tree.central)
    assert Charge.objects.get(person=a).amount_tiyn == 1_234_57


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("{far};2026-01;100", "IIN", "No member of"),
        ("{none};2026-01;100", "IIN", "No member of"),
        ("{a};2026-01;-1", "salary", "cannot be negative"),
        ("{a};2026-01;100000001", "salary", "too large"),
        ("{a};2026/01;100", "month", "Not a month"),
        ("{a};2999-01;100", "month", "month to come"),
        ("{b};2026-02;100", "IIN", "same IIN and month as line 2"),
    ],
)
def test_one_bad_line_refuses_the_whole_list(
    tmp_path: Path,
    tree: Tree,
    members: list[Person],
    row: str,
    column: str,
    message: str,
) -> None:
    a, b, _c, far = members
    SalaryBase.objects.create(person=a, valid_from=JAN, amount_tiyn=90_000_00)
    before = _salaries()
    bad = row.format(a=a.iin, b=b.iin, far=far.iin, none=valid_iin())
    path = _csv(tmp_path, [f"{b.iin};2026-02;100", bad, f"{a.iin};2026-01;1"])
    with pytest.raises(SalaryListRefused) as refused:
        _import(path, tree.districts[0], actor=tree.admin)
    problems = [(p.line, p.column) for p in refused.value.problems]
    assert problems == [(3, column)]
    assert message in refused.value.problems[0].message
    assert "1 problem, nothing was recorded" in str(refused.value)
    assert _salaries() == before
    assert not SalaryList.objects.exists()
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.DUES_SALARY_SET, AuditAction.DUES_SALARIES_IMPORTED]
    ).exists()


def test_an_empty_list_and_strangers_are_refused(
    tmp_path: Path, tree: Tree, members: list[Person]
) -> None:
    with pytest.raises(ImportFileError, match="no data rows"):
        _import(_csv(tmp_path, []), tree.central)
    path = _csv(tmp_path, [f"{members[0].iin};2026-01;1"])
    for user in (
        grant(Role.ACCOUNTANT, tree.districts[1]),
        grant(Role.AUDITOR, tree.districts[0]),
    ):
        with pytest.raises(PermissionRefused):
            _import(path, tree.districts[0], actor=user)
    assert not SalaryBase.objects.exists()


def test_an_xlsx_list_with_kazakh_headers(
    tmp_path: Path, tree: Tree, members: list[Person]
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ЖСН", "Ай", "Жалақы"])
    sheet.append([members[0].iin, "2026-01", 300000])
    sheet.append([members[1].iin, dt.date(2026, 1, 1), 250000.5])
    path = tmp_path / "salaries.xlsx"
    book.save(path)
    assert _import(path, tree.regions[0]).created == 2
    assert [amount for _p, _m, amount in _salaries()] == [300_000_00, 250_000_50]


def test_a_large_list_is_merged_set_based(
    tmp_path: Path,
    tree: Tree,
    members: list[Person],
    django_assert_max_num_queries: Any,
) -> None:
    """Six months of a school's members: the queries do not grow with the lines."""
    a, b, c, _far = members
    rows = [
        f"{person.iin};2025-{month:02d};{100000 + month}"
        for person in (a, b, c)
        for month in range(1, 13)
    ]
    path = _csv(tmp_path, rows)
    with django_assert_max_num_queries(25):
        salaries = _import(path, tree.central)
    assert salaries.created == 36
    rows[0] = rows[0].replace(";100001", ";100500")
    with django_assert_max_num_queries(25):
        changed = _import(_csv(tmp_path, rows, "again.csv"), tree.central)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 35)


# The command


def _command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("import_salaries", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_records_and_reports(
    tmp_path: Path, tree: Tree, members: list[Person]
) -> None:
    path = _csv(tmp_path, [f"{members[0].iin};2026-01;100000"])
    out, _err = _command(str(path), "--org", tree.districts[0].code)
    assert "Salaries recorded from 1 lines: new 1, changed 0, unchanged 0" in out
    out, _err = _command(str(path), "--org", tree.districts[0].code)
    assert "new 0, changed 0, unchanged 1" in out
    assert SalaryBase.objects.count() == 1


def test_the_command_refuses_and_names_the_problems(
    tmp_path: Path, tree: Tree, members: list[Person]
) -> None:
    path = _csv(
        tmp_path,
        [
            f"{members[0].iin};2026-01;100000",
            f"{members[3].iin};2026-01;100000",
            f"{members[0].iin};2026-02;-1",
        ],
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problems"), translation.override("en"):
        call_command(
            "import_salaries",
            str(path),
            "--org",
            tree.districts[0].code,
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "line 3, IIN: No member of" in err.getvalue()
    assert "line 4, salary: A salary cannot be negative." in err.getvalue()
    for args, message in (
        ([str(path), "--org", "NOPE"], "No organization has the code"),
        ([str(tmp_path / "missing.csv"), "--org", tree.central.code], "no file"),
        ([str(path)], "--org"),
    ):
        with pytest.raises(CommandError, match=message), translation.override("en"):
            call_command("import_salaries", *args, stdout=io.StringIO())
    assert not SalaryBase.objects.exists()


# The page


def _upload(client: Client, unit: OrgUnit, text: str) -> Any:
    file = SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("dues:salaries", args=[unit.pk]), {"file": file})


def test_recording_a_list_on_the_page(tree: Tree, members: list[Person]) -> None:
    client = _signed_in(grant(Role.ACCOUNTANT, tree.districts[0]))
    text = f"ИИН;Месяц;Оклад\n{members[0].iin};2026-01;100000\n"
    response = _upload(client, tree.districts[0], text)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "list.csv recorded: 1 lines, new salaries 1" in page
    assert "100,000.00" in page  # the month's total on record
    assert [s.created for s in client.get(response["Location"]).context["lists"]] == [1]
    assert SalaryBase.objects.get().amount_tiyn == 100_000_00


def test_a_refused_list_shows_its_problems_and_writes_nothing(
    tree: Tree, members: list[Person]
) -> None:
    client = _signed_in(tree.admin)
    text = (
        "ИИН;Месяц;Оклад\n"
        f"{members[0].iin};2026-01;100000\n"
        f"{members[0].iin};2026-01;100000\n"
    )
    response = _upload(client, tree.districts[0], text)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 problem, nothing was recorded" in page
    assert "The same IIN and month as line 2." in page
    assert not SalaryBase.objects.exists() and not SalaryList.objects.exists()
    empty = _upload(client, tree.districts[0], "")
    assert empty.status_code == 200 and "empty" in empty.content.decode()


def test_readers_see_salaries_but_record_none_and_strangers_get_404(
    tree: Tree, members: list[Person]
) -> None:
    url = reverse("dues:salaries", args=[tree.districts[0].pk])
    auditor = _signed_in(grant(Role.AUDITOR, tree.districts[0]))
    page = auditor.get(url)
    assert page.status_code == 200
    assert "Record a salary list" not in page.content.decode()
    text = f"ИИН;Месяц;Оклад\n{members[0].iin};2026-01;100000\n"
    assert _upload(auditor, tree.districts[0], text).status_code == 404
    other = _signed_in(grant(Role.ACCOUNTANT, tree.regions[1]))
    assert other.get(url).status_code == 404
    assert _upload(other, tree.districts[0], text).status_code == 404
    assert not SalaryBase.objects.exists()


def test_the_salaries_page_reads_in_a_fixed_number_of_queries(
    tmp_path: Path,
    tree: Tree,
    members: list[Person],
    django_assert_max_num_queries: Any,
) -> None:
    for month in range(1, 9):
        rows = [f"{p.iin};2025-{month:02d};{1000 * month}" for p in members[:3]]
        _import(_csv(tmp_path, rows, f"{month}.csv"), tree.districts[0], tree.admin)
    client = _signed_in(tree.admin)
    url = reverse("dues:salaries", args=[tree.districts[0].pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert len(page.context["lists"]) == 5
    assert len(page.context["months"]) == 6
