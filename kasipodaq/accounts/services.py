"""Creating staff accounts."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from kasipodaq.core.errors import DomainError

from .models import User


@transaction.atomic
def create_user(*, username: str, password: str) -> User:
    """A new account with this username and password, or a refusal.

    The username passes the model's validators (format, not taken) and the
    password AUTH_PASSWORD_VALIDATORS. Roles are granted by
    `access.services.create_staff_user`.
    """
    user = User(username=username)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from None
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    user.save()
    return user
