"""Locking accounts after repeated failures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings

from kasipodaq.accounts import lockout
from kasipodaq.accounts.models import User

from .conftest import new_user

pytestmark = pytest.mark.django_db


def test_a_failure_is_counted_in_one_update() -> None:
    """The counter grows by one in a single UPDATE, not by reading then writing."""
    user = new_user()
    with CaptureQueriesContext(connection) as queries:
        lockout.record_failure(user)
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert queries[0]["sql"].startswith("UPDATE")
    assert user.failed_sign_ins == 1


def test_failures_through_stale_copies_are_all_counted() -> None:
    """Two attempts holding the same old copy of the row both count."""
    user = new_user()
    first, second = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)
    lockout.record_failure(first)
    lockout.record_failure(second)
    user.refresh_from_db()
    assert user.failed_sign_ins == 2


def test_the_last_allowed_failure_locks_the_account() -> None:
    """Failure number KASIPODAQ_LOCKOUT_ATTEMPTS locks it for the set minutes."""
    user = new_user()
    for _ in range(4):
        assert lockout.record_failure(user) is False
    assert not lockout.is_locked(user)
    before = timezone.now()
    assert lockout.record_failure(user) is True
    assert lockout.is_locked(user)
    assert user.locked_until is not None
    assert (
        before + dt.timedelta(minutes=15)
        <= user.locked_until
        <= timezone.now() + dt.timedelta(minutes=15)
    )
    assert user.failed_sign_ins == 0


def test_the_limits_come_from_the_settings(settings: Settings) -> None:
    """KASIPODAQ_LOCKOUT_ATTEMPTS and _MINUTES are read at each failure."""
    settings.KASIPODAQ_LOCKOUT_ATTEMPTS = 2
    settings.KASIPODAQ_LOCKOUT_MINUTES = 1
    user = new_user()
    lockout.record_failure(user)
    assert lockout.record_failure(user) is True
    assert user.locked_until is not None
    assert user.locked_until <= timezone.now() + dt.timedelta(minutes=1)


def test_a_lock_ends_when_its_time_has_passed() -> None:
    """An account locked until a past moment is no longer locked."""
    user = new_user()
    now = timezone.now()
    user.locked_until = now + dt.timedelta(minutes=1)
    assert lockout.is_locked(user, now=now)
    assert not lockout.is_locked(user, now=now + dt.timedelta(minutes=2))


def test_success_forgets_the_failures() -> None:
    """A completed sign-in resets the counter and any lock."""
    user = new_user()
    for _ in range(3):
        lockout.record_failure(user)
    lockout.record_success(user)
    user.refresh_from_db()
    assert user.failed_sign_ins == 0
    assert user.locked_until is None
