import datetime as dt

import pytest
from django.utils import timezone

from kasipodaq.accounts.models import User
from kasipodaq.api.models import ApiToken
from kasipodaq.api.tokens import (
    LAST_USED_PRECISION,
    hash_token,
    issue_token,
    revoke_tokens,
    user_for_token,
)
from kasipodaq.registry.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_only_the_hash_and_a_short_prefix_are_stored():
    """The database keeps the token's SHA-256 and its first characters, never it."""
    user = UserFactory.create()
    row, token = issue_token(user=user)
    row.refresh_from_db()
    assert len(token) >= 43
    assert row.key_hash == hash_token(token) != token
    assert row.prefix == token[:8]
    assert not ApiToken.objects.filter(key_hash=token).exists()


def test_each_token_is_new():
    """Two tokens of one user differ, and both work."""
    user = UserFactory.create()
    _row, first = issue_token(user=user)
    _row, second = issue_token(user=user)
    assert first != second
    assert user_for_token(first) == user_for_token(second) == user


def test_a_live_token_names_its_user_and_notes_its_use():
    """A token resolves to its user and records when it was last used."""
    user = UserFactory.create()
    row, token = issue_token(user=user)
    assert user_for_token(token) == user
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_last_use_is_refreshed_only_once_a_minute():
    """Busy clients do not write the token's row on every request."""
    user = UserFactory.create()
    row, token = issue_token(user=user)
    old = timezone.now() - LAST_USED_PRECISION / 2
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=old)
    user_for_token(token)
    row.refresh_from_db()
    assert row.last_used_at == old
    older = timezone.now() - 2 * LAST_USED_PRECISION
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=older)
    user_for_token(token)
    row.refresh_from_db()
    assert row.last_used_at > older


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 1000])
def test_unknown_tokens_name_nobody(token):
    """Empty, wrong and absurdly long tokens resolve to no one."""
    UserFactory.create()
    assert user_for_token(token) is None


def test_revoked_tokens_name_nobody():
    """Revoking ends every live token of the user, and only theirs."""
    user, other = UserFactory.create(), UserFactory.create()
    _row, first = issue_token(user=user)
    _row, second = issue_token(user=user)
    _row, others = issue_token(user=other)
    assert revoke_tokens(user=user) == 2
    assert user_for_token(first) is None
    assert user_for_token(second) is None
    assert user_for_token(others) == other
    assert revoke_tokens(user=user) == 0


def test_inactive_and_locked_users_are_refused():
    """A deactivated or locked-out account cannot use its tokens."""
    user = UserFactory.create()
    _row, token = issue_token(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert user_for_token(token) is None
    User.objects.filter(pk=user.pk).update(
        is_active=True, locked_until=timezone.now() + dt.timedelta(minutes=5)
    )
    assert user_for_token(token) is None
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() - dt.timedelta(minutes=5)
    )
    assert user_for_token(token) == user
