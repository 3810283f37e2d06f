"""A member's whole history of dues: month by month, balanced, audited when read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.dues.history import dues_history
from kasipodaq.dues.models import Charge, PaymentMethod
from kasipodaq.dues.services.payments import record_payment
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(tree: Tree) -> Person:
    """Charged February to April (March exempt), paid once in March, twice in May."""
    person = tree.admit(tree.primaries[0]).person
    for month, tiyn, exempt in (
        (2, 1_000_00, False),
        (3, 0, True),
        (4, 1_200_00, False),
    ):
        Charge.objects.create(
            person=person,
            month=dt.date(2026, month, 1),
            org_unit=tree.primaries[0],
            category="working",
            amount_tiyn=tiyn,
            exempt=exempt,
        )
    for reference, tiyn, day in (
        ("A", 1_000_00, dt.date(2026, 3, 5)),
        ("B", 700_00, dt.date(2026, 5, 2)),
        ("C", 800_00, dt.date(2026, 5, 20)),
    ):
        record_payment(
            actor=None,
            person=person,
            amount_tiyn=tiyn,
            method=PaymentMethod.CASH,
            reference=reference,
            paid_on=day,
        )
    return person


def test_every_month_from_the_first_shows_charged_paid_and_the_balance(
    person: Person,
) -> None:
    history = dues_history(person, dt.date(2026, 6, 15))
    rows = [
        (row.month.month, row.charged_tiyn, row.exempt, row.paid_tiyn, row.balance_tiyn)
        for row in history.months
    ]
    assert rows == [
        (6, None, False, 0, -300_00),
        (5, None, False, 1_500_00, -300_00),
        (4, 1_200_00, False, 0, 1_200_00),
        (3, 0, True, 1_000_00, 0),
        (2, 1_000_00, False, 0, 1_000_00),
    ]
    assert (history.charged_tiyn, history.paid_tiyn, history.balance_tiyn) == (
        2_200_00,
        2_500_00,
        -300_00,
    )


def test_the_history_stops_at_the_day_asked(person: Person) -> None:
    history = dues_history(person, dt.date(2026, 3, 31))
    assert [row.month.month for row in history.months] == [3, 2]
    assert history.balance_tiyn == 0


def test_someone_who_never_paid_nor_was_charged_has_an_empty_history(
    tree: Tree,
) -> None:
    newcomer = tree.admit(tree.primaries[1], birth_date=dt.date(1990, 2, 3)).person
    assert dues_history(newcomer, dt.date(2026, 6, 1)).months == []


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_history_and_is_audited_as_a_view(
    tree: Tree, person: Person, django_assert_max_num_queries: Any
) -> None:
    client = _client(grant(Role.ACCOUNTANT, tree.regions[0]))
    url = reverse("dues:member-history", args=[person.pk])
    with django_assert_max_num_queries(12):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "receipt A" in text
    assert "Paid ahead, tenge" in text
    assert AuditEvent.objects.filter(
        action=AuditAction.PERSON_VIEWED, person_id=person.pk
    ).exists()


def test_another_districts_staff_get_404_and_nothing_is_audited(
    tree: Tree, person: Person
) -> None:
    client = _client(grant(Role.ACCOUNTANT, tree.districts[1]))
    page = client.get(reverse("dues:member-history", args=[person.pk]))
    assert page.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED).exists()
