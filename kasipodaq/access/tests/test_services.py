"""Granting roles, and creating staff accounts that hold them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation

from kasipodaq.access.models import RoleGrant
from kasipodaq.access.perms import ROLE_LEVELS, Role
from kasipodaq.access.policy import requires_second_factor
from kasipodaq.access.services import create_staff_user, grant_role
from kasipodaq.accounts.models import User
from kasipodaq.core.errors import DomainError
from kasipodaq.orgtree.models import Level, OrgUnit, UnitStatus
from kasipodaq.registry.tests.factories import Tree, UserFactory

GOOD_PASSWORD = "plum-orchard-river-42"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _user() -> User:
    user = UserFactory()
    assert isinstance(user, User)
    return user


def _unit_at(tree: Tree, level: str) -> OrgUnit:
    units: dict[str, OrgUnit] = {
        Level.CENTRAL: tree.central,
        Level.REGION: tree.regions[0],
        Level.DISTRICT: tree.districts[0],
        Level.PRIMARY: tree.primaries[0],
    }
    return units[level]


@pytest.mark.parametrize(
    ("role", "level"),
    [(role, level) for role, levels in ROLE_LEVELS.items() for level in levels],
)
def test_every_role_can_be_granted_at_its_levels(
    tree: Tree, role: str, level: str
) -> None:
    user = _user()
    grant = grant_role(user=user, role=role, unit=_unit_at(tree, level))
    assert RoleGrant.objects.get(pk=grant.pk).role == role


@pytest.mark.parametrize(
    ("role", "level"),
    [
        (role, level)
        for role, levels in ROLE_LEVELS.items()
        for level in (Level.CENTRAL, Level.REGION, Level.DISTRICT, Level.PRIMARY)
        if level not in levels
    ],
)
def test_a_role_is_refused_at_other_levels(tree: Tree, role: str, level: str) -> None:
    """The refusal names the levels where the role belongs; nothing is granted."""
    user = _user()
    with pytest.raises(DomainError) as refusal:
        grant_role(user=user, role=role, unit=_unit_at(tree, level))
    assert refusal.value.field == "unit"
    for allowed in ROLE_LEVELS[role]:
        assert str(Level(allowed).label) in str(refusal.value)
    assert not RoleGrant.objects.filter(user=user).exists()


def test_an_unknown_role_is_refused(tree: Tree) -> None:
    with pytest.raises(DomainError) as refusal:
        grant_role(user=_user(), role="king", unit=tree.central)
    assert refusal.value.field == "role"


def test_a_closed_organization_gets_no_roles(tree: Tree) -> None:
    district = tree.districts[0]
    OrgUnit.objects.filter(pk=district.pk).update(
        status=UnitStatus.LIQUIDATED, closed_on=dt.date(2020, 1, 1)
    )
    district.refresh_from_db()
    with pytest.raises(DomainError):
        grant_role(user=_user(), role=Role.CHAIR, unit=district)


def test_the_same_role_twice_on_the_same_unit_is_refused(tree: Tree) -> None:
    user = _user()
    grant_role(user=user, role=Role.CHAIR, unit=tree.districts[0])
    with pytest.raises(DomainError, match="already holds"):
        grant_role(user=user, role=Role.CHAIR, unit=tree.districts[0])
    assert RoleGrant.objects.filter(user=user).count() == 1


def test_a_new_grant_is_seen_at_once(tree: Tree) -> None:
    """Grants cached on the user object are forgotten when one is added."""
    user = _user()
    assert not requires_second_factor(user)
    grant_role(user=user, role=Role.ACCOUNTANT, unit=tree.regions[0])
    assert requires_second_factor(user)


def test_a_staff_user_is_created_with_the_role(tree: Tree) -> None:
    grant = create_staff_user(
        username="aigerim",
        password=GOOD_PASSWORD,
        role=Role.ORG_SPECIALIST,
        org_code=tree.regions[1].code,
    )
    user = User.objects.get(username="aigerim")
    assert grant.user == user
    assert grant.unit == tree.regions[1]
    assert user.check_password(GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"org_code": "NOPE"}, "org"),
        ({"role": Role.PRIMARY_CHAIR}, "unit"),
        ({"role": "king"}, "role"),
        ({"password": "short"}, "password"),
        ({"username": "bad name"}, "username"),
    ],
)
def test_a_refused_staff_user_leaves_nothing_behind(
    tree: Tree, changes: dict[str, str], field: str
) -> None:
    """Whatever is wrong, neither the account nor a grant is created."""
    users, grants = User.objects.count(), RoleGrant.objects.count()
    arguments = {
        "username": "aigerim",
        "password": GOOD_PASSWORD,
        "role": Role.CHAIR,
        "org_code": tree.districts[0].code,
        **changes,
    }
    with pytest.raises(DomainError) as refusal:
        create_staff_user(**arguments)
    assert refusal.value.field == field
    assert (User.objects.count(), RoleGrant.objects.count()) == (users, grants)
