"""Issuing, checking and revoking API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from kasipodaq.accounts.lockout import is_locked

from .models import ApiToken

PREFIX_LENGTH = 8
# How stale `last_used_at` may get before a request refreshes it: saves a write
# on every call of a busy client.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_token(*, user: Any) -> tuple[ApiToken, str]:
    """A new token for `user`: the row and the token, which is never shown again."""
    token = secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, key_hash=hash_token(token), prefix=token[:PREFIX_LENGTH]
    )
    return row, token


@transaction.atomic
def revoke_tokens(*, user: Any) -> int:
    """Revoke every live token of `user`; how many were revoked."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def user_for_token(token: str) -> Any | None:
    """The user a live token belongs to, if they may still sign in; else None.

    The lookup is by the token's hash, which an attacker cannot steer towards a
    stored one; the final comparison is constant-time all the same.
    """
    if not token or len(token) > 256:
        return None
    digest = hash_token(token)
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    user = row.user
    now = timezone.now()
    if not user.is_active or is_locked(user, now=now):
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return user
