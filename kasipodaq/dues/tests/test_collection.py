"""Collection over a year: charged against received per month and per
organization below, with the arrears."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.dues.collection import Figures, compute_collection
from kasipodaq.dues.models import Charge
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

from .ledger_data import pay, regulation

YEAR = 2025
ON = dt.date(2026, 1, 10)


def _charge(person: Person, unit: OrgUnit, month: int, tiyn: int) -> None:
    Charge.objects.create(
        person=person,
        month=dt.date(YEAR, month, 1),
        org_unit=unit,
        category="working",
        amount_tiyn=tiyn,
    )


@pytest.fixture
def year(tree: Tree) -> Tree:
    """Three members: two in the first district (one pays everything, one pays
    half of March), one in the second region (pays nothing)."""
    regulation(tree)
    good = tree.admit(tree.primaries[0]).person
    half = tree.admit(tree.primaries[1]).person
    far = tree.admit(tree.primaries[6]).person
    for month in (1, 2, 3):
        _charge(good, tree.primaries[0], month, 1_000_00)
        _charge(half, tree.primaries[1], month, 500_00)
        _charge(far, tree.primaries[6], month, 700_00)
    for month in (1, 2, 3):
        pay(good, 1_000_00, dt.date(YEAR, month, 20))
    pay(half, 250_00, dt.date(YEAR, 3, 31))
    pay(good, 1_000_00, dt.date(YEAR - 1, 12, 31))  # last year: not counted
    return tree


def test_a_district_sees_its_months_and_its_schools(year: Tree) -> None:
    tree = year
    collection = compute_collection(tree.districts[0], YEAR, ON)
    months = dict(collection.months)
    assert len(months) == 12
    assert months[dt.date(YEAR, 1, 1)] == Figures(1_500_00, 1_000_00)
    assert months[dt.date(YEAR, 3, 1)] == Figures(1_500_00, 1_250_00)
    assert months[dt.date(YEAR, 3, 1)].rate == 83
    assert months[dt.date(YEAR, 4, 1)] == Figures(0, 0)
    assert months[dt.date(YEAR, 4, 1)].rate is None
    assert collection.total == Figures(4_500_00, 3_250_00)
    below = {unit.pk: f for unit, f in collection.below if unit}
    assert below == {
        tree.primaries[0].pk: Figures(3_000_00, 3_000_00),
        tree.primaries[1].pk: Figures(1_500_00, 250_00),
    }
    assert sum((f for _u, f in collection.below), Figures()) == collection.total
    # The half payer owes 1,250 for three months; nobody else is behind.
    assert (collection.arrears.debtors, collection.arrears.owed_tiyn) == (1, 1_250_00)


def test_the_union_adds_up_its_regions(year: Tree) -> None:
    tree = year
    collection = compute_collection(tree.central, YEAR, ON)
    assert collection.total == Figures(6_600_00, 3_250_00)
    below = {unit.pk: f for unit, f in collection.below if unit}
    assert below == {
        tree.regions[0].pk: Figures(4_500_00, 3_250_00),
        tree.regions[1].pk: Figures(2_100_00, 0),
    }
    assert collection.arrears.debtors == 2
    assert collection.arrears.owed_tiyn == 1_250_00 + 2_100_00


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_collection_page_reads_in_a_fixed_number_of_queries(
    year: Tree, django_assert_max_num_queries: Any
) -> None:
    tree = year
    client = _signed_in(grant(Role.AUDITOR, tree.regions[0]))
    url = reverse("dues:collection", args=[tree.regions[0].pk])
    with django_assert_max_num_queries(8):
        page = client.get(url, {"year": str(YEAR)})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Collection in 2025" in text
    assert "72 %" in text  # 3,250 of 4,500
    for n in range(4):
        person = tree.admit(tree.primaries[3]).person
        _charge(person, tree.primaries[3], 5, 100_00 + n)
    with django_assert_max_num_queries(8):
        assert client.get(url, {"year": str(YEAR)}).status_code == 200


def test_a_wrong_year_shows_this_year(year: Tree) -> None:
    client = _signed_in(year.admin)
    url = reverse("dues:collection", args=[year.central.pk])
    for text in ("abc", "1900", "99999", ""):
        page = client.get(url, {"year": text})
        assert page.status_code == 200
        assert page.context["year"] == page.context["today"].year


def test_another_regions_collection_is_404(year: Tree) -> None:
    tree = year
    other = _signed_in(grant(Role.CHAIR, tree.regions[1]))
    for unit in (tree.primaries[0], tree.districts[0], tree.central):
        assert other.get(reverse("dues:collection", args=[unit.pk])).status_code == 404
    assert (
        other.get(reverse("dues:collection", args=[tree.regions[1].pk])).status_code
        == 200
    )
