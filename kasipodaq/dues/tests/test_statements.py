"""Distribution statements: collected dues by receiver, what each organization
owes the levels above and is owed by those below, to the tiyn."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasipodaq.access.perms import Role
from kasipodaq.dues.models import DistributionRule, LedgerEntry, LevelTransfer, Payment
from kasipodaq.dues.services.transfers import record_transfer
from kasipodaq.dues.statements import (
    Balance,
    compute_statement,
    owed_between,
    reconcile,
)
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.paths import ancestor_ids
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

from .ledger_data import pay, regulation

JAN, APR, JUL = dt.date(2026, 1, 1), dt.date(2026, 4, 1), dt.date(2026, 7, 1)
YEAR = 2025  # every month of it is over


def _send(tree: Tree, sender: OrgUnit, to: OrgUnit, tiyn: int, on: dt.date) -> None:
    record_transfer(
        actor=None,
        from_unit=sender,
        to_unit=to,
        amount_tiyn=tiyn,
        transferred_on=on,
        order_number=f"{sender.pk}-{LevelTransfer.objects.count()}",
    )


@pytest.fixture
def money(tree: Tree) -> Tree:
    """Two schools of the first district pay; the first sends some shares up."""
    regulation(tree)
    first = tree.admit(tree.primaries[0]).person
    second = tree.admit(tree.primaries[1]).person
    pay(first, 1_000_00, dt.date(2026, 2, 1))  # before the period
    pay(first, 333_33, dt.date(2026, 5, 1))
    pay(second, 200_00, dt.date(2026, 6, 30))
    _send(tree, tree.primaries[0], tree.districts[0], 100_00, dt.date(2026, 3, 1))
    _send(tree, tree.primaries[0], tree.central, 120_00, dt.date(2026, 5, 2))
    return tree


def test_a_schools_statement_shows_its_shares_and_what_it_owes(money: Tree) -> None:
    tree = money
    statement = compute_statement(tree.primaries[0], APR, JUL)
    c = statement.collected
    # 333.33 split 60/15/15/10 by largest remainder.
    assert (c.payments, c.paid_tiyn, c.ledger_tiyn) == (1, 333_33, 333_33)
    assert (c.own_tiyn, c.below_tiyn) == (200_00, 0)
    assert [(u.pk, tiyn) for u, tiyn in c.above] == [
        (tree.districts[0].pk, 50_00),
        (tree.regions[0].pk, 50_00),
        (tree.central.pk, 33_33),
    ]
    assert c.balances
    owes = {row.unit.pk: row.balance for row in statement.owes if row.unit}
    assert owes == {
        tree.districts[0].pk: Balance(150_00 - 100_00, 50_00, 0),
        tree.regions[0].pk: Balance(150_00, 50_00, 0),
        tree.central.pk: Balance(100_00, 33_33, 120_00),
    }
    assert owes[tree.central.pk].closing_tiyn == 13_33
    assert [t.order_number for t in statement.sent] == [f"{tree.primaries[0].pk}-1"]
    assert statement.owed == []


def test_a_district_sees_what_each_school_owes_it(money: Tree) -> None:
    tree = money
    statement = compute_statement(tree.districts[0], APR, JUL)
    c = statement.collected
    assert (c.paid_tiyn, c.own_tiyn, c.below_tiyn) == (533_33, 80_00, 320_00)
    assert statement.owes == []  # it collected nothing itself
    owed = {row.unit.pk: row.balance for row in statement.owed if row.unit}
    assert owed == {
        tree.primaries[0].pk: Balance(50_00, 50_00, 0),
        tree.primaries[1].pk: Balance(0, 30_00, 0),
    }
    assert statement.owed_total.closing_tiyn == 130_00
    region = compute_statement(tree.regions[0], APR, JUL)
    assert [
        (row.unit.pk, row.balance.closing_tiyn) for row in region.owed if row.unit
    ] == [(tree.districts[0].pk, 150_00 + 50_00 + 30_00)]
    centre = compute_statement(tree.central, JAN, JUL)
    assert [(row.unit.pk, row.balance) for row in centre.owed if row.unit] == [
        (tree.regions[0].pk, Balance(0, 100_00 + 33_33 + 20_00, 120_00))
    ]
    assert [t.order_number for t in centre.received] == [f"{tree.primaries[0].pk}-1"]


def test_the_reconciliation_finds_a_payment_whose_entries_do_not_add_up(
    money: Tree,
) -> None:
    tree = money
    assert reconcile(tree.central, JAN, JUL).balances
    entry = LedgerEntry.objects.filter(booked_on=dt.date(2026, 5, 1)).first()
    assert entry is not None
    LedgerEntry.objects.filter(pk=entry.pk).update(amount_tiyn=entry.amount_tiyn + 1)
    broken = reconcile(tree.central, JAN, JUL)
    assert not broken.balances
    assert broken.unbalanced == 1
    assert broken.ledger_tiyn == broken.paid_tiyn + 1
    assert not compute_statement(tree.central, JAN, JUL).collected.balances


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    shares=st.lists(st.integers(0, 100), min_size=4, max_size=4).filter(
        lambda s: sum(s) > 0
    ),
    payments=st.lists(
        st.tuples(st.integers(0, 7), st.integers(1, 2_000_000), st.integers(0, 11)),
        min_size=1,
        max_size=12,
    ),
    transfers=st.lists(
        st.tuples(
            st.integers(0, 7),
            st.integers(1, 3),
            st.integers(1, 100),
            st.integers(0, 11),
        ),
        max_size=10,
    ),
    period=st.tuples(st.integers(0, 11), st.integers(1, 12)),
)
def test_every_statement_balances_to_the_tiyn(
    tree: Tree,
    people: list[Person],
    shares: list[int],
    payments: list[tuple[int, int, int]],
    transfers: list[tuple[int, int, int, int]],
    period: tuple[int, int],
) -> None:
    """Whatever the regulation, payments and transfers: every organization's
    columns add up, its closing balance with each level is its shares less its
    transfers, what a level is owed by those below is what they owe it, and the
    union's ledger entries sum to its payments."""
    LevelTransfer.objects.all().delete()
    LedgerEntry.objects.all().delete()
    Payment.objects.all().delete()
    DistributionRule.objects.all().delete()
    weights = [s * 10000 // sum(shares) for s in shares]
    weights[0] += 10000 - sum(weights)
    regulation(tree, (weights[0], weights[1], weights[2], weights[3]))
    for school, tiyn, month in payments:
        pay(people[school], tiyn, dt.date(YEAR, month + 1, 15))
    for school, height, percent, month in transfers:
        sender = tree.primaries[school]
        receiver = OrgUnit.objects.get(pk=ancestor_ids(sender.path)[-1 - height])
        on = dt.date(YEAR, month + 1, 20)
        owed = owed_between(sender, receiver, on)
        if owed * percent // 100 > 0:
            _send(tree, sender, receiver, owed * percent // 100, on)
    start = dt.date(YEAR, period[0] + 1, 1)
    end = dt.date(
        YEAR + (period[0] + period[1]) // 12, (period[0] + period[1]) % 12 + 1, 1
    )

    # What each collector owes each receiver at the end, from the rows themselves.
    expected: dict[tuple[int, int], int] = defaultdict(int)
    for entry in LedgerEntry.objects.filter(booked_on__lt=end).select_related(
        "payment"
    ):
        payment = entry.payment
        assert payment is not None
        assert entry.collected_by_id == payment.org_unit_id
        if entry.unit_id != payment.org_unit_id:
            expected[payment.org_unit_id, entry.unit_id] += entry.amount_tiyn
    for transfer in LevelTransfer.objects.filter(transferred_on__lt=end):
        expected[transfer.from_unit_id, transfer.to_unit_id] -= transfer.amount_tiyn

    units = [tree.central, *tree.regions, *tree.districts, *tree.primaries]
    owed_to: dict[int, int] = defaultdict(int)
    statements = {unit.pk: compute_statement(unit, start, end) for unit in units}
    for unit in units:
        statement = statements[unit.pk]
        c = statement.collected
        assert c.balances
        assert c.elsewhere_tiyn == 0
        for row in statement.owes:
            assert row.unit is not None
            assert row.balance.closing_tiyn == expected[unit.pk, row.unit.pk]
            assert row.balance.closing_tiyn >= 0
            owed_to[row.unit.pk] += row.balance.closing_tiyn
        assert statement.owes_total == sum(
            (r.balance for r in statement.owes), Balance()
        )
        children = sum(
            (
                statements[row.unit.pk].collected.ledger_tiyn
                for row in statement.owed
                if row.unit
            ),
            0,
        )
        assert children <= c.ledger_tiyn
    for unit in units:
        assert statements[unit.pk].owed_total.closing_tiyn == owed_to[unit.pk]
    # Per organization below: its subtree's debts to the unit.
    for district in tree.districts:
        for row in statements[district.pk].owed:
            assert row.unit is not None
            assert row.balance.closing_tiyn == expected[row.unit.pk, district.pk]
    paid = (
        Payment.objects.filter(paid_on__gte=start, paid_on__lt=end).aggregate(
            s=Sum("amount_tiyn")
        )["s"]
        or 0
    )
    root = statements[tree.central.pk].collected
    assert root.paid_tiyn == root.ledger_tiyn == paid
    assert reconcile(tree.central, start, end).balances
    assert (
        LedgerEntry.objects.aggregate(s=Sum("amount_tiyn"))["s"]
        == Payment.objects.aggregate(s=Sum("amount_tiyn"))["s"]
    )


@pytest.fixture
def people(tree: Tree) -> list[Person]:
    """A member in each school, admitted once for all the examples."""
    return [tree.admit(school).person for school in tree.primaries]


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_statement_page_reads_in_a_fixed_number_of_queries(
    money: Tree, django_assert_max_num_queries: Any
) -> None:
    tree = money
    client = _signed_in(grant(Role.CHAIR, tree.districts[0]))
    url = reverse("dues:statement", args=[tree.districts[0].pk])
    with django_assert_max_num_queries(15):
        page = client.get(url, {"from": "2026-04", "to": "2026-06"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Reconciled: payments 533.33 = ledger entries 533.33." in text
    assert page.context["statement"].start == APR
    assert page.context["statement"].end == JUL
    for n in range(3):  # more organizations and payments, the same queries
        pay(tree.admit(tree.primaries[1]).person, 10_00 + n, dt.date(2026, 5, 3))
    with django_assert_max_num_queries(15):
        assert client.get(url, {"from": "2026-04", "to": "2026-06"}).status_code == 200


def test_a_wrong_period_falls_back_to_this_year_and_says_so(money: Tree) -> None:
    tree = money
    client = _signed_in(tree.admin)
    url = reverse("dues:statement", args=[tree.central.pk])
    page = client.get(url, {"from": "2026-06", "to": "2026-02"})
    assert page.status_code == 200
    assert "The period ends before it starts." in page.content.decode()
    page = client.get(url, {"from": "June", "to": "2026-02"})
    assert "YYYY-MM" in page.content.decode()


def test_another_regions_statement_is_404(money: Tree) -> None:
    tree = money
    other = _signed_in(grant(Role.CHAIR, tree.regions[1]))
    for unit in (tree.primaries[0], tree.districts[0], tree.regions[0], tree.central):
        url = reverse("dues:statement", args=[unit.pk])
        assert other.get(url).status_code == 404
    own = _signed_in(grant(Role.AUDITOR, tree.regions[0]))
    assert (
        own.get(reverse("dues:statement", args=[tree.primaries[0].pk])).status_code
        == 200
    )


def test_the_page_warns_when_the_ledger_does_not_match_the_payments(
    money: Tree,
) -> None:
    tree = money
    LedgerEntry.objects.filter(booked_on=dt.date(2026, 5, 1)).filter(
        unit=tree.central
    ).delete()
    page = _signed_in(tree.admin).get(
        reverse("dues:statement", args=[tree.central.pk]),
        {"from": "2026-04", "to": "2026-06"},
    )
    assert "Not reconciled: payments 533.33, ledger entries 500.00." in (
        page.content.decode()
    )
