"""Refusals of the sign-in flow."""

from __future__ import annotations

from kasipodaq.core.errors import DomainError


class SignInRefused(DomainError):
    """The sign-in cannot go on: wrong credentials, a locked account or an expired step.

    The view starts the sign-in over and shows the message.
    """

    code = "sign_in_refused"


class CodeRefused(DomainError):
    """The second-factor code is wrong or already used; the person may try again."""

    code = "code_refused"
