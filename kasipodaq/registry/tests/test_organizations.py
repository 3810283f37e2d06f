import datetime as dt

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.orgtree.as_of import parents_as_of, subtree_ids_as_of
from kasipodaq.orgtree.errors import TreeChangeRefused
from kasipodaq.orgtree.models import EventKind, Level, OrgPlacement, OrgUnit, UnitStatus
from kasipodaq.orgtree.paths import child_path
from kasipodaq.registry.models import LeaveReason, Membership
from kasipodaq.registry.services.organizations import (
    UnitDetails,
    create_organization,
    leave_union,
    liquidate_organization,
    merge_organization,
    move_organization,
)
from kasipodaq.registry.tests.factories import grant

pytestmark = pytest.mark.django_db
D = dt.date


def _fresh(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.get(pk=unit.pk)


def test_moving_a_district_rewrites_its_subtree_and_keeps_history(tree):
    """A move re-roots the whole subtree today and leaves the past as it was."""
    district, school = tree.districts[0], tree.primaries[0]
    tree.admit(school, joined_on=D(2015, 1, 1))
    move_organization(
        actor=tree.admin, unit=district, new_parent=tree.regions[1], on=D(2020, 1, 1)
    )

    district, school = _fresh(district), _fresh(school)
    assert district.parent == tree.regions[1]
    assert school.path == child_path(district.path, school.pk)
    assert district.path.startswith(tree.regions[1].path)
    assert school in OrgUnit.objects.in_subtree(tree.regions[1])
    assert school not in OrgUnit.objects.in_subtree(tree.regions[0])

    assert parents_as_of(D(2019, 12, 31))[district.pk] == tree.regions[0].pk
    assert parents_as_of(D(2020, 1, 1))[district.pk] == tree.regions[1].pk
    assert school.pk in subtree_ids_as_of(tree.regions[0], D(2019, 6, 1))
    assert school.pk not in subtree_ids_as_of(tree.regions[0], D(2020, 6, 1))
    assert school.pk in subtree_ids_as_of(tree.regions[1], D(2020, 6, 1))
    assert district.events.filter(kind=EventKind.MOVED).count() == 1


def test_a_move_that_would_make_a_cycle_is_refused(tree):
    region = tree.regions[0]
    with pytest.raises(TreeChangeRefused) as exc:
        move_organization(
            actor=tree.admin,
            unit=region,
            new_parent=tree.districts[0],
            on=D(2020, 1, 1),
        )
    assert exc.value.field == "parent"
    assert _fresh(region).parent == tree.central
    assert OrgPlacement.objects.filter(unit=region).count() == 1


def test_a_move_under_the_wrong_level_is_refused(tree):
    with pytest.raises(TreeChangeRefused):
        move_organization(
            actor=tree.admin,
            unit=tree.primaries[0],
            new_parent=tree.primaries[1],
            on=D(2020, 1, 1),
        )


def test_history_is_added_never_rewritten(tree):
    """A change dated before the unit's last change is refused."""
    move_organization(
        actor=tree.admin,
        unit=tree.districts[0],
        new_parent=tree.regions[1],
        on=D(2020, 1, 1),
    )
    with pytest.raises(TreeChangeRefused) as exc:
        move_organization(
            actor=tree.admin,
            unit=_fresh(tree.districts[0]),
            new_parent=tree.regions[0],
            on=D(2019, 1, 1),
        )
    assert exc.value.field == "on"


def test_future_dates_are_refused(tree):
    with pytest.raises(TreeChangeRefused):
        move_organization(
            actor=tree.admin,
            unit=tree.districts[0],
            new_parent=tree.regions[1],
            on=D(2999, 1, 1),
        )


def test_merging_two_primaries_moves_members_without_a_break(tree):
    a, b = tree.primaries[0], tree.primaries[1]
    m1 = tree.admit(a, joined_on=D(2010, 1, 1))
    m2 = tree.admit(a, joined_on=D(2012, 1, 1))
    tree.admit(b, joined_on=D(2012, 1, 1))
    merge_organization(actor=tree.admin, unit=a, into=b, on=D(2021, 9, 1))

    a = _fresh(a)
    assert (a.status, a.closed_on, a.merged_into_id) == (
        UnitStatus.MERGED,
        D(2021, 9, 1),
        b.pk,
    )
    assert Membership.objects.filter(org_unit=b).current().count() == 3
    for old in (m1, m2):
        new = Membership.objects.get(transferred_from=old)
        assert (
            new.joined_on == D(2021, 9, 1)
            and new.person.current_membership_id == new.pk
        )
    before = Membership.objects.in_subtree(tree.districts[0]).active_on(D(2021, 8, 31))
    assert before.filter(org_unit=a).count() == 2


def test_merging_districts_moves_their_organizations(tree):
    d0, d1 = tree.districts[0], tree.districts[1]
    merge_organization(actor=tree.admin, unit=d0, into=d1, on=D(2021, 1, 1))
    assert set(OrgUnit.objects.filter(parent=d1).active()) == set(tree.primaries[:4])
    assert tree.primaries[0].pk in subtree_ids_as_of(d0, D(2020, 12, 31))
    assert subtree_ids_as_of(d0, D(2021, 1, 1)) == []


def test_merging_into_another_level_is_refused(tree):
    with pytest.raises(TreeChangeRefused):
        merge_organization(
            actor=tree.admin,
            unit=tree.districts[0],
            into=tree.regions[1],
            on=D(2021, 1, 1),
        )
    assert _fresh(tree.districts[0]).is_active


def test_liquidating_a_unit_with_open_sub_units_is_refused(tree):
    with pytest.raises(TreeChangeRefused):
        liquidate_organization(
            actor=tree.admin, unit=tree.districts[0], on=D(2021, 1, 1)
        )


def test_liquidation_ends_the_memberships(tree):
    m = tree.admit(tree.primaries[0], joined_on=D(2010, 1, 1))
    liquidate_organization(actor=tree.admin, unit=tree.primaries[0], on=D(2021, 1, 1))
    m.refresh_from_db()
    assert (m.left_on, m.leave_reason) == (D(2021, 1, 1), LeaveReason.ORG_LIQUIDATED)


def test_a_region_leaving_the_union_closes_its_subtree(tree):
    """A region that leaves takes its organizations and members; the past stays."""
    region = tree.regions[0]
    members = [tree.admit(p, joined_on=D(2015, 1, 1)) for p in tree.primaries[:4]]
    stay = tree.admit(tree.primaries[4], joined_on=D(2015, 1, 1))
    leave_union(actor=tree.admin, unit=region, on=D(2021, 1, 1))

    assert not OrgUnit.objects.in_subtree(_fresh(region)).active().exists()
    for m in members:
        m.refresh_from_db()
        assert m.leave_reason == LeaveReason.ORG_LEFT_UNION
    stay.refresh_from_db()
    assert stay.is_active
    all_members = Membership.objects.in_subtree(tree.central)
    assert all_members.active_on(D(2020, 12, 31)).count() == 5
    assert all_members.active_on(D(2021, 1, 1)).count() == 1
    assert len(subtree_ids_as_of(tree.central, D(2020, 12, 31))) == 15
    assert len(subtree_ids_as_of(tree.central, D(2021, 1, 1))) == 8


def test_a_district_chair_cannot_change_another_district(tree):
    chair = grant(Role.CHAIR, tree.districts[0])
    with pytest.raises(PermissionRefused):
        move_organization(
            actor=chair,
            unit=tree.primaries[2],
            new_parent=tree.districts[0],
            on=D(2020, 1, 1),
        )
    with pytest.raises(PermissionRefused):
        leave_union(actor=chair, unit=tree.districts[0], on=D(2020, 1, 1))


def test_closing_a_unit_needs_the_right_above_it(tree):
    """A district chair cannot liquidate or merge away their own district."""
    chair = grant(Role.CHAIR, tree.districts[0])
    for close in (liquidate_organization, leave_union):
        with pytest.raises(PermissionRefused):
            close(actor=chair, unit=tree.districts[0], on=D(2020, 1, 1))
    with pytest.raises(PermissionRefused):
        merge_organization(
            actor=chair,
            unit=tree.districts[0],
            into=tree.districts[1],
            on=D(2020, 1, 1),
        )
    merge_organization(
        actor=chair, unit=tree.primaries[0], into=tree.primaries[1], on=D(2020, 1, 1)
    )
    assert _fresh(tree.primaries[0]).status == UnitStatus.MERGED


def test_creating_checks_level_and_code(tree):
    details = UnitDetails(code="NEW-1", name_ru="Новая", name_kk="Жаңа")
    unit = create_organization(
        actor=tree.admin,
        parent=tree.districts[0],
        level=Level.PRIMARY,
        details=details,
        opened_on=D(2020, 1, 1),
        employees=40,
    )
    assert unit.path == child_path(tree.districts[0].path, unit.pk)
    assert unit.employee_counts.get().employees == 40
    with pytest.raises(TreeChangeRefused) as exc:
        create_organization(
            actor=tree.admin,
            parent=tree.districts[0],
            level=Level.PRIMARY,
            details=details,
            opened_on=D(2020, 1, 1),
        )
    assert exc.value.field == "code"
    with pytest.raises(TreeChangeRefused):
        create_organization(
            actor=tree.admin,
            parent=tree.districts[0],
            level=Level.REGION,
            details=UnitDetails(code="NEW-2", name_ru="x", name_kk="x"),
            opened_on=D(2020, 1, 1),
        )


def test_membership_as_of_a_date_follows_the_tree_of_that_date(tree):
    """A district that moved counts in its old region for dates before the move."""
    tree.admit(tree.primaries[0], joined_on=D(2015, 1, 1))
    tree.admit(tree.primaries[1], joined_on=D(2015, 1, 1))
    tree.admit(tree.primaries[4], joined_on=D(2015, 1, 1))
    move_organization(
        actor=tree.admin,
        unit=tree.districts[0],
        new_parent=tree.regions[1],
        on=D(2020, 1, 1),
    )
    before, after = D(2019, 12, 31), D(2020, 1, 1)
    r0, r1 = tree.regions
    memberships = Membership.objects.all()
    assert memberships.in_subtree_as_of(r0, before).count() == 2
    assert memberships.in_subtree_as_of(r1, before).count() == 1
    assert memberships.in_subtree_as_of(r0, after).count() == 0
    assert memberships.in_subtree_as_of(r1, after).count() == 3
    assert memberships.in_subtree_as_of(tree.central, D(2014, 12, 31)).count() == 0
    # Today's paths alone would put the old figures in the new region:
    assert memberships.in_subtree(r1).active_on(before).count() == 3
