"""The authentication backend: Django's, refusing locked accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from . import lockout
from .models import User


class LockoutModelBackend(ModelBackend):
    """Username and password, as ModelBackend, with the lock-out of `lockout`.

    A locked account is refused even with the right password, and a wrong password
    for an existing account counts as a failure. Every refusal costs one password
    hash, as ModelBackend does for unknown usernames, so timing does not tell them
    apart. Success does not reset the counter: a second factor may still follow,
    and the sign-in flow resets it only once the person is signed in.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            User().set_password(password)
            return None
        if lockout.is_locked(user):
            User().set_password(password)
            return None
        if not user.check_password(password):
            lockout.record_failure(user)
            return None
        if not self.user_can_authenticate(user):
            return None
        return user
