"""Who is calling: a bearer token resolved to its user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from kasipodaq.accounts.models import User

from .tokens import user_for_token


class ApiRequest(HttpRequest):
    """A request that passed `TokenAuth`: `auth` is the user the token belongs to."""

    auth: User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` as issued by `kasipodaq create-token`.

    Inactive and locked-out users are refused like a wrong token. The user becomes
    `request.auth` (and `request.user`), so the grants are read once per request.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token.strip())
        if user is not None:
            request.user = user
        return user
