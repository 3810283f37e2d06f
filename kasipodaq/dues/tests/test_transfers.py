"""Transfers of collected shares to the levels above."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditEvent
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import LevelTransfer
from kasipodaq.dues.services.transfers import record_transfer
from kasipodaq.dues.statements import owed_between
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.tests.factories import Tree, grant

from .ledger_data import pay, regulation

PAID_ON = dt.date(2026, 3, 10)
SENT_ON = dt.date(2026, 3, 20)


@pytest.fixture
def collected(tree: Tree) -> Tree:
    """1,000 tenge paid at the first school: 600 its own, 150 the district's,
    150 the region's, 100 the centre's."""
    regulation(tree)
    pay(tree.admit(tree.primaries[0]).person, 1_000_00, PAID_ON)
    return tree


def _send(
    tree: Tree, to: OrgUnit, tiyn: int, number: str = "17", **extra: Any
) -> LevelTransfer:
    return record_transfer(
        actor=extra.pop("actor", tree.admin),
        from_unit=extra.pop("from_unit", tree.primaries[0]),
        to_unit=to,
        amount_tiyn=tiyn,
        transferred_on=extra.pop("transferred_on", SENT_ON),
        order_number=number,
        **extra,
    )


def test_a_transfer_settles_what_the_school_owes_its_district(collected: Tree) -> None:
    tree = collected
    district = tree.districts[0]
    assert owed_between(tree.primaries[0], district, SENT_ON) == 150_00
    transfer = _send(tree, district, 100_00, note=" part ")
    assert transfer.recorded_by == tree.admin
    assert transfer.note == "part"
    assert owed_between(tree.primaries[0], district, SENT_ON) == 50_00
    _send(tree, district, 50_00, number="18")
    assert owed_between(tree.primaries[0], district, SENT_ON) == 0
    # The region's share is owed apart and paid directly to the region.
    _send(tree, tree.regions[0], 150_00, number="19")
    assert owed_between(tree.primaries[0], tree.regions[0], SENT_ON) == 0
    event = AuditEvent.objects.get(object_type="leveltransfer", object_id=transfer.pk)
    assert event.actor == tree.admin
    assert event.after is not None and event.after["order_number"] == "17"


@pytest.mark.parametrize(
    ("to", "tiyn", "number", "on", "field"),
    [
        ("sibling", 10_00, "1", SENT_ON, "to_unit"),
        ("self", 10_00, "1", SENT_ON, "to_unit"),
        ("below", 10_00, "1", SENT_ON, "to_unit"),
        ("district", 0, "1", SENT_ON, "amount"),
        ("district", -5_00, "1", SENT_ON, "amount"),
        ("district", 150_01, "1", SENT_ON, "amount"),
        ("district", 10_00, "1", dt.date(2999, 1, 1), "transferred_on"),
        ("district", 10_00, "  ", SENT_ON, "order_number"),
        # Before the money arrived nothing was owed.
        ("district", 10_00, "1", dt.date(2026, 3, 9), "amount"),
    ],
)
def test_wrong_transfers_are_refused_and_nothing_is_written(
    collected: Tree, to: str, tiyn: int, number: str, on: dt.date, field: str
) -> None:
    tree = collected
    sender = tree.districts[0] if to == "below" else tree.primaries[0]
    receiver = {
        "sibling": tree.primaries[1],
        "self": tree.primaries[0],
        "below": tree.primaries[0],
        "district": tree.districts[0],
    }[to]
    with pytest.raises(DuesRefusal) as refused:
        _send(tree, receiver, tiyn, number, transferred_on=on, from_unit=sender)
    assert refused.value.field == field
    assert not LevelTransfer.objects.exists()
    assert not AuditEvent.objects.filter(object_type="leveltransfer").exists()


def test_a_payment_order_number_counts_once_per_sender(collected: Tree) -> None:
    tree = collected
    _send(tree, tree.districts[0], 10_00, "PO-5")
    with pytest.raises(DuesRefusal, match="already recorded") as refused:
        _send(tree, tree.regions[0], 10_00, " PO-5 ")
    assert refused.value.field == "order_number"
    pay(tree.admit(tree.primaries[1]).person, 1_000_00, PAID_ON)
    _send(tree, tree.districts[0], 10_00, "PO-5", from_unit=tree.primaries[1])
    assert LevelTransfer.objects.count() == 2


def test_transfers_never_pay_more_than_the_shares_however_they_are_split(
    collected: Tree,
) -> None:
    """Earlier transfers count, whatever their date; later payments do not."""
    tree = collected
    _send(tree, tree.central, 60_00, "A")
    pay(tree.admit(tree.primaries[0]).person, 1_000_00, dt.date(2026, 4, 1))
    with pytest.raises(DuesRefusal, match="owes"):
        _send(tree, tree.central, 40_01, "B", transferred_on=dt.date(2026, 3, 25))
    _send(tree, tree.central, 40_00, "B", transferred_on=dt.date(2026, 3, 25))
    _send(tree, tree.central, 100_00, "C", transferred_on=dt.date(2026, 4, 2))
    assert owed_between(tree.primaries[0], tree.central, dt.date(2026, 4, 2)) == 0


def test_only_those_who_keep_the_senders_dues_record_its_transfers(
    collected: Tree,
) -> None:
    tree = collected
    for user in (
        grant(Role.AUDITOR, tree.primaries[0]),  # reads, does not keep
        grant(Role.ACCOUNTANT, tree.districts[1]),  # another district
        grant(Role.ACCOUNTANT, tree.primaries[1]),  # the sister school
    ):
        with pytest.raises(PermissionRefused):
            _send(tree, tree.districts[0], 10_00, actor=user)
    assert not LevelTransfer.objects.exists()
    _send(
        tree, tree.districts[0], 10_00, actor=grant(Role.ACCOUNTANT, tree.districts[0])
    )


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _form(tree: Tree, **changes: str) -> dict[str, Any]:
    return {
        "to_unit": str(tree.districts[0].pk),
        "amount": "150.00",
        "transferred_on": SENT_ON.isoformat(),
        "order_number": "PO-1",
        "note": "",
    } | changes


def test_the_statement_page_records_a_transfer_and_shows_it(collected: Tree) -> None:
    tree = collected
    client = _signed_in(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    url = (
        reverse("dues:statement", args=[tree.primaries[0].pk])
        + "?from=2026-01&to=2026-03"
    )
    response = client.post(url, _form(tree))
    assert response.status_code == 302
    assert response["Location"] == url
    page = client.get(url)
    text = page.content.decode()
    assert "Transfer PO-1 of 150.00 tenge is recorded." in text
    owes = {
        row.unit.pk: row.balance.closing_tiyn for row in page.context["statement"].owes
    }
    assert owes == {
        tree.districts[0].pk: 0,
        tree.regions[0].pk: 150_00,
        tree.central.pk: 100_00,
    }


def test_a_refused_transfer_keeps_the_input_and_records_nothing(
    collected: Tree,
) -> None:
    tree = collected
    client = _signed_in(tree.admin)
    url = reverse("dues:statement", args=[tree.primaries[0].pk])
    response = client.post(url, _form(tree, amount="150.01", order_number="PO-77"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "a larger transfer would pay more than its shares" in text
    assert 'value="PO-77"' in text
    assert 'value="150.01"' in text
    bogus = client.post(url, _form(tree, to_unit=str(tree.primaries[1].pk)))
    assert bogus.status_code == 200
    assert not LevelTransfer.objects.exists()


def test_readers_and_other_regions_cannot_record_transfers(collected: Tree) -> None:
    tree = collected
    url = reverse("dues:statement", args=[tree.primaries[0].pk])
    auditor = _signed_in(grant(Role.AUDITOR, tree.primaries[0]))
    assert auditor.get(url).status_code == 200
    assert "Record the transfer" not in auditor.get(url).content.decode()
    assert auditor.post(url, _form(tree)).status_code == 404
    other = _signed_in(grant(Role.ACCOUNTANT, tree.regions[1]))
    assert other.post(url, _form(tree)).status_code == 404
    assert not LevelTransfer.objects.exists()
