import datetime as dt
import itertools

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.registry.selectors import (
    MemberFilter,
    compute_unit_figures,
    count_members,
    list_members,
)
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.tests.factories import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(tree):
    """Members of both sexes, several ages and categories; some left, one moved."""
    births = [dt.date(1960, 3, 1), dt.date(1992, 7, 9), dt.date(2001, 1, 20)]
    for i, unit in enumerate(tree.primaries):
        for j, (born, sex, category) in enumerate(
            itertools.product(births, "MF", ["working", "student"])
        ):
            m = tree.admit(
                unit,
                birth_date=born,
                sex=sex,
                category=category,
                last_name=f"Фамилия{i}{j}",
                joined_on=dt.date(2015, 1, 1),
            )
            if j % 5 == 0:
                end_membership(
                    actor=tree.admin,
                    membership=m,
                    on=dt.date(2020, 1, 1),
                    reason="own_wish",
                )
    moved = tree.admit(tree.primaries[0], joined_on=dt.date(2016, 1, 1))
    transfer_membership(
        actor=tree.admin,
        membership=moved,
        to_unit=tree.primaries[5],
        on=dt.date(2021, 1, 1),
    )
    return tree


FILTERS = [
    MemberFilter(),
    MemberFilter(status="former"),
    MemberFilter(status="all"),
    MemberFilter(sex="F"),
    MemberFilter(category="student", age_band="29"),
    MemberFilter(age_band="35"),
    MemberFilter(age_band="36+", sex="M"),
    MemberFilter(text="Фамилия1"),
]


@pytest.mark.parametrize("flt", FILTERS)
def test_the_cheap_count_equals_the_list(populated, flt):
    """count_members counts exactly the rows list_members gives, in any scope."""
    chair = grant(Role.CHAIR, populated.districts[0])
    counts = []
    for user in (populated.admin, chair):
        for unit in (None, populated.regions[0], populated.primaries[0]):
            f = MemberFilter(**{**flt.__dict__, "unit": unit})
            counts.append(count_members(user, f))
            assert counts[-1] == list_members(user, f).count()
    assert max(counts) > 0


def test_unit_figures_total_their_children(populated):
    """The totals are the sum of the counts per child, from the same query."""
    figures = compute_unit_figures(populated.central)
    assert figures.members == sum(figures.members_by_child.values())
    assert figures.members == count_members(populated.admin, MemberFilter())
    assert figures.working == count_members(
        populated.admin, MemberFilter(category="working")
    )
    assert set(figures.members_by_child) == {r.path for r in populated.regions}
