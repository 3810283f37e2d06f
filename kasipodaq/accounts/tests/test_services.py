"""Creating accounts."""

from __future__ import annotations

import pytest

from kasipodaq.accounts.models import User
from kasipodaq.accounts.services import create_user
from kasipodaq.core.errors import DomainError

from .conftest import new_user

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum-orchard-river-42"


def test_an_account_gets_a_hashed_password() -> None:
    user = create_user(username="aigerim", password=GOOD_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    assert user.password != GOOD_PASSWORD
    assert not user.has_second_factor


def test_a_taken_username_is_refused() -> None:
    taken = new_user()
    with pytest.raises(DomainError) as refusal:
        create_user(username=taken.username, password=GOOD_PASSWORD)
    assert refusal.value.field == "username"


def test_a_malformed_username_is_refused() -> None:
    with pytest.raises(DomainError) as refusal:
        create_user(username="two words", password=GOOD_PASSWORD)
    assert refusal.value.field == "username"
    assert not User.objects.filter(username="two words").exists()


@pytest.mark.parametrize("password", ["short", "1234567890123", "password123"])
def test_a_weak_password_is_refused(password: str) -> None:
    """The project's password validators apply."""
    with pytest.raises(DomainError) as refusal:
        create_user(username="aigerim", password=password)
    assert refusal.value.field == "password"
    assert not User.objects.filter(username="aigerim").exists()
