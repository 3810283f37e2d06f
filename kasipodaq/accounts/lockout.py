"""Locking an account for a while after repeated failed sign-in attempts.

Wrong passwords and wrong second-factor codes count alike. When the count reaches
``settings.KASIPODAQ_LOCKOUT_ATTEMPTS`` the account is locked for
``settings.KASIPODAQ_LOCKOUT_MINUTES`` and the count starts again; a completed
sign-in resets it. Counters change in one UPDATE each, so simultaneous attempts
cannot lose a failure.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .models import User


def is_locked(user: User, *, now: dt.datetime | None = None) -> bool:
    """Whether sign-in to this account is refused for now, whatever the password."""
    return user.locked_until is not None and user.locked_until > (now or timezone.now())


def record_failure(user: User) -> bool:
    """Count a failed attempt; lock the account when it is one too many.

    Returns whether the account is now locked; `user` is refreshed from the row.
    """
    attempts = settings.KASIPODAQ_LOCKOUT_ATTEMPTS
    until = timezone.now() + dt.timedelta(minutes=settings.KASIPODAQ_LOCKOUT_MINUTES)
    # Both right-hand sides read the row as it was before this UPDATE.
    reaches_limit = Q(failed_sign_ins__gte=attempts - 1)
    User.objects.filter(pk=user.pk).update(
        failed_sign_ins=Case(
            When(reaches_limit, then=Value(0)),
            default=F("failed_sign_ins") + 1,
        ),
        locked_until=Case(
            When(reaches_limit, then=Value(until)),
            default=F("locked_until"),
        ),
    )
    user.refresh_from_db(fields=["failed_sign_ins", "locked_until"])
    return is_locked(user)


def record_success(user: User) -> None:
    """A sign-in completed: forget earlier failures."""
    User.objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_until=None)
    user.failed_sign_ins = 0
    user.locked_until = None
