import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasipodaq.access.perms import Role
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Category, LeaveReason, Membership, Person
from kasipodaq.registry.selectors import (
    AgeBand,
    MemberFilter,
    born_after,
    compute_unit_figures,
    count_members,
    list_members,
)
from kasipodaq.registry.services.organizations import move_organization
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.tests.conftest import (
    CLOSED_ON,
    MERGED_ON,
    MOVED_ON,
    TAKEN_OVER_ON,
    History,
)
from kasipodaq.registry.tests.factories import MALE, Tree, grant
from kasipodaq.reporting.registry_figures import compute_registry_figures

pytestmark = pytest.mark.django_db
D = dt.date


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
    MemberFilter(on=D(2019, 6, 1)),
    MemberFilter(on=D(2020, 1, 1), category="student", age_band="29"),
    MemberFilter(on=D(2021, 1, 1), status="former", sex="F", age_band="36+"),
    MemberFilter(on=D(2021, 6, 1), text="Фамилия1"),
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


# The members on a date


@given(
    born=st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
    on=st.dates(min_value=D(1990, 1, 1), max_value=D(2040, 12, 31)),
    years=st.sampled_from([29, 35]),
)
def test_born_after_agrees_with_the_persons_age(born: D, on: D, years: int) -> None:
    """Born after `born_after(on, n)` exactly when at most n years old on `on`,
    29 February included."""
    assert (born > born_after(on, years)) == (
        Person(birth_date=born).age_on(on) <= years
    )


def test_born_after_a_date_too_early_for_the_calendar_is_the_first_day() -> None:
    """Thirty years after the year 1 everyone born is young enough: no error."""
    assert born_after(D(31, 6, 1), 29) == D(1, 6, 1)
    assert born_after(D(30, 6, 1), 29) == dt.date.min


ON = D(2022, 1, 1)
# The member list's filters that pick the people each registry figure counts.
FIGURE_FILTERS: dict[str, dict[str, str]] = {
    "members": {},
    "working": {"category": Category.WORKING},
    "students": {"category": Category.STUDENT},
    "pensioners": {"category": Category.PENSIONER},
    "women": {"sex": "F"},
    "youth_29": {"age_band": AgeBand.UP_TO_29},
    "youth_35": {"age_band": AgeBand.UP_TO_35},
}


@pytest.fixture
def changing(tree: Tree) -> dict[str, Person]:
    """People of the first district (primaries 0 and 1) whose memberships changed
    around 1 January 2022, and a school that moved in and one that moved out after.
    """
    p, admin = tree.primaries, tree.admin
    people: dict[str, Person] = {}

    def admit(name: str, unit: OrgUnit, **details) -> Membership:
        details.setdefault("joined_on", D(2015, 1, 1))
        membership = tree.admit(unit, last_name=name, **details)
        people[name] = membership.person
        return membership

    def end(membership: Membership, on: D, reason: str = LeaveReason.OWN_WISH) -> None:
        end_membership(actor=admin, membership=membership, on=on, reason=reason)

    admit("Стабильная", p[0], birth_date=D(1992, 6, 1))  # 29 that day, not today
    admit("Вступивший", p[1], joined_on=ON, sex=MALE, birth_date=D(1992, 1, 1))
    admit("Поздняя", p[0], joined_on=D(2022, 3, 1), birth_date=D(2000, 1, 1))
    end(admit("Ушедшая", p[1]), D(2021, 6, 1))
    end(admit("Ушедшая в тот день", p[0]), ON)
    transfer_membership(
        actor=admin,
        membership=admit("Пришедшая", p[2]),
        to_unit=p[0],
        on=D(2022, 6, 1),
    )
    transfer_membership(
        actor=admin,
        membership=admit("Перешедшая", p[1], birth_date=D(1986, 6, 1)),
        to_unit=p[4],
        on=D(2022, 6, 1),
    )
    # A new period with another category: before the date, and after it.
    retired = admit("Пенсионерка", p[0])
    end(retired, D(2021, 9, 1), LeaveReason.RETIREMENT)
    tree.admit(
        p[0],
        iin=retired.person.iin,
        last_name="Пенсионерка",
        joined_on=D(2021, 9, 1),
        category=Category.PENSIONER,
    )
    student = admit(
        "Студентка", p[1], category=Category.STUDENT, birth_date=D(2001, 1, 20)
    )
    end(student, D(2022, 9, 1))
    tree.admit(
        p[1],
        iin=student.person.iin,
        last_name="Студентка",
        joined_on=D(2022, 9, 1),
        category=Category.WORKING,
        birth_date=D(2001, 1, 20),
    )
    # The second school left the district after the date; a neighbour's came in.
    admit("Соседка", p[3])
    move_organization(
        actor=admin, unit=p[1], new_parent=tree.districts[2], on=D(2023, 1, 1)
    )
    move_organization(
        actor=admin, unit=p[3], new_parent=tree.districts[0], on=D(2023, 1, 1)
    )
    return people


def names(people) -> set[str]:
    return {person.last_name for person in people}


def test_the_list_on_a_date_holds_the_members_of_that_day(tree, changing):
    """Those whose membership was active that day in the district as it then stood:
    not who joined later or left before (or that very day), not who was elsewhere,
    but who has moved away since, or whose school has."""
    district = MemberFilter(unit=tree.districts[0], on=ON)
    assert names(list_members(tree.admin, district)) == {
        "Стабильная",
        "Вступивший",
        "Перешедшая",
        "Пенсионерка",
        "Студентка",
    }
    today_names = names(list_members(tree.admin, MemberFilter(unit=tree.districts[0])))
    assert today_names == {
        "Стабильная",
        "Поздняя",
        "Пришедшая",
        "Пенсионерка",
        "Соседка",
    }


def test_the_category_and_age_of_that_day_count(tree, changing):
    """The category is the one of the period active that day; ages are those of
    that day (29 on the date, older today)."""

    def on_date(**filters) -> set[str]:
        return names(
            list_members(
                tree.admin, MemberFilter(unit=tree.districts[0], on=ON, **filters)
            )
        )

    assert on_date(category=Category.PENSIONER) == {"Пенсионерка"}
    assert on_date(category=Category.STUDENT) == {"Студентка"}
    assert on_date(age_band=AgeBand.UP_TO_29) == {"Стабильная", "Студентка"}
    assert on_date(age_band=AgeBand.UP_TO_35) == {
        "Стабильная",
        "Студентка",
        "Вступивший",
        "Перешедшая",
    }
    assert on_date(age_band=AgeBand.OVER_35) == {"Пенсионерка"}
    assert on_date(sex=MALE) == {"Вступивший"}
    assert on_date(text="Студ") == {"Студентка"}


def test_the_status_filter_does_not_apply_to_a_date(tree, changing):
    """A date lists the members of that day, whichever status is asked."""
    base = MemberFilter(unit=tree.districts[0], on=ON)
    expected = names(list_members(tree.admin, base))
    for status in ("active", "former", "all"):
        flt = MemberFilter(unit=tree.districts[0], on=ON, status=status)
        assert names(list_members(tree.admin, flt)) == expected
        assert count_members(tree.admin, flt) == len(expected)


def test_the_list_on_a_date_shows_only_whom_the_user_sees_today(tree, changing):
    """The district's chair does not see who was in the district then but has gone
    since, with their school or alone: a person out of scope today is not listed."""
    chair = grant(Role.CHAIR, tree.districts[0])
    flt = MemberFilter(unit=tree.districts[0], on=ON)
    assert names(list_members(chair, flt)) == {"Стабильная", "Пенсионерка"}
    assert count_members(chair, flt) == 2
    # Without an organization: the user's own subtree as it then stood, so not
    # who was then in a neighbour district and is in this one today.
    everywhere = MemberFilter(on=ON)
    assert names(list_members(chair, everywhere)) == {"Стабильная", "Пенсионерка"}
    assert count_members(chair, everywhere) == 2


def assert_list_matches_figures(user, units: list[OrgUnit], on: D) -> int:
    """For each unit and registry figure, the list on `on` has as many people as
    the figure counts; the total of the members figures is returned."""
    figures = compute_registry_figures(on=on)
    total = 0
    for unit in units:
        counted = figures.of(unit.pk)
        for measure, filters in FIGURE_FILTERS.items():
            flt = MemberFilter(unit=unit, on=on, **filters)
            listed = list_members(user, flt).count()
            assert listed == counted[measure], (unit.name, measure)
            assert count_members(user, flt) == listed
        total += counted["members"]
    return total


def test_the_list_on_a_date_is_what_the_reports_count(tree, changing):
    """For whoever sees the whole tree, every registry figure of every unit on the
    date is the number of people the member list on that date shows."""
    units = [tree.central, *tree.regions, *tree.districts, *tree.primaries]
    members = assert_list_matches_figures(tree.admin, units, ON)
    assert members > 0
    # Without an organization: the user's whole subtree, here the union's.
    union = compute_registry_figures(on=ON).of(tree.central.pk)
    assert count_members(tree.admin, MemberFilter(on=ON)) == union["members"]


@pytest.mark.parametrize(
    "on",
    [
        MOVED_ON - dt.timedelta(days=1),
        MOVED_ON,
        D(2021, 3, 3),
        MERGED_ON,
        TAKEN_OVER_ON,
        CLOSED_ON - dt.timedelta(days=1),
        CLOSED_ON,
        D(2024, 1, 1),
    ],
)
def test_the_list_matches_the_figures_through_the_registrys_history(
    history: History, on: D
):
    """Through moves, a merger, closings and a region taking over a district, the
    list on each date counts what the reports count."""
    units = list(OrgUnit.objects.order_by("pk"))
    assert_list_matches_figures(history.tree.admin, units, on)
