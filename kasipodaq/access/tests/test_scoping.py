import datetime as dt

import pytest

from kasipodaq.access.perms import Perm, Role
from kasipodaq.access.policy import has_perm, requires_second_factor
from kasipodaq.access.scoping import scope
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Membership, Person
from kasipodaq.registry.services.organizations import liquidate_organization
from kasipodaq.registry.tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def test_a_grant_holds_for_the_subtree_only(tree):
    """A district chair sees their district and below, never a neighbour."""
    chair = grant(Role.CHAIR, tree.districts[0])
    units = set(scope(OrgUnit.objects.all(), chair, Perm.ORG_VIEW))
    assert units == {tree.districts[0], *tree.primaries[:2]}
    assert has_perm(chair, Perm.MEMBER_MANAGE, unit=tree.primaries[1])
    assert not has_perm(chair, Perm.MEMBER_MANAGE, unit=tree.primaries[2])
    assert not has_perm(chair, Perm.ORG_VIEW, unit=tree.regions[0])


def test_people_and_memberships_follow_the_same_scope(tree):
    mine = tree.admit(tree.primaries[0])
    tree.admit(tree.primaries[2])
    chair = grant(Role.CHAIR, tree.districts[0])
    assert list(scope(Person.objects.all(), chair, Perm.MEMBER_VIEW)) == [mine.person]
    assert list(scope(Membership.objects.all(), chair, Perm.MEMBER_VIEW)) == [mine]


def test_read_only_roles_hold_no_write_permission(tree):
    for role in (Role.AUDITOR, Role.ACCOUNTANT, Role.LEGAL_INSPECTOR):
        user = grant(role, tree.regions[0])
        assert has_perm(user, Perm.MEMBER_VIEW, unit=tree.primaries[0])
        assert not has_perm(user, Perm.MEMBER_MANAGE, unit=tree.primaries[0])
        assert not has_perm(user, Perm.ORG_MANAGE, unit=tree.primaries[0])


def test_a_user_without_grants_sees_nothing(tree):
    tree.admit(tree.primaries[0])
    nobody = UserFactory()
    assert not scope(Person.objects.all(), nobody, Perm.MEMBER_VIEW).exists()
    assert not scope(OrgUnit.objects.all(), nobody, Perm.ORG_VIEW).exists()


def test_grants_on_nested_units_do_not_duplicate_rows(tree):
    user = grant(Role.CHAIR, tree.regions[0])
    grant(Role.CHAIR, tree.districts[0], user=user)
    tree.admit(tree.primaries[0])
    assert scope(Person.objects.all(), user, Perm.MEMBER_VIEW).count() == 1


def test_a_grant_on_a_closed_unit_gives_nothing(tree):
    chair = grant(Role.PRIMARY_CHAIR, tree.primaries[0])
    liquidate_organization(
        actor=tree.admin, unit=tree.primaries[0], on=dt.date(2021, 1, 1)
    )
    assert not scope(OrgUnit.objects.all(), chair, Perm.ORG_VIEW).exists()


def test_second_factor_is_required_for_central_and_regional_grants(tree):
    assert requires_second_factor(tree.admin)
    assert requires_second_factor(grant(Role.ACCOUNTANT, tree.regions[0]))
    assert not requires_second_factor(grant(Role.CHAIR, tree.districts[0]))
    assert not requires_second_factor(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
