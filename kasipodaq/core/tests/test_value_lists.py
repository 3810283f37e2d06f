"""Many values as one parameter: the same rows as `IN (…)`, past PostgreSQL's limit
of parameters in a statement."""

from __future__ import annotations

import datetime as dt

import pytest

from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Membership, Person
from kasipodaq.registry.tests.factories import Tree

pytestmark = pytest.mark.django_db


def test_ids_beyond_the_parameter_limit_find_exactly_the_rows_named(
    tree: Tree,
) -> None:
    wanted = [tree.regions[0].pk, tree.primaries[3].pk]
    ids = wanted + list(range(10_000_000, 10_070_000))  # past 65,535
    found = OrgUnit.objects.filter(pk__one_of=ids)
    assert sorted(found.values_list("pk", flat=True)) == sorted(wanted)


def test_texts_and_dates_match_as_the_columns_hold_them(tree: Tree) -> None:
    first = tree.admit(tree.primaries[0], joined_on=dt.date(2021, 3, 1)).person
    tree.admit(
        tree.primaries[1],
        joined_on=dt.date(2022, 4, 1),
        birth_date=dt.date(1990, 1, 2),
    )
    assert list(Person.objects.filter(iin__one_of={first.iin, "000000000000"})) == [
        first
    ]
    assert list(
        Membership.objects.filter(joined_on__one_of=[dt.date(2021, 3, 1)]).values_list(
            "person_id", flat=True
        )
    ) == [first.pk]


def test_no_values_find_nothing(tree: Tree) -> None:
    assert not OrgUnit.objects.filter(pk__one_of=[]).exists()


def test_keys_match_through_the_related_column(tree: Tree) -> None:
    member = tree.admit(tree.primaries[0], joined_on=dt.date(2021, 3, 1))
    found = Membership.objects.filter(person_id__one_of=[member.person_id, 0])
    assert list(found) == [member]


def test_a_single_text_is_refused_not_read_as_characters() -> None:
    with pytest.raises(TypeError):
        Person.objects.filter(iin__one_of="123")
