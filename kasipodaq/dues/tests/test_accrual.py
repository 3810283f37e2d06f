"""The monthly accrual: who is charged what, and running it again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasipodaq.access.perms import Role
from kasipodaq.core.errors import DomainError
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import (
    ROUNDING_STEP,
    Charge,
    DuesRule,
    Exemption,
    ExemptionReason,
    Rounding,
    SalaryBase,
)
from kasipodaq.dues.money import percent_of, round_to
from kasipodaq.dues.months import month_of, next_month
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.registry.models import Category, LeaveReason, Person
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.tests.factories import Tree, grant

MARCH = dt.date(2026, 3, 1)


def _salary(person: Person, tiyn: int, month: dt.date = dt.date(2025, 1, 1)) -> None:
    SalaryBase.objects.create(person=person, valid_from=month, amount_tiyn=tiyn)


def _charges(month: dt.date = MARCH) -> dict[int, int]:
    return dict(
        Charge.objects.filter(month=month).values_list("person_id", "amount_tiyn")
    )


def test_one_percent_of_the_salary_by_default(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    _salary(person, 350_000_00)
    accrued = accrue_month(actor=tree.admin, month=MARCH, unit=tree.central)
    assert _charges() == {person.pk: 3_500_00}
    assert (accrued.charges, accrued.total_tiyn, accrued.created) == (1, 3_500_00, 1)


def test_the_nearest_rule_in_force_applies(tree: Tree) -> None:
    workers = [tree.admit(tree.primaries[i]).person for i in (0, 4)]
    student = tree.admit(tree.primaries[0], category=Category.STUDENT).person
    pensioner = tree.admit(tree.primaries[4], category=Category.PENSIONER).person
    for person in workers:
        _salary(person, 200_000_00)
    DuesRule.objects.create(
        unit=tree.central,
        valid_from=dt.date(2025, 1, 1),
        percent_bp=100,
        student_tiyn=200_00,
        pensioner_tiyn=300_00,
    )
    # The first region raised its rate from March, rounded to the tenge.
    DuesRule.objects.create(
        unit=tree.regions[0],
        valid_from=MARCH,
        percent_bp=125,
        student_tiyn=100_00,
        rounding="tenge",
    )
    DuesRule.objects.create(
        unit=tree.regions[1], valid_from=dt.date(2026, 4, 1), percent_bp=200
    )
    accrue_month(actor=tree.admin, month=MARCH, unit=tree.central)
    assert _charges() == {
        workers[0].pk: 2_500_00,  # 1.25 % of 200,000
        workers[1].pk: 2_000_00,  # April's rule is not yet in force
        student.pk: 100_00,
        pensioner.pk: 300_00,
    }
    charge = Charge.objects.get(person=workers[0], month=MARCH)
    assert charge.rule is not None
    assert (charge.base_tiyn, charge.rule.unit_id) == (200_000_00, tree.regions[0].pk)


def test_rounding_to_the_tenge_is_half_up(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    _salary(person, 123_450_00)  # 1 % is 1,234.50
    DuesRule.objects.create(unit=tree.central, valid_from=MARCH, rounding="tenge")
    accrue_month(actor=None, month=MARCH, unit=tree.central)
    assert _charges() == {person.pk: 1_235_00}


def test_an_exemption_makes_the_month_free(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    _salary(person, 100_000_00)
    Exemption.objects.create(
        person=person,
        reason=ExemptionReason.PARENTAL_LEAVE,
        valid_from=dt.date(2026, 2, 1),
        valid_to=dt.date(2026, 4, 1),
    )
    accrue_month(actor=None, month=MARCH, unit=tree.central)
    accrue_month(actor=None, month=dt.date(2026, 4, 1), unit=tree.central)
    assert Charge.objects.get(month=MARCH).exempt
    assert _charges() == {person.pk: 0}
    assert _charges(dt.date(2026, 4, 1)) == {person.pk: 1_000_00}


def test_the_latest_salary_before_the_months_end_is_the_base(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    _salary(person, 100_000_00, dt.date(2025, 1, 1))
    _salary(person, 150_000_00, MARCH)
    _salary(person, 900_000_00, dt.date(2026, 4, 1))
    accrue_month(actor=None, month=MARCH, unit=tree.central)
    assert _charges() == {person.pk: 1_500_00}


def test_a_worker_without_a_salary_is_charged_nothing_and_counted(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    accrued = accrue_month(actor=None, month=MARCH, unit=tree.central)
    assert _charges() == {person.pk: 0}
    assert accrued.without_salary == 1


def test_only_members_of_the_month_are_charged(tree: Tree) -> None:
    gone = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    end_membership(
        actor=tree.admin,
        membership=gone,
        on=dt.date(2026, 3, 1),
        reason=LeaveReason.OWN_WISH,
    )
    late = tree.admit(tree.primaries[0], joined_on=dt.date(2026, 3, 31))
    after = tree.admit(tree.primaries[0], joined_on=dt.date(2026, 4, 1))
    for m in (gone, late, after):
        _salary(m.person, 100_000_00)
    accrue_month(actor=None, month=MARCH, unit=tree.central)
    assert set(_charges()) == {late.person_id}


def test_a_member_transferred_mid_month_pays_once_where_they_ended_it(
    tree: Tree,
) -> None:
    membership = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    _salary(membership.person, 100_000_00)
    transfer_membership(
        actor=tree.admin,
        membership=membership,
        to_unit=tree.primaries[4],
        on=dt.date(2026, 3, 15),
    )
    accrue_month(actor=None, month=MARCH, unit=tree.regions[0])
    assert _charges() == {}  # they ended March in the other region
    accrue_month(actor=None, month=MARCH, unit=tree.regions[1])
    assert Charge.objects.get(month=MARCH).org_unit == tree.primaries[4]


def test_running_again_changes_only_what_changed_and_never_duplicates(
    tree: Tree,
) -> None:
    people = [tree.admit(tree.primaries[0]).person for _ in range(3)]
    for person in people:
        _salary(person, 100_000_00)
    first = accrue_month(actor=None, month=MARCH, unit=tree.central)
    again = accrue_month(actor=None, month=MARCH, unit=tree.central)
    assert (first.created, again.created, again.updated, again.removed) == (3, 0, 0, 0)
    assert Charge.objects.count() == 3
    # A correction: a salary fixed, a membership erased as entered in error.
    SalaryBase.objects.filter(person=people[0]).update(amount_tiyn=120_000_00)
    from kasipodaq.registry.services.people import delete_person

    delete_person(actor=tree.admin, person=people[2])
    corrected = accrue_month(actor=None, month=MARCH, unit=tree.central)
    assert (corrected.updated, corrected.created, corrected.removed) == (1, 0, 0)
    assert _charges() == {people[0].pk: 1_200_00, people[1].pk: 1_000_00}


def test_a_member_who_moved_away_is_removed_from_the_old_subtrees_month(
    tree: Tree,
) -> None:
    membership = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    _salary(membership.person, 100_000_00)
    accrue_month(actor=None, month=MARCH, unit=tree.regions[0])
    # Recorded late: the member had moved to the other region on 10 March.
    Charge.objects.all().delete()
    accrue_month(actor=None, month=MARCH, unit=tree.regions[0])
    transfer_membership(
        actor=tree.admin,
        membership=membership,
        to_unit=tree.primaries[4],
        on=dt.date(2026, 3, 10),
    )
    corrected = accrue_month(actor=None, month=MARCH, unit=tree.regions[0])
    assert corrected.removed == 1
    assert not Charge.objects.exists()


def test_a_month_to_come_is_refused(tree: Tree) -> None:
    coming = next_month(month_of(timezone.localdate()))
    with pytest.raises(DuesRefusal):
        accrue_month(actor=None, month=coming, unit=tree.central)
    assert not Charge.objects.exists()


def test_only_those_who_keep_dues_accrue_and_only_their_subtree(tree: Tree) -> None:
    tree.admit(tree.primaries[0])
    other = grant(Role.CHAIR, tree.districts[1])
    with pytest.raises(DomainError):
        accrue_month(actor=other, month=MARCH, unit=tree.districts[0])
    with pytest.raises(DomainError):
        accrue_month(
            actor=grant(Role.AUDITOR, tree.central), month=MARCH, unit=tree.central
        )
    assert not Charge.objects.exists()
    accountant = grant(Role.ACCOUNTANT, tree.districts[0])
    assert (
        accrue_month(actor=accountant, month=MARCH, unit=tree.districts[0]).charges == 1
    )


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    salaries=st.lists(
        st.integers(min_value=0, max_value=5_000_000_00), min_size=1, max_size=5
    ),
    percent_bp=st.integers(min_value=1, max_value=500),
    rounding=st.sampled_from(["tiyn", "tenge"]),
)
def test_the_sql_charges_what_money_py_computes(
    tree: Tree, salaries: list[int], percent_bp: int, rounding: str
) -> None:
    """The accrual's integer SQL and `money.percent_of`/`round_to` agree to the tiyn,
    on both databases, half up."""
    Charge.objects.all().delete()
    SalaryBase.objects.all().delete()
    DuesRule.objects.all().delete()
    people = list(Person.objects.order_by("pk")[: len(salaries)])
    while len(people) < len(salaries):
        people.append(tree.admit(tree.primaries[len(people) % 8]).person)
    for person, salary in zip(people, salaries, strict=False):
        _salary(person, salary)
    DuesRule.objects.create(
        unit=tree.central, valid_from=MARCH, percent_bp=percent_bp, rounding=rounding
    )
    accrue_month(actor=None, month=MARCH, unit=tree.central)
    step = ROUNDING_STEP[Rounding(rounding)]
    charged = _charges()
    for person, salary in zip(people, salaries, strict=False):
        assert charged[person.pk] == round_to(percent_of(salary, percent_bp), step)
