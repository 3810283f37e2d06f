"""The staff sign-in flow: a password, then, when due, a second-factor code.

The password step does not sign anyone in. It leaves a pending sign-in in the
session: whose account, through which backend, when, and where to go after. The
code step, or the set-up of a new second factor, finishes it with
`django.contrib.auth.login`. Who gets which step:

- an account with a second factor always enters a code;
- an account whose roles require one (`access.policy.requires_second_factor`)
  but has none sets one up first;
- anyone else is signed in after the password.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasipodaq.access.policy import requires_second_factor

from . import lockout, second_factor
from .errors import CodeRefused, SignInRefused
from .models import User

SESSION_KEY = "kasipodaq_pending_sign_in"
# How long a pending sign-in waits for its code, or for a second factor's set-up
# (which may mean installing an app first).
CODE_WITHIN = dt.timedelta(minutes=5)
SETUP_WITHIN = dt.timedelta(minutes=15)

# The one answer to every refused password step: it must not tell an unknown
# username from a wrong password or a locked account.
REFUSED = gettext_lazy(
    "The username or password is wrong, or the account is locked for a while "
    "after repeated failed attempts."
)


class Step(enum.StrEnum):
    DONE = "done"
    CODE = "code"
    SETUP = "setup"


@dataclass(frozen=True)
class Pending:
    user: User
    backend: str
    next_url: str


def safe_next_url(request: HttpRequest, url: str | None) -> str:
    """`url` if it stays on this site, else the empty string."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def landing_url(next_url: str) -> str:
    return next_url or resolve_url(settings.LOGIN_REDIRECT_URL)


def begin(
    request: HttpRequest, *, username: str, password: str, next_url: str = ""
) -> Step:
    """Check the password; sign in at once or leave the sign-in pending.

    `next_url` must already be safe (see `safe_next_url`).
    """
    abandon(request)
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        raise SignInRefused(REFUSED)
    backend: str = user.backend  # set by authenticate()
    if user.has_second_factor:
        step = Step.CODE
    elif requires_second_factor(user):
        step = Step.SETUP
    else:
        _complete(request, user, backend)
        return Step.DONE
    # A new session key, as login() does, so that a session planted in the
    # browser beforehand cannot take over the pending sign-in.
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "user": user.pk,
        "backend": backend,
        "next": next_url,
        "at": timezone.now().timestamp(),
    }
    return step


def pending(request: HttpRequest, *, within: dt.timedelta) -> Pending:
    """The sign-in waiting in this session, or a refusal that ends it."""
    state: dict[str, Any] | None = request.session.get(SESSION_KEY)
    if not state:
        raise SignInRefused(_("Please enter your username and password first."))
    if timezone.now().timestamp() - state["at"] > within.total_seconds():
        abandon(request)
        raise SignInRefused(
            _(
                "The sign-in took too long. Please enter your username and "
                "password again."
            )
        )
    user = User.objects.filter(pk=state["user"], is_active=True).first()
    if user is None or lockout.is_locked(user):
        abandon(request)
        raise SignInRefused(REFUSED)
    return Pending(user=user, backend=state["backend"], next_url=state["next"])


def finish_with_code(request: HttpRequest, *, code: str) -> str:
    """Sign in the pending account with a code of its second factor.

    Returns where to go next. A wrong code may be tried again until the account
    locks; then the sign-in ends.
    """
    waiting = pending(request, within=CODE_WITHIN)
    try:
        second_factor.verify(waiting.user, code)
    except CodeRefused:
        if lockout.is_locked(waiting.user):
            abandon(request)
            raise SignInRefused(
                _(
                    "Too many failed attempts: the account is locked for "
                    "%(minutes)s minutes."
                )
                % {"minutes": settings.KASIPODAQ_LOCKOUT_MINUTES}
            ) from None
        raise
    _complete(request, waiting.user, waiting.backend)
    return landing_url(waiting.next_url)


def offered_secret(request: HttpRequest) -> str:
    """The secret offered for set-up in this pending sign-in; the same until used."""
    state = request.session[SESSION_KEY]
    if not state.get("secret"):
        state["secret"] = second_factor.new_secret()
        request.session.modified = True
    secret: str = state["secret"]
    return secret


def finish_with_setup(request: HttpRequest, *, code: str) -> str:
    """Store the offered secret as the second factor, confirmed by `code`, and sign in.

    Returns where to go next.
    """
    waiting = pending(request, within=SETUP_WITHIN)
    secret = request.session[SESSION_KEY].get("secret")
    if not secret:
        raise CodeRefused(_("Scan the code shown on this page first."), field="code")
    try:
        second_factor.enrol(waiting.user, secret=secret, code=code)
    except SignInRefused:
        abandon(request)
        raise
    _complete(request, waiting.user, waiting.backend)
    return landing_url(waiting.next_url)


def abandon(request: HttpRequest) -> None:
    """Forget a pending sign-in, if any."""
    request.session.pop(SESSION_KEY, None)


def _complete(request: HttpRequest, user: User, backend: str) -> None:
    abandon(request)
    login(request, user, backend=backend)
    lockout.record_success(user)
