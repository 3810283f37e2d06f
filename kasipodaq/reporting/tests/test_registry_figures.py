"""The registry's figures of every unit on a date: the tree as it then stood, the
members then active, ages on that day, the employees last counted by then."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasipodaq.orgtree.changes import record_employees
from kasipodaq.orgtree.models import Level, OrgUnit
from kasipodaq.registry.models import Category, LeaveReason, Person
from kasipodaq.registry.selectors import born_after
from kasipodaq.registry.services.organizations import (
    liquidate_organization,
    move_organization,
)
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests import conftest as registry_fixtures
from kasipodaq.registry.tests.conftest import (
    CLOSED_ON,
    MERGED_ON,
    MOVED_ON,
    NEW_REGION_ON,
    TAKEN_OVER_ON,
    History,
)
from kasipodaq.registry.tests.factories import MALE, Tree, make_unit
from kasipodaq.reporting import registry_figures
from kasipodaq.reporting.models import Measure
from kasipodaq.reporting.registry_figures import (
    MEASURES,
    TreeFigures,
    compute_registry_figures,
)

pytestmark = pytest.mark.django_db
D = dt.date
# The registry's tests' registry with a past: moves, a merger, closings.
history = registry_fixtures.history


def members(figures: TreeFigures, unit: OrgUnit) -> int:
    return figures.of(unit.pk)[Measure.MEMBERS]


def test_each_unit_counts_its_whole_subtree(tree: Tree) -> None:
    school, neighbour = tree.primaries[0], tree.primaries[1]
    tree.admit(school)
    tree.admit(school, category=Category.STUDENT, sex=MALE)
    tree.admit(neighbour, category=Category.PENSIONER)
    tree.admit(tree.primaries[4], category=Category.NON_WORKING)
    figures = compute_registry_figures(on=D(2025, 1, 1))

    assert figures.of(school.pk) == {
        "members": 2,
        "working": 1,
        "students": 1,
        "pensioners": 0,
        "women": 1,
        "youth_29": 0,
        "youth_35": 0,
        "primary_orgs": 1,
        "employees": 50,
    }
    district = figures.of(tree.districts[0].pk)
    assert (district["members"], district["pensioners"]) == (3, 1)
    assert (district["primary_orgs"], district["employees"]) == (2, 100)
    assert members(figures, tree.regions[0]) == 3
    national = figures.of(tree.central.pk)
    assert (national["members"], national["primary_orgs"]) == (4, 8)
    assert national["employees"] == 400
    assert figures.parents[tree.central.pk] is None
    assert sorted(figures.children(tree.districts[0].pk)) == [school.pk, neighbour.pk]


def test_a_unit_not_open_on_the_date_has_no_figures(tree: Tree) -> None:
    figures = compute_registry_figures(on=D(1999, 12, 31))
    assert figures.rows == {}
    assert figures.of(tree.central.pk) == dict.fromkeys(MEASURES, 0)


def test_a_unit_moved_after_the_date_counts_under_its_old_parent(tree: Tree) -> None:
    """A school moved to another district in 2021 counts in its first district
    (and region) for 2020, and in the new one for 2021."""
    school = tree.primaries[0]
    tree.admit(school, joined_on=D(2015, 1, 1))
    new_district = tree.districts[2]  # in the other region
    move_organization(
        actor=tree.admin, unit=school, new_parent=new_district, on=MOVED_ON
    )

    before = compute_registry_figures(on=D(2020, 1, 1))
    assert before.parents[school.pk] == tree.districts[0].pk
    assert members(before, tree.districts[0]) == 1
    assert members(before, tree.regions[0]) == 1
    assert members(before, new_district) == 0
    assert before.of(tree.districts[0].pk)["primary_orgs"] == 2
    assert before.of(new_district.pk)["primary_orgs"] == 2

    after = compute_registry_figures(on=D(2022, 1, 1))
    assert after.parents[school.pk] == new_district.pk
    assert members(after, tree.districts[0]) == 0
    assert members(after, tree.regions[1]) == 1
    assert after.of(new_district.pk)["primary_orgs"] == 3
    assert after.of(new_district.pk)["employees"] == 150

    # The same when only the old district's subtree is asked for.
    past = compute_registry_figures(on=D(2020, 1, 1), roots=[tree.districts[0].pk])
    assert school.pk in past.rows
    assert members(past, tree.districts[0]) == 1
    now = compute_registry_figures(on=D(2022, 1, 1), roots=[tree.districts[0].pk])
    assert school.pk not in now.rows


def test_a_liquidated_unit_is_not_counted_once_closed(tree: Tree) -> None:
    school = tree.primaries[2]
    tree.admit(school, joined_on=D(2015, 1, 1))
    liquidate_organization(actor=tree.admin, unit=school, on=CLOSED_ON)

    before = compute_registry_figures(on=CLOSED_ON - dt.timedelta(days=1))
    assert members(before, school) == 1
    assert before.of(tree.districts[1].pk)["primary_orgs"] == 2
    for on in (CLOSED_ON, D(2024, 1, 1)):
        after = compute_registry_figures(on=on)
        assert school.pk not in after.rows
        district = after.of(tree.districts[1].pk)
        assert (district["members"], district["primary_orgs"]) == (0, 1)
        assert district["employees"] == 50
        assert after.of(tree.central.pk)["primary_orgs"] == 7


def test_membership_dates_are_half_open(tree: Tree) -> None:
    """On the as-of date, a member who left that day is no longer counted and one
    who joined that day already is."""
    on = D(2024, 1, 1)
    school = tree.primaries[0]
    leaving = tree.admit(school, joined_on=D(2015, 1, 1))
    end_membership(actor=tree.admin, membership=leaving, on=on, reason="own_wish")
    tree.admit(school, joined_on=on, category=Category.STUDENT)
    tree.admit(school, joined_on=on + dt.timedelta(days=1))
    stayed = tree.admit(school, joined_on=D(2015, 1, 1), category=Category.PENSIONER)
    end_membership(
        actor=tree.admin,
        membership=stayed,
        on=on + dt.timedelta(days=1),
        reason=LeaveReason.RETIREMENT,
    )
    row = compute_registry_figures(on=on).of(school.pk)
    assert (row["members"], row["working"]) == (2, 0)
    assert (row["students"], row["pensioners"]) == (1, 1)
    assert members(compute_registry_figures(on=on - dt.timedelta(days=1)), school) == 2


def birthday(born: D, years: int) -> D:
    """The day someone born on `born` turns `years` (1 March for 29 February)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return D(born.year + years, 3, 1)


def test_youth_is_counted_by_age_on_the_date(tree: Tree) -> None:
    """Up to 29 is anyone not yet 30: whose 29th birthday is that day counts,
    whose 30th is that day does not; the same for 35 and 36."""
    on = D(2026, 1, 1)
    school = tree.primaries[0]
    ages = {
        "turns_29": D(1997, 1, 1),
        "turns_30": D(1996, 1, 1),
        "turns_30_tomorrow": D(1996, 1, 2),
        "turns_35": D(1991, 1, 1),
        "turns_36": D(1990, 1, 1),
        "turns_36_tomorrow": D(1990, 1, 2),
    }
    for born in ages.values():
        tree.admit(school, birth_date=born, joined_on=D(2020, 1, 1))
    row = compute_registry_figures(on=on).of(school.pk)
    # turns_29 and turns_30_tomorrow are 29: up to 29 and up to 35.
    assert row["youth_29"] == 2
    # Those two, turns_30, turns_35 and turns_36_tomorrow.
    assert row["youth_35"] == 5
    for born in ages.values():
        person = Person.objects.get(birth_date=born)
        assert (person.age_on(on) <= 29) == (born > born_after(on, 29))


def test_someone_born_on_29_february_turns_a_year_older_on_1_march(
    tree: Tree,
) -> None:
    school = tree.primaries[0]
    tree.admit(school, birth_date=D(1996, 2, 29), joined_on=D(2020, 1, 1))
    assert compute_registry_figures(on=D(2026, 2, 28)).of(school.pk)["youth_29"] == 1
    assert compute_registry_figures(on=D(2026, 3, 1)).of(school.pk)["youth_29"] == 0


def test_on_29_february_the_ages_are_those_of_that_day(tree: Tree) -> None:
    """On a leap day, someone born on 28 February 30 years before is 30, someone
    born on 1 March is still 29, someone born on 29 February 36 years before is 36."""
    on = D(2024, 2, 29)
    school = tree.primaries[0]
    for born in (D(1994, 2, 28), D(1994, 3, 1), D(1988, 2, 29), D(1988, 3, 1)):
        tree.admit(school, birth_date=born, joined_on=D(2020, 1, 1))
    row = compute_registry_figures(on=on).of(school.pk)
    assert (row["youth_29"], row["youth_35"]) == (1, 3)


@given(
    born=st.dates(min_value=D(1900, 1, 1), max_value=D(2090, 12, 31)),
    on=st.dates(min_value=D(1930, 1, 1), max_value=D(2100, 12, 31)),
    years=st.integers(min_value=1, max_value=80),
)
def test_born_after_agrees_with_the_persons_age(born: D, on: D, years: int) -> None:
    """Born after `born_after(on, n)` exactly when at most n years old on `on`."""
    age = Person(birth_date=born).age_on(on)
    assert (born > born_after(on, years)) == (age <= years)


def test_employees_are_the_latest_count_on_or_before_the_date(tree: Tree) -> None:
    school = tree.primaries[0]  # 50 counted when it opened in 2000
    record_employees(unit=school, counted_on=D(2019, 1, 1), employees=40)
    record_employees(unit=school, counted_on=D(2025, 1, 1), employees=61)

    def employees(on: D) -> int:
        return compute_registry_figures(on=on).of(school.pk)["employees"]

    assert employees(D(2018, 12, 31)) == 50
    assert employees(D(2019, 1, 1)) == 40
    assert employees(D(2024, 12, 31)) == 40
    assert employees(D(2026, 1, 1)) == 61
    district = compute_registry_figures(on=D(2020, 1, 1)).of(tree.districts[0].pk)
    assert district["employees"] == 90


def test_a_workplace_never_counted_has_no_employees(tree: Tree) -> None:
    school = make_unit(tree.districts[0], Level.PRIMARY, opened_on=D(2020, 1, 1))
    figures = compute_registry_figures(on=D(2021, 1, 1))
    assert figures.of(school.pk)["employees"] == 0
    assert figures.of(tree.districts[0].pk)["employees"] == 100
    assert figures.of(tree.districts[0].pk)["primary_orgs"] == 3


def test_a_group_counts_in_its_primary_but_is_no_primary(tree: Tree) -> None:
    group = make_unit(tree.primaries[0], Level.GROUP, opened_on=D(2020, 1, 1))
    figures = compute_registry_figures(on=D(2021, 1, 1))
    assert figures.parents[group.pk] == tree.primaries[0].pk
    assert figures.of(tree.primaries[0].pk)["primary_orgs"] == 1
    assert figures.of(tree.central.pk)["primary_orgs"] == 8


# Subtrees asked for against the whole tree, over a registry with a past

DATES = sorted(
    {D(year, 1, 1) for year in range(2019, 2027)}
    | {MOVED_ON, NEW_REGION_ON, MERGED_ON, TAKEN_OVER_ON, CLOSED_ON}
    | {day - dt.timedelta(days=1) for day in (MERGED_ON, TAKEN_OVER_ON, CLOSED_ON)}
)


def subtree_of(figures: TreeFigures, root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        below = [u for u, p in figures.parents.items() if p in frontier]
        found.update(below)
        frontier = below
    return found


@pytest.mark.parametrize("named_max", [registry_figures.NAMED_UNITS_MAX, 0])
def test_subtrees_asked_for_have_the_figures_of_the_whole_tree(
    history: History, monkeypatch: pytest.MonkeyPatch, named_max: int
) -> None:
    """On every date around the registry's changes, the figures of the subtrees of
    any roots (several at once, one inside another) are those the whole tree
    gives the same units; whether the queries name the units or not."""
    monkeypatch.setattr(registry_figures, "NAMED_UNITS_MAX", named_max)
    tree = history.tree
    assert history.new_region is not None
    candidates = [tree.central, *tree.regions, history.new_region, *tree.districts]
    for on in DATES:
        whole = compute_registry_figures(on=on)
        roots_then = [unit for unit in candidates if unit.pk in whole.rows]
        for roots in (
            *([unit] for unit in roots_then),
            [tree.regions[0], tree.districts[0], tree.districts[3]],
        ):
            ids = [unit.pk for unit in roots if unit.pk in whole.rows]
            part = compute_registry_figures(on=on, roots=ids)
            expected = set().union(*(subtree_of(whole, root) for root in ids))
            assert set(part.rows) == expected, (on, roots)
            for unit in expected:
                assert part.rows[unit] == whole.rows[unit], (on, unit)


def test_the_history_counts_as_it_stood(history: History) -> None:
    """The merged school's member counts in its own school before the merger and
    in the school it merged into after; the district taken over by the new region
    counts in its old region before."""
    tree = history.tree
    p = tree.primaries
    assert history.new_region is not None
    before = compute_registry_figures(on=MERGED_ON - dt.timedelta(days=1))
    after = compute_registry_figures(on=MERGED_ON)
    assert members(before, p[1]) == 1
    assert p[1].pk not in after.rows
    assert members(after, p[0]) == members(before, p[0]) + 1
    assert members(after, tree.districts[0]) == members(before, tree.districts[0])

    old = compute_registry_figures(on=TAKEN_OVER_ON - dt.timedelta(days=1))
    new = compute_registry_figures(on=TAKEN_OVER_ON)
    assert old.parents[tree.districts[3].pk] == tree.regions[1].pk
    assert new.parents[tree.districts[3].pk] == history.new_region.pk
    assert old.of(history.new_region.pk)["primary_orgs"] == 0
    assert new.of(history.new_region.pk)["primary_orgs"] == 2
    assert (
        old.of(tree.regions[1].pk)["primary_orgs"]
        == new.of(tree.regions[1].pk)["primary_orgs"] + 2
    )
    assert (
        history.new_region.pk
        not in compute_registry_figures(on=NEW_REGION_ON - dt.timedelta(days=1)).rows
    )


def test_every_measure_has_its_column() -> None:
    assert sorted(MEASURES) == sorted(Measure.values)
