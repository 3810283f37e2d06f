"""Payroll lists: recorded whole or not at all, never twice, matched to charges."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone, translation

from kasipodaq.access.perms import Role
from kasipodaq.core.errors import DomainError
from kasipodaq.dues.arrears import months_overdue
from kasipodaq.dues.distribution import plan_for
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import (
    LedgerEntry,
    LineOutcome,
    Payment,
    PayrollLine,
    PayrollList,
    PayrollStatus,
    SalaryBase,
)
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.dues.services.payroll import import_payroll
from kasipodaq.dues.statements import count_unbalanced, reconcile
from kasipodaq.dues.tests.ledger_data import regulation
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.imports.errors import ImportFileError
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant, valid_iin

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


@pytest.fixture
def members(tree: Tree) -> list[Person]:
    """Three members of the first school earning 100,000, charged 1,000 a month."""
    people = [
        tree.admit(tree.primaries[0], joined_on=dt.date(2025, 1, 1)).person
        for _ in range(3)
    ]
    for person in people:
        SalaryBase.objects.create(
            person=person, valid_from=dt.date(2025, 1, 1), amount_tiyn=100_000_00
        )
    for month in (JAN, FEB):
        accrue_month(actor=None, month=month, unit=tree.central)
    return people


def _csv(tmp_path: Path, rows: list[str], name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text("ИИН;Месяц;Сумма\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _import(
    path: Path, actor: object = None, unit: OrgUnit | None = None, **options: bool
) -> PayrollList:
    unit = unit or OrgUnit.objects.get(parent=None)
    with translation.override("en"):
        return import_payroll(
            actor=actor, unit=unit, path=path, original_name=path.name, **options
        )


def test_a_good_list_pays_and_is_matched_to_the_charges(
    tmp_path: Path, members: list[Person], tree: Tree
) -> None:
    a, b, c = members
    path = _csv(
        tmp_path,
        [
            f"{a.iin};2026-01;1000,00",
            f"{a.iin};02.2026;1 000",
            f"{b.iin};2026-01;1200.00",
            f"{c.iin};2026-01;500",
            f"{c.iin};2025-06;100",
        ],
    )
    payroll = _import(path)
    assert (payroll.status, payroll.paid, payroll.total_tiyn) == (
        PayrollStatus.IMPORTED,
        5,
        3_800_00,
    )
    outcomes = dict(
        PayrollLine.objects.filter(payroll=payroll).values_list("line", "outcome")
    )
    # Lines paid as charged are their payments; the others are kept to look into.
    assert outcomes == {
        4: LineOutcome.OVER,
        5: LineOutcome.UNDER,
        6: LineOutcome.NOT_CHARGED,
    }
    assert payroll.outcomes == {"exact": 2, "over": 1, "under": 1, "not_charged": 1}
    assert sorted(
        Payment.objects.filter(payroll=payroll).values_list("reference", flat=True)
    ) == [f"{payroll.pk}:{line}" for line in range(2, 7)]
    assert LedgerEntry.objects.aggregate(s=Sum("amount_tiyn"))["s"] == 3_800_00
    on = dt.date(2026, 3, 10)
    # Payments settle the oldest months first: c's 600 tenge leave two months owed.
    assert months_overdue([a.pk, b.pk, c.pk], on) == {b.pk: 1, c.pk: 2}


def test_the_same_file_is_never_recorded_twice(
    tmp_path: Path, members: list[Person]
) -> None:
    path = _csv(tmp_path, [f"{members[0].iin};2026-01;1000"])
    _import(path)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())
    with pytest.raises(DuesRefusal, match="already recorded"):
        _import(copy)
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("{iin};2026-01;-5", "amount", "above 0"),
        ("{iin};2026-01;99999999", "amount", "too large"),
        ("{iin};2026-01;abc", "amount", "Not an amount"),
        ("{iin};2999-01;100", "month", "month to come"),
        ("{iin};January;100", "month", "Not a month"),
        ("{bad_iin};2026-01;100", "IIN", "check digit"),
        ("{iin};2026-01;100", "IIN", "same IIN and month as line 2"),
    ],
)
def test_a_bad_line_refuses_the_whole_list(
    tmp_path: Path, members: list[Person], row: str, column: str, message: str
) -> None:
    good = f"{members[1].iin};2026-01;1000"
    first = f"{members[0].iin};2026-01;1000"
    iin = members[0].iin
    bad_iin = iin[:11] + str((int(iin[11]) + 1) % 10)
    path = _csv(tmp_path, [first, good, row.format(iin=iin, bad_iin=bad_iin)])
    payroll = _import(path)
    assert payroll.status == PayrollStatus.REFUSED
    (problem,) = payroll.problems
    assert (problem["line"], problem["column"]) == (4, column)
    assert message in problem["message"]
    assert not Payment.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert not PayrollLine.objects.exists()


def test_unknown_iins_refuse_the_list_unless_only_matched_lines_are_asked(
    tmp_path: Path, members: list[Person]
) -> None:
    stranger = valid_iin()
    path = _csv(
        tmp_path, [f"{members[0].iin};2026-01;1000", f"{stranger};2026-01;1000"]
    )
    refused = _import(path)
    assert refused.status == PayrollStatus.REFUSED
    assert refused.problems[0]["line"] == 3
    assert "No member of" in refused.problems[0]["message"]
    recorded = _import(path, matched_only=True)
    assert (recorded.status, recorded.paid) == (PayrollStatus.IMPORTED, 1)
    assert (
        PayrollLine.objects.get(payroll=recorded, line=3).outcome == LineOutcome.UNKNOWN
    )


def test_a_district_records_only_its_own_members(
    tmp_path: Path, members: list[Person], tree: Tree
) -> None:
    other = grant(Role.ACCOUNTANT, tree.districts[1])
    path = _csv(tmp_path, [f"{members[0].iin};2026-01;1000"])
    with pytest.raises(DomainError):
        _import(path, actor=other, unit=tree.districts[0])
    refused = _import(path, actor=other, unit=tree.districts[1])
    assert refused.status == PayrollStatus.REFUSED
    assert not Payment.objects.exists()
    own = grant(Role.ACCOUNTANT, tree.districts[0])
    recorded = _import(path, actor=own, unit=tree.districts[0])
    assert recorded.status == PayrollStatus.IMPORTED


def test_a_list_without_its_columns_is_refused(
    tmp_path: Path, members: list[Person]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("ФИО;Сумма\nИванов;100\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="IIN"):
        _import(path)


def test_an_xlsx_list_with_kazakh_headers(
    tmp_path: Path, members: list[Person]
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ЖСН", "Ай", "Сома"])
    sheet.append([members[0].iin, "2026-01", 1000])
    sheet.append([members[1].iin, dt.date(2026, 1, 1), 1000.5])
    path = tmp_path / "list.xlsx"
    book.save(path)
    payroll = _import(path)
    assert (payroll.status, payroll.total_tiyn) == (PayrollStatus.IMPORTED, 2_000_50)


def test_the_command_reports_and_refuses(tmp_path: Path, members: list[Person]) -> None:
    path = _csv(tmp_path, [f"{members[0].iin};2026-01;1500"])
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_payroll", str(path), stdout=out)
    assert "Payments recorded: 1, total 1,500.00 tenge" in out.getvalue()
    assert "Paid more than charged: 1" in out.getvalue()
    bad = _csv(tmp_path, [f"{members[1].iin};2026-01;-1"], name="bad.csv")
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused"), translation.override("en"):
        call_command("import_payroll", str(bad), stdout=io.StringIO(), stderr=err)
    assert "line 2, amount" in err.getvalue()


def test_a_lists_money_at_each_organization_is_split_once(
    tmp_path: Path, members: list[Person], tree: Tree
) -> None:
    regulation(tree)
    elsewhere = tree.admit(tree.primaries[1], joined_on=dt.date(2025, 1, 1)).person
    a, b, _c = members
    payroll = _import(
        _csv(
            tmp_path,
            [
                f"{a.iin};2026-01;0,01",
                f"{b.iin};2026-01;0,01",
                f"{elsewhere.iin};2026-01;777,77",
            ],
        )
    )
    payments = list(Payment.objects.all())
    assert {p.payroll_id for p in payments} == {payroll.pk}
    school, district = tree.primaries[0], tree.districts[0]
    assert (school.parent_id, tree.primaries[1].parent_id) == (district.pk,) * 2
    # The school's 2 tiyn split once at 60/15/15/10: one to the school and one
    # to the district (two 1-tiyn payments split apart would leave both with it).
    expected = {
        (school.pk, school.pk, "primary"): 1,
        (school.pk, district.pk, "district"): 1,
    }
    plan = plan_for(tree.primaries[1], timezone.localdate())
    for unit_id, level, part in plan.apply(777_77):
        expected[tree.primaries[1].pk, unit_id, level] = part
    entries = LedgerEntry.objects.filter(payroll=payroll)
    assert {
        (e.collected_by_id, e.unit_id, e.level): e.amount_tiyn for e in entries
    } == expected
    assert len(expected) == 6
    assert not LedgerEntry.objects.filter(payment__isnull=False).exists()
    today = timezone.localdate()
    month = (today.replace(day=1), today + dt.timedelta(days=1))
    check = reconcile(tree.central, *month)
    assert (check.paid_tiyn, check.ledger_tiyn, check.unbalanced) == (
        777_79,
        777_79,
        0,
    )
    entry = entries.filter(collected_by=tree.primaries[1]).first()
    assert entry is not None
    LedgerEntry.objects.filter(pk=entry.pk).update(amount_tiyn=entry.amount_tiyn + 1)
    assert count_unbalanced(tree.central, *month) == 1
    assert count_unbalanced(tree.primaries[0], *month) == 0
