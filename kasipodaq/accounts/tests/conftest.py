"""Fixtures of the sign-in tests: staff at each level of the tree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyotp
import pytest
from django.utils import timezone, translation
from pytest_django.fixtures import Settings

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.registry.tests.factories import Tree, UserFactory, grant

LANDING = "/landing/"


@pytest.fixture(autouse=True)
def landing(settings: Settings) -> Iterator[str]:
    """Where a completed sign-in goes (the real page belongs to another app).

    The tests read messages in English and count to the default lock-out limits.
    """
    settings.LOGIN_REDIRECT_URL = LANDING
    settings.LANGUAGE_CODE = "en"
    settings.KASIPODAQ_LOCKOUT_ATTEMPTS = 5
    settings.KASIPODAQ_LOCKOUT_MINUTES = 15
    with translation.override("en"):
        yield LANDING


def new_user(**fields: object) -> User:
    """A saved account whose password is factories.PASSWORD."""
    user = UserFactory(**fields)
    assert isinstance(user, User)
    return user


@pytest.fixture
def district_chair(tree: Tree) -> User:
    """Bound to a district: no second factor required."""
    return grant(Role.CHAIR, tree.districts[0])


@pytest.fixture
def regional_accountant(tree: Tree) -> User:
    """Bound to a region: a second factor is required."""
    return grant(Role.ACCOUNTANT, tree.regions[0])


def with_second_factor(user: User) -> pyotp.TOTP:
    """Give `user` a confirmed second factor; the TOTP of their app."""
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return pyotp.TOTP(user.totp_secret)


def wrong_code(totp: pyotp.TOTP, now: dt.datetime | None = None) -> str:
    """Six digits that no step around `now` accepts."""
    now = now or timezone.now()
    valid = {totp.at(now + dt.timedelta(seconds=30 * k)) for k in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
