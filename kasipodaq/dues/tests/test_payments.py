"""Payments: recorded once, split between the levels to the tiyn; arrears fall."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasipodaq.access.perms import Role
from kasipodaq.cards.models import Card, CardDesign
from kasipodaq.cards.selectors import cards_of
from kasipodaq.cards.standing import CardStatus
from kasipodaq.core.errors import DomainError
from kasipodaq.dues.arrears import months_overdue
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import (
    Charge,
    DistributionRule,
    LedgerEntry,
    Payment,
    PaymentMethod,
    SalaryBase,
)
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.dues.services.payments import record_payment
from kasipodaq.orgtree.models import Level
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant, make_unit

PAID_ON = dt.date(2026, 6, 5)


def _pay(person: Person, tiyn: int, reference: str, **extra: object) -> Payment:
    return record_payment(
        actor=None,
        person=person,
        amount_tiyn=tiyn,
        method=extra.pop("method", PaymentMethod.CASH),  # type: ignore[arg-type]
        reference=reference,
        paid_on=extra.pop("paid_on", PAID_ON),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def _regulation(tree: Tree) -> None:
    DistributionRule.objects.create(
        unit=tree.central,
        valid_from=dt.date(2025, 1, 1),
        primary_bp=6000,
        district_bp=1500,
        region_bp=1500,
        central_bp=1000,
    )


def test_a_payment_is_split_between_the_levels_by_the_regulation(tree: Tree) -> None:
    _regulation(tree)
    person = tree.admit(tree.primaries[0]).person
    payment = _pay(person, 1_000_01, "R-1")
    entries = {
        (e.unit_id, e.level): e.amount_tiyn
        for e in LedgerEntry.objects.filter(payment=payment)
    }
    assert entries == {
        (tree.primaries[0].pk, Level.PRIMARY): 600_01,
        (tree.districts[0].pk, Level.DISTRICT): 150_00,
        (tree.regions[0].pk, Level.REGION): 150_00,
        (tree.central.pk, Level.CENTRAL): 100_00,
    }


def test_a_regions_own_regulation_wins_and_a_missing_level_passes_its_share_up(
    tree: Tree,
) -> None:
    _regulation(tree)
    DistributionRule.objects.create(
        unit=tree.regions[1],
        valid_from=dt.date(2026, 1, 1),
        primary_bp=5000,
        district_bp=2000,
        region_bp=2000,
        central_bp=1000,
    )
    school = make_unit(tree.regions[1], Level.PRIMARY)  # no district between
    person = tree.admit(school).person
    payment = _pay(person, 100_00, "R-2")
    entries = dict(
        LedgerEntry.objects.filter(payment=payment).values_list("unit", "amount_tiyn")
    )
    assert entries == {
        school.pk: 50_00,
        tree.regions[1].pk: 40_00,
        tree.central.pk: 10_00,
    }


def test_without_a_regulation_everything_stays_with_the_primary(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    payment = _pay(person, 500_00, "R-3")
    assert list(
        LedgerEntry.objects.filter(payment=payment).values_list("unit", "amount_tiyn")
    ) == [(tree.primaries[0].pk, 500_00)]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    amounts=st.lists(
        st.integers(min_value=1, max_value=5_000_000), min_size=1, max_size=8
    ),
    shares=st.lists(
        st.integers(min_value=0, max_value=100), min_size=4, max_size=4
    ).filter(lambda s: sum(s) > 0),
)
def test_ledgers_always_balance_to_the_tiyn(
    tree: Tree, amounts: list[int], shares: list[int]
) -> None:
    """Whatever the regulation and the payments, every payment's entries add up
    to it and the ledgers together hold exactly what was collected."""
    weights = [s * 10000 // sum(shares) for s in shares]
    weights[0] += 10000 - sum(weights)
    DistributionRule.objects.all().delete()
    DistributionRule.objects.create(
        unit=tree.central,
        valid_from=dt.date(2025, 1, 1),
        primary_bp=weights[0],
        district_bp=weights[1],
        region_bp=weights[2],
        central_bp=weights[3],
    )
    person = Person.objects.first() or tree.admit(tree.primaries[0]).person
    before = LedgerEntry.objects.aggregate(s=Sum("amount_tiyn"))["s"] or 0
    collected = before
    for n, amount in enumerate(amounts):
        payment = _pay(person, amount, f"H-{Payment.objects.count()}-{n}")
        booked = LedgerEntry.objects.filter(payment=payment).aggregate(
            s=Sum("amount_tiyn")
        )["s"]
        assert booked == amount
        collected += amount
    assert LedgerEntry.objects.aggregate(s=Sum("amount_tiyn"))["s"] == collected


def test_the_same_reference_is_never_counted_twice(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    _pay(person, 100_00, "RECEIPT-7")
    with pytest.raises(DuesRefusal, match="already recorded"):
        _pay(person, 100_00, "RECEIPT-7")
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.count() == 1
    _pay(person, 100_00, "RECEIPT-7", method=PaymentMethod.PAYROLL)  # another source


@pytest.mark.parametrize(
    ("tiyn", "paid_on", "reference"),
    [
        (0, PAID_ON, "X"),
        (-5_00, PAID_ON, "X"),
        (1_000_000_01, PAID_ON, "X"),
        (100_00, dt.date(2999, 1, 1), "X"),
        (100_00, PAID_ON, "   "),
    ],
)
def test_absurd_payments_are_refused_and_nothing_is_written(
    tree: Tree, tiyn: int, paid_on: dt.date, reference: str
) -> None:
    person = tree.admit(tree.primaries[0]).person
    with pytest.raises(DuesRefusal):
        _pay(person, tiyn, reference, paid_on=paid_on)
    assert not Payment.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_only_those_who_keep_dues_record_payments(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    for user in (
        grant(Role.CHAIR, tree.districts[1]),
        grant(Role.AUDITOR, tree.central),
    ):
        with pytest.raises(DomainError):
            record_payment(
                actor=user,
                person=person,
                amount_tiyn=100_00,
                method=PaymentMethod.CASH,
                reference="Z",
                paid_on=PAID_ON,
            )
    assert not Payment.objects.exists()


def test_payments_settle_the_oldest_months_first(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0], joined_on=dt.date(2025, 1, 1)).person
    SalaryBase.objects.create(
        person=person, valid_from=dt.date(2025, 1, 1), amount_tiyn=100_000_00
    )
    for month in range(1, 6):  # January to May: 1,000 tenge each
        accrue_month(actor=None, month=dt.date(2026, month, 1), unit=tree.central)
    on = dt.date(2026, 6, 10)  # May is over
    assert months_overdue([person.pk], on) == {person.pk: 5}
    _pay(person, 2_500_00, "P-1")  # January, February and half of March
    assert months_overdue([person.pk], on) == {person.pk: 3}
    _pay(person, 2_500_00, "P-2", month=dt.date(2026, 5, 1))
    assert months_overdue([person.pk], on) == {}
    # The current month is not overdue yet.
    accrue_month(actor=None, month=dt.date(2026, 6, 1), unit=tree.central)
    assert months_overdue([person.pk], on) == {}


def test_arrears_beyond_the_centres_limit_suspend_the_card_and_paying_lifts_it(
    tree: Tree, settings: object
) -> None:
    person = tree.admit(tree.primaries[0], joined_on=dt.date(2025, 1, 1)).person
    SalaryBase.objects.create(
        person=person, valid_from=dt.date(2025, 1, 1), amount_tiyn=100_000_00
    )
    for month in (1, 2, 3, 4):
        accrue_month(actor=None, month=dt.date(2026, month, 1), unit=tree.central)
    CardDesign.objects.create(pk=1, suspend_after_months=3)
    assert Card.objects.filter(person=person).exists()
    today = dt.date(2026, 11, 24)
    assert Charge.objects.filter(person=person).count() == 4
    assert cards_of(person, today)[0][1] == CardStatus.SUSPENDED
    _pay(person, 1_000_00, "P-9")
    assert cards_of(person, today)[0][1] == CardStatus.VALID


def test_a_person_who_paid_cannot_be_erased_but_charges_alone_do_not_stop_it(
    tree: Tree,
) -> None:
    from kasipodaq.registry.errors import RegistryRefusal
    from kasipodaq.registry.services.people import delete_person

    payer = tree.admit(tree.primaries[0]).person
    charged = tree.admit(tree.primaries[0]).person
    accrue_month(actor=None, month=dt.date(2026, 3, 1), unit=tree.central)
    _pay(payer, 100_00, "KEEP-1")
    with pytest.raises(RegistryRefusal, match="cannot be erased"):
        delete_person(actor=tree.admin, person=payer)
    assert Person.objects.filter(pk=payer.pk).exists()
    assert Charge.objects.filter(person=payer).exists()
    delete_person(actor=tree.admin, person=charged)
    assert not Charge.objects.filter(person_id=charged.pk).exists()
