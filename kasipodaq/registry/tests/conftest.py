"""Fixtures of the registry's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from kasipodaq.orgtree.changes import record_employees
from kasipodaq.orgtree.models import Employer, Level, OrgUnit, Sector
from kasipodaq.registry.models import Category, LeaveReason, Person
from kasipodaq.registry.services.organizations import (
    leave_union,
    liquidate_organization,
    merge_organization,
    move_organization,
)
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.factories import Tree, make_unit

MERGED_ON = dt.date(2022, 6, 1)
CLOSED_ON = dt.date(2023, 3, 1)
# A region formed in 2022 takes over a district committee opened long before it.
NEW_REGION_ON = dt.date(2022, 1, 1)
TAKEN_OVER_ON = dt.date(2022, 7, 1)
MOVED_ON = dt.date(2021, 1, 1)


@dataclass
class History:
    """A registry with a past: every category, every reason for leaving, a
    returning member, a merged, a liquidated and a departed organization, a
    district taken over by a region opened after it, and a school moved before
    it was liquidated."""

    tree: Tree
    # Who ended a membership for each reason.
    left_for: dict[str, Person] = field(default_factory=dict)
    returning: Person | None = None
    group: OrgUnit | None = None
    new_region: OrgUnit | None = None


@pytest.fixture
def history(tree: Tree) -> History:
    made = History(tree=tree)
    admin = tree.admin
    p = tree.primaries
    working = tree.admit(
        p[0], last_name="Абенова", phone="+7 701 100 00 01", email="a@example.kz"
    )
    assert working.person is not None
    tree.admit(p[0], last_name="Бекова", category=Category.STUDENT)
    tree.admit(p[4], last_name="Ержанов", sex="M", category=Category.NON_WORKING)
    personal = [
        LeaveReason.OWN_WISH,
        LeaveReason.DISMISSAL,
        LeaveReason.RETIREMENT,
        LeaveReason.DEATH,
        LeaveReason.EXPELLED,
    ]
    for i, reason in enumerate(personal):
        membership = tree.admit(
            p[0] if i % 2 else p[4],
            last_name=f"Ушедшая{i}",
            category=Category.PENSIONER if reason == "retirement" else Category.WORKING,
        )
        end_membership(
            actor=admin,
            membership=membership,
            on=dt.date(2021, 3, 1 + i),
            reason=reason,
        )
        made.left_for[reason] = membership.person
    # A member who left of her own wish comes back.
    returning = made.left_for[LeaveReason.OWN_WISH]
    tree.admit(
        p[5],
        iin=returning.iin,
        last_name=returning.last_name,
        joined_on=dt.date(2024, 1, 15),
    )
    made.returning = returning
    # A merger transfers the members of the second primary into the first.
    moved = tree.admit(
        p[1], last_name="Валиев", sex="M", birth_date=dt.date(1960, 3, 4)
    )
    merge_organization(actor=admin, unit=p[1], into=p[0], on=MERGED_ON)
    made.left_for[LeaveReason.TRANSFER] = moved.person
    # The third primary leaves the union; the fourth moves to the first district
    # and is liquidated there.
    gone = tree.admit(p[2], last_name="Галиева")
    leave_union(actor=admin, unit=p[2], on=CLOSED_ON)
    made.left_for[LeaveReason.ORG_LEFT_UNION] = gone.person
    closed = tree.admit(p[3], last_name="Данияров", sex="M")
    move_organization(actor=admin, unit=p[3], new_parent=tree.districts[0], on=MOVED_ON)
    liquidate_organization(actor=admin, unit=p[3], on=CLOSED_ON)
    # A region opened in 2022 takes over the last district, with its schools.
    made.new_region = make_unit(
        tree.central, Level.REGION, name="Новая область", opened_on=NEW_REGION_ON
    )
    move_organization(
        actor=admin,
        unit=tree.districts[3],
        new_parent=made.new_region,
        on=TAKEN_OVER_ON,
    )
    made.left_for[LeaveReason.ORG_LIQUIDATED] = closed.person
    # Every level and sector, and employees counted twice.
    made.group = make_unit(p[0], Level.GROUP, name="Профгруппа 1")
    sectors = (
        Sector.OTHER,
        Sector.PRESCHOOL,
        Sector.COLLEGE,
        Sector.UNIVERSITY,
        Sector.SCIENCE,
    )
    for primary, sector in zip(p[3:], sectors, strict=True):
        Employer.objects.filter(units=primary).update(sector=sector)
    record_employees(unit=p[0], counted_on=dt.date(2019, 1, 1), employees=40)
    record_employees(unit=p[0], counted_on=dt.date(2025, 1, 1), employees=61)
    return made
