"""Months overdue: the public card check's own SQL counts as months_overdue does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasipodaq.cards.models import Card
from kasipodaq.cards.selectors import cards_of
from kasipodaq.cards.standing import CardStatus
from kasipodaq.cards.verification import Verdict, check_token
from kasipodaq.dues.arrears import ONE_PERSON_SQL, months_overdue
from kasipodaq.dues.models import Charge, Payment, PaymentMethod
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 9, 14)


def _one_person(person: Person, on: dt.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({ONE_PERSON_SQL}) FROM registry_person c0 "  # noqa: S608
            "JOIN (SELECT id AS person_id FROM registry_person) c "
            "ON c.person_id = c0.id WHERE c0.id = %s",
            [on.replace(day=1), person.pk],
        )
        return int(cursor.fetchone()[0])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    charged=st.lists(st.integers(0, 3_000_00), min_size=0, max_size=12),
    paid=st.lists(st.integers(1, 5_000_00), min_size=0, max_size=4),
)
def test_the_checks_sql_counts_the_months_as_months_overdue_does(
    tree: Tree, charged: list[int], paid: list[int]
) -> None:
    with transaction.atomic():  # each example rolled back
        _compare(tree, charged, paid)
        transaction.set_rollback(True)


def _compare(tree: Tree, charged: list[int], paid: list[int]) -> None:
    person = tree.admit(tree.primaries[0]).person
    Charge.objects.bulk_create(
        Charge(
            person=person,
            month=dt.date(2026 - (i + 3) // 12, 12 - (i + 3) % 12, 1),
            org_unit=tree.primaries[0],
            category="working",
            amount_tiyn=tiyn,
        )
        for i, tiyn in enumerate(charged)
    )
    Payment.objects.bulk_create(
        Payment(
            person=person,
            amount_tiyn=tiyn,
            method=PaymentMethod.CASH,
            reference=f"P{i}",
            paid_on=ON,
            org_unit=tree.primaries[0],
        )
        for i, tiyn in enumerate(paid)
    )
    expected = months_overdue([person.pk], ON).get(person.pk, 0)
    assert _one_person(person, ON) == expected


def test_the_public_check_suspends_a_card_as_the_staff_pages_do(tree: Tree) -> None:
    """Four months overdue against the default limit of three."""
    person = tree.admit(tree.primaries[0]).person
    card = Card.objects.get(person=person)
    for month in (4, 5, 6, 7):
        Charge.objects.create(
            person=person,
            month=dt.date(2026, month, 1),
            org_unit=tree.primaries[0],
            category="working",
            amount_tiyn=1_000_00,
        )
    assert check_token(card.token, on=ON).verdict == Verdict.SUSPENDED
    assert [status for _card, status in cards_of(person, ON)] == [CardStatus.SUSPENDED]
    Payment.objects.create(
        person=person,
        amount_tiyn=1_000_00,
        method=PaymentMethod.CASH,
        reference="R1",
        paid_on=ON,
        org_unit=tree.primaries[0],
    )
    assert check_token(card.token, on=ON).verdict == Verdict.VALID
    assert [status for _card, status in cards_of(person, ON)] == [CardStatus.VALID]
