"""`kasipodaq create-user`: a staff account with a role, or a clear refusal."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kasipodaq.access.models import RoleGrant
from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.registry.tests.factories import Tree

GOOD_PASSWORD = "plum-orchard-river-42"


def create_user(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command("create_user", *args, stdout=out, **extra)
    return out.getvalue()


def test_a_generated_password_is_printed_and_works(tree: Tree) -> None:
    """Without --password-stdin a strong password is made up and shown once."""
    district = tree.districts[0]
    out = create_user("aigerim", "--role", Role.CHAIR, "--org", district.code)
    password = re.search(r"Password: (\S+)", out)
    assert password is not None
    user = User.objects.get(username="aigerim")
    assert user.check_password(password.group(1))
    assert len(password.group(1)) >= 16
    grant = RoleGrant.objects.get(user=user)
    assert (grant.role, grant.unit) == (Role.CHAIR, district)
    assert "second factor" not in out


def test_the_password_can_come_from_stdin(tree: Tree) -> None:
    out = create_user(
        "berik",
        "--role",
        Role.ACCOUNTANT,
        "--org",
        tree.regions[0].code,
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )
    user = User.objects.get(username="berik")
    assert user.check_password(GOOD_PASSWORD)
    assert GOOD_PASSWORD not in out
    assert "second factor" in out


def _refused(tree: Tree, *args: str, stdin: str | None = None) -> str:
    before = (User.objects.count(), RoleGrant.objects.count())
    with pytest.raises(CommandError) as refusal:
        create_user(*args, stdin=stdin)
    assert (User.objects.count(), RoleGrant.objects.count()) == before
    return str(refusal.value)


def test_a_role_at_the_wrong_level_is_refused(tree: Tree) -> None:
    """A primary-organization chair cannot be bound to a district; nothing is made."""
    message = _refused(
        tree, "dana", "--role", Role.PRIMARY_CHAIR, "--org", tree.districts[0].code
    )
    assert "Primary organization" in message
    assert not User.objects.filter(username="dana").exists()


def test_an_unknown_role_is_refused(tree: Tree) -> None:
    message = _refused(tree, "dana", "--role", "king", "--org", tree.central.code)
    assert "king" in message


def test_an_unknown_organization_is_refused(tree: Tree) -> None:
    message = _refused(tree, "dana", "--role", Role.CHAIR, "--org", "NOPE")
    assert "NOPE" in message


def test_a_taken_username_is_refused(tree: Tree) -> None:
    assert tree.admin is not None
    _refused(
        tree, tree.admin.username, "--role", Role.CHAIR, "--org", tree.districts[0].code
    )


def test_a_weak_password_is_refused(tree: Tree) -> None:
    message = _refused(
        tree,
        "dana",
        "--role",
        Role.CHAIR,
        "--org",
        tree.districts[0].code,
        "--password-stdin",
        stdin="123\n",
    )
    assert "too short" in message


def test_an_empty_password_from_stdin_is_refused(tree: Tree) -> None:
    _refused(
        tree,
        "dana",
        "--role",
        Role.CHAIR,
        "--org",
        tree.districts[0].code,
        "--password-stdin",
        stdin="",
    )
