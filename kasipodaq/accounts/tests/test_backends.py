"""The authentication backend: passwords, with locked accounts refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from kasipodaq.accounts.models import User
from kasipodaq.registry.tests.factories import PASSWORD

from .conftest import new_user

pytestmark = pytest.mark.django_db


def _lock(user: User, *, for_minutes: int = 10) -> None:
    user.locked_until = timezone.now() + dt.timedelta(minutes=for_minutes)
    user.save(update_fields=["locked_until"])


def test_the_right_password_authenticates() -> None:
    """A known username with its password gives the user, through settings."""
    user = new_user()
    found = authenticate(username=user.username, password=PASSWORD)
    assert found == user
    assert getattr(found, "backend", None) == (
        "kasipodaq.accounts.backends.LockoutModelBackend"
    )


def test_a_wrong_password_is_refused_and_counted() -> None:
    user = new_user()
    assert authenticate(username=user.username, password="wrong") is None
    user.refresh_from_db()
    assert user.failed_sign_ins == 1


def test_an_unknown_username_is_refused() -> None:
    assert authenticate(username="nobody", password=PASSWORD) is None


def test_a_locked_account_is_refused_even_with_the_right_password() -> None:
    """While locked, the password is not even looked at, and nothing is counted."""
    user = new_user()
    _lock(user)
    assert authenticate(username=user.username, password=PASSWORD) is None
    assert authenticate(username=user.username, password="wrong") is None
    user.refresh_from_db()
    assert user.failed_sign_ins == 0


def test_an_expired_lock_lets_the_right_password_in() -> None:
    user = new_user()
    _lock(user, for_minutes=-1)
    assert authenticate(username=user.username, password=PASSWORD) == user


def test_an_inactive_account_is_refused() -> None:
    user = new_user(is_active=False)
    assert authenticate(username=user.username, password=PASSWORD) is None


def test_the_right_password_does_not_reset_the_counter() -> None:
    """A second factor may still follow: only a completed sign-in resets it."""
    user = new_user()
    authenticate(username=user.username, password="wrong")
    authenticate(username=user.username, password=PASSWORD)
    user.refresh_from_db()
    assert user.failed_sign_ins == 1
