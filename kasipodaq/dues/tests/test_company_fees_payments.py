"""Companies' bank transfers: counted once, settling the oldest charges first, and
split between the levels to the tiyn (`services/company_fees.py`)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasipodaq.access.perms import Role
from kasipodaq.budget.selectors import budget_report
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.dues.company_fee_selectors import company_rows
from kasipodaq.dues.company_fees import parse_tiers, span
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import (
    CompanyPayment,
    DistributionRule,
    FeeBasis,
    FeePeriod,
    LedgerEntry,
)
from kasipodaq.dues.services.company_fees import (
    charge_company_fees,
    record_company_payment,
    set_fee_schedule,
)
from kasipodaq.dues.statements import compute_collected, compute_owes, reconcile
from kasipodaq.orgtree.models import Employer, Level
from kasipodaq.registry.tests.factories import Tree, grant

PAID_ON = dt.date(2026, 6, 5)
_orders = itertools.count(1)


def _company(tree: Tree, index: int = 0) -> Employer:
    employer = tree.primaries[index].employer
    assert employer is not None
    return employer


def _pay(tree: Tree, tiyn: int, order: str = "", index: int = 0) -> CompanyPayment:
    return record_company_payment(
        actor=None,
        unit=tree.central,
        bin_=_company(tree, index).bin,
        amount_tiyn=tiyn,
        order_number=order or str(next(_orders)),
        paid_on=PAID_ON,
    )


def _regulation(tree: Tree) -> None:
    DistributionRule.objects.get_or_create(
        unit=tree.central,
        valid_from=dt.date(2025, 1, 1),
        defaults={
            "primary_bp": 6000,
            "district_bp": 1500,
            "region_bp": 1500,
            "central_bp": 1000,
        },
    )


def test_a_transfer_is_split_between_the_levels_by_the_regulation(tree: Tree) -> None:
    _regulation(tree)
    payment = _pay(tree, 1_000_000_01, "17")
    entries = {
        e.level: (e.unit_id, e.amount_tiyn)
        for e in LedgerEntry.objects.filter(company_payment=payment)
    }
    primary = tree.primaries[0]
    assert entries == {
        Level.PRIMARY: (primary.pk, 600_000_01),  # the odd tiyn: largest remainder
        Level.DISTRICT: (tree.districts[0].pk, 150_000_00),
        Level.REGION: (tree.regions[0].pk, 150_000_00),
        Level.CENTRAL: (tree.central.pk, 100_000_00),
    }
    assert (payment.org_unit_id, payment.employer_id) == (
        primary.pk,
        _company(tree).pk,
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10**11), min_size=1, max_size=4)
)
def test_every_ledger_balances_to_the_tiyn(tree: Tree, amounts: list[int]) -> None:
    """Whatever the amounts, each payment's shares add up to it, and the ledgers
    of all the levels to all the payments."""
    _regulation(tree)
    before = CompanyPayment.objects.count()
    for index, amount in enumerate(amounts):
        _pay(tree, amount, index=index % 8)
    for payment in CompanyPayment.objects.all()[before:]:
        shares = LedgerEntry.objects.filter(company_payment=payment)
        assert shares.aggregate(t=Sum("amount_tiyn"))["t"] == payment.amount_tiyn
    assert (
        LedgerEntry.objects.aggregate(t=Sum("amount_tiyn"))["t"]
        == CompanyPayment.objects.aggregate(t=Sum("amount_tiyn"))["t"]
    )


def test_without_a_regulation_everything_stays_with_the_primary(tree: Tree) -> None:
    payment = _pay(tree, 12_345)
    assert list(
        LedgerEntry.objects.filter(company_payment=payment).values_list(
            "unit_id", "amount_tiyn"
        )
    ) == [(tree.primaries[0].pk, 12_345)]


def test_payments_settle_the_oldest_charges_first(tree: Tree) -> None:
    set_fee_schedule(
        actor=None,
        unit=tree.central,
        valid_from=dt.date(2025, 1, 1),
        basis=FeeBasis.FLAT,
        period=FeePeriod.YEAR,
        tiers=parse_tiers("0+: 1000"),
    )
    charge_company_fees(actor=None, unit=tree.central, year=2025)
    charge_company_fees(actor=None, unit=tree.central, year=2026)
    _pay(tree, 1500_00)  # 2025 in full, half of 2026
    row = company_rows(tree.districts[0], *span(2026, None))[0]
    assert row.employer == _company(tree)
    assert (row.fee_tiyn, row.paid_tiyn, row.owed_tiyn) == (1000_00, 500_00, 500_00)
    then = company_rows(tree.districts[0], *span(2025, None))[0]
    assert (then.fee_tiyn, then.paid_tiyn, then.owed_tiyn) == (1000_00, 1000_00, 0)
    unpaid = company_rows(tree.districts[0], *span(2026, None))[1]
    assert (unpaid.paid_tiyn, unpaid.owed_tiyn) == (0, 2000_00)


def test_the_same_payment_order_of_a_company_counts_once(tree: Tree) -> None:
    _regulation(tree)
    _pay(tree, 100_00, "55")
    with pytest.raises(DuesRefusal, match="№55 of this company") as refused:
        _pay(tree, 100_00, " 55 ")
    assert refused.value.field == "order_number"
    assert CompanyPayment.objects.count() == 1
    assert LedgerEntry.objects.count() == 4
    _pay(tree, 100_00, "55", index=1)  # another company's own numbering
    assert CompanyPayment.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_tiyn": 0}, "amount"),
        ({"amount_tiyn": -100}, "amount"),
        ({"amount_tiyn": 10**13}, "amount"),
        ({"order_number": "  "}, "order_number"),
        ({"order_number": "9" * 33}, "order_number"),
        ({"paid_on": dt.date(2999, 1, 1)}, "paid_on"),
        ({"bin_": "000000000000"}, "bin"),
    ],
)
def test_bad_payments_are_refused_and_nothing_is_recorded(
    tree: Tree, change: dict[str, object], field: str
) -> None:
    kwargs: dict[str, object] = {
        "actor": None,
        "unit": tree.central,
        "bin_": _company(tree).bin,
        "amount_tiyn": 100_00,
        "order_number": "1",
        "paid_on": PAID_ON,
        **change,
    }
    with pytest.raises(DuesRefusal) as refused:
        record_company_payment(**kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert not CompanyPayment.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_another_regions_accountant_cannot_record_a_payment(tree: Tree) -> None:
    other = grant(Role.ACCOUNTANT, tree.regions[1])
    with pytest.raises(PermissionRefused):
        record_company_payment(
            actor=other,
            unit=tree.central,
            bin_=_company(tree).bin,
            amount_tiyn=100_00,
            order_number="1",
            paid_on=PAID_ON,
        )
    # Nor name it under their own region: it is no member company there.
    with pytest.raises(DuesRefusal, match="No member company"):
        record_company_payment(
            actor=other,
            unit=tree.regions[1],
            bin_=_company(tree).bin,
            amount_tiyn=100_00,
            order_number="1",
            paid_on=PAID_ON,
        )
    assert not CompanyPayment.objects.exists()


def test_a_companys_transfer_is_income_in_the_statements_and_the_budget(
    tree: Tree,
) -> None:
    """One ledger: what a company pays is counted where members' dues are."""
    _regulation(tree)
    _pay(tree, 1_000_000_01, "31")
    start, end = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
    collected = compute_collected(tree.districts[0], start, end)
    assert (collected.payments, collected.paid_tiyn, collected.below_tiyn) == (
        1,
        1_000_000_01,
        600_000_01,
    )
    assert collected.own_tiyn == 150_000_00
    assert collected.balances
    check = reconcile(tree.central, start, end)
    assert (check.paid_tiyn, check.ledger_tiyn, check.unbalanced) == (
        1_000_000_01,
        1_000_000_01,
        0,
    )
    owes = {
        row.unit.pk: row.balance.shares_tiyn
        for row in compute_owes(tree.primaries[0], start, end)
        if row.unit is not None
    }
    assert owes == {
        tree.districts[0].pk: 150_000_00,
        tree.regions[0].pk: 150_000_00,
        tree.central.pk: 100_000_00,
    }
    assert budget_report(tree.primaries[0], 2026).dues_tiyn == 600_000_01
