"""/api/v1/dues: the same figures, actions and refusals as the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.api.tests.client import api_as
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.dues.models import Charge, LedgerEntry, Payment, SalaryBase
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def person(tree: Tree) -> Person:
    person = tree.admit(tree.primaries[0]).person
    SalaryBase.objects.create(person=person, valid_from=MARCH, amount_tiyn=250_000_00)
    return person


def test_accrue_then_read_the_month_and_the_members_arrears(
    tree: Tree, person: Person
) -> None:
    api = api_as(tree.admin)
    accrued = api.post(f"/dues/orgs/{tree.central.pk}/accruals", {"month": "2026-03"})
    assert accrued.status_code == 200
    assert accrued.json() == {
        "month": "2026-03",
        "charges": 1,
        "total": "2500.00",
        "created": 1,
        "updated": 0,
        "removed": 0,
        "without_salary": 0,
    }
    again = api.post(f"/dues/orgs/{tree.central.pk}/accruals", {"month": "2026-03"})
    assert again.json()["created"] == 0 and Charge.objects.count() == 1
    month = api.get(f"/dues/orgs/{tree.primaries[0].pk}/months/2026-03").json()
    assert month == {
        "month": "2026-03",
        "charges": 1,
        "charged": "2500.00",
        "collected": "0.00",
        "rate": 0,
    }
    arrears = api.get(f"/dues/orgs/{tree.regions[0].pk}/arrears").json()
    assert arrears == [
        {"member": person.pk, "full_name": person.full_name, "months_overdue": 1}
    ]
    assert api.get(f"/dues/orgs/{tree.regions[1].pk}/arrears").json() == []


def test_cash_makes_a_receipt_and_the_members_history_shows_it_audited(
    tree: Tree, person: Person
) -> None:
    api = api_as(tree.admin)
    api.post(f"/dues/orgs/{tree.central.pk}/accruals", {"month": "2026-03"})
    paid = api.post(
        f"/dues/members/{person.pk}/cash",
        {"amount": "2500.00", "paid_on": "2026-04-02", "month": "2026-03"},
    )
    assert paid.status_code == 201
    body = paid.json()
    assert body["reference"] == "2026-000001"
    assert (body["amount"], body["method"], body["month"]) == (
        "2500.00",
        "cash",
        "2026-03",
    )
    assert sum(LedgerEntry.objects.values_list("amount_tiyn", flat=True)) == 2500_00
    views = AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED).count()
    history = api.get(f"/dues/members/{person.pk}").json()
    assert history["months_overdue"] == 0
    assert [c["amount"] for c in history["charges"]] == ["2500.00"]
    assert history["charges"][0]["salary"] == "250000.00"
    assert [p["reference"] for p in history["payments"]] == ["2026-000001"]
    assert (
        AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED).count() == views + 1
    )


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"amount": "0", "paid_on": "2026-04-02"}, 422, None),
        ({"amount": "10.001", "paid_on": "2026-04-02"}, 422, None),
        ({"amount": "-5", "paid_on": "2026-04-02"}, 422, None),
        ({"amount": "10000000", "paid_on": "2026-04-02"}, 422, "amount"),
        ({"amount": "10", "paid_on": "2999-01-01"}, 422, "paid_on"),
        ({"amount": "10", "paid_on": "2026-04-02", "month": "2026-13"}, 422, None),
    ],
)
def test_bad_cash_is_refused_and_records_nothing(
    tree: Tree, person: Person, payload: dict[str, str], status: int, field: str | None
) -> None:
    answer = api_as(tree.admin).post(f"/dues/members/{person.pk}/cash", payload)
    assert answer.status_code == status
    if field:
        assert answer.json()["field"] == field
    assert not Payment.objects.exists()


def test_a_month_to_come_is_not_accrued(tree: Tree, person: Person) -> None:
    answer = api_as(tree.admin).post(
        f"/dues/orgs/{tree.central.pk}/accruals", {"month": "2999-01"}
    )
    assert answer.status_code == 422
    assert "month to come" in answer.json()["detail"]
    assert not Charge.objects.exists()


def test_another_districts_staff_see_nothing_and_readers_change_nothing(
    tree: Tree, person: Person
) -> None:
    stranger = api_as(grant(Role.CHAIR, tree.districts[1]))
    assert stranger.get(f"/dues/members/{person.pk}").status_code == 404
    assert (
        stranger.post(
            f"/dues/members/{person.pk}/cash",
            {"amount": "10", "paid_on": "2026-04-02"},
        ).status_code
        == 404
    )
    assert (
        stranger.get(f"/dues/orgs/{tree.primaries[0].pk}/months/2026-03").status_code
        == 404
    )
    assert stranger.get(f"/dues/orgs/{tree.primaries[0].pk}/arrears").status_code == 404
    reader = api_as(grant(Role.LEGAL_INSPECTOR, tree.regions[0]))
    assert reader.get(f"/dues/members/{person.pk}").status_code == 200
    assert (
        reader.post(
            f"/dues/orgs/{tree.regions[0].pk}/accruals", {"month": "2026-03"}
        ).status_code
        == 404
    )
    assert (
        reader.post(
            f"/dues/members/{person.pk}/cash",
            {"amount": "10", "paid_on": "2026-04-02"},
        ).status_code
        == 404
    )
    assert not Charge.objects.exists() and not Payment.objects.exists()
