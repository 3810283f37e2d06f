"""The TOTP second factor: set-up, codes accepted once, wrong codes counted."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kasipodaq.accounts import second_factor
from kasipodaq.accounts.errors import CodeRefused, SignInRefused
from kasipodaq.accounts.models import User

from .conftest import new_user, with_second_factor, wrong_code

pytestmark = pytest.mark.django_db

STEP = dt.timedelta(seconds=30)


@pytest.fixture
def user() -> User:
    return new_user()


def test_the_current_code_is_accepted_once(user: User) -> None:
    """A code is accepted, and the same code again is refused as used."""
    totp = with_second_factor(user)
    now = timezone.now()
    code = totp.at(now)
    second_factor.verify(user, code, now=now)
    user.refresh_from_db()
    assert user.totp_last_step == totp.timecode(now)
    with pytest.raises(CodeRefused, match="already been used"):
        second_factor.verify(user, code, now=now)
    user.refresh_from_db()
    assert user.failed_sign_ins == 1


def test_a_replay_within_the_tolerance_window_is_refused(user: User) -> None:
    """A code still inside the next step's window is refused once used."""
    totp = with_second_factor(user)
    now = timezone.now()
    code = totp.at(now)
    second_factor.verify(user, code, now=now)
    with pytest.raises(CodeRefused):
        second_factor.verify(user, code, now=now + STEP)


def test_an_older_code_after_a_newer_one_is_refused(user: User) -> None:
    """Once a later step's code is used, an earlier step's code is refused."""
    totp = with_second_factor(user)
    now = timezone.now()
    second_factor.verify(user, totp.at(now + STEP), now=now)
    with pytest.raises(CodeRefused):
        second_factor.verify(user, totp.at(now), now=now)


def test_the_next_code_is_accepted_after_one_is_used(user: User) -> None:
    totp = with_second_factor(user)
    now = timezone.now()
    second_factor.verify(user, totp.at(now), now=now)
    second_factor.verify(user, totp.at(now + STEP), now=now + STEP)


def test_codes_of_neighbouring_steps_allow_for_clock_drift(user: User) -> None:
    """The previous and next step are accepted; two steps away is not."""
    totp = with_second_factor(user)
    now = timezone.now()
    second_factor.verify(user, totp.at(now - STEP), now=now)
    second_factor.verify(user, totp.at(now + STEP), now=now)
    with pytest.raises(CodeRefused):
        second_factor.verify(user, totp.at(now + 3 * STEP), now=now)


def test_a_wrong_code_is_refused_and_counted(user: User) -> None:
    totp = with_second_factor(user)
    now = timezone.now()
    with pytest.raises(CodeRefused, match="wrong"):
        second_factor.verify(user, wrong_code(totp, now), now=now)
    user.refresh_from_db()
    assert user.failed_sign_ins == 1
    assert user.totp_last_step is None


def test_an_account_without_a_second_factor_accepts_no_code(user: User) -> None:
    """No secret, no code: even the code of an empty secret is refused."""
    with pytest.raises(CodeRefused):
        second_factor.verify(user, "000000")


def test_set_up_stores_the_secret_only_with_a_matching_code(user: User) -> None:
    """A wrong code leaves the account as it was and counts nothing."""
    secret = second_factor.new_secret()
    with pytest.raises(CodeRefused):
        second_factor.enrol(user, secret=secret, code=wrong_code(pyotp.TOTP(secret)))
    user.refresh_from_db()
    assert (user.totp_secret, user.totp_confirmed_at, user.failed_sign_ins) == (
        "",
        None,
        0,
    )

    now = timezone.now()
    second_factor.enrol(user, secret=secret, code=pyotp.TOTP(secret).at(now), now=now)
    user.refresh_from_db()
    assert user.totp_secret == secret
    assert user.has_second_factor
    assert user.totp_last_step == pyotp.TOTP(secret).timecode(now)


def test_set_up_never_replaces_a_second_factor(user: User) -> None:
    """An account with a second factor keeps it, whatever code comes with a new one."""
    with_second_factor(user)
    old = user.totp_secret
    secret = second_factor.new_secret()
    with pytest.raises(SignInRefused):
        second_factor.enrol(user, secret=secret, code=pyotp.TOTP(secret).now())
    user.refresh_from_db()
    assert user.totp_secret == old


def test_the_set_up_code_cannot_be_used_again_to_sign_in(user: User) -> None:
    secret = second_factor.new_secret()
    now = timezone.now()
    code = pyotp.TOTP(secret).at(now)
    second_factor.enrol(user, secret=secret, code=code, now=now)
    with pytest.raises(CodeRefused):
        second_factor.verify(user, code, now=now)


def test_the_qr_code_carries_the_account_and_issuer(user: User) -> None:
    """The otpauth address names the issuer and the username; the QR is inline SVG."""
    secret = second_factor.new_secret()
    uri = second_factor.provisioning_uri(user, secret)
    assert uri.startswith("otpauth://totp/Kasipodaq:")
    assert user.username in uri
    assert f"secret={secret}" in uri
    svg = second_factor.qr_svg(uri, title="<QR>")
    assert svg.startswith("<svg")
    assert "<title>&lt;QR&gt;</title>" in svg


def test_the_secret_is_shown_in_groups_of_four() -> None:
    assert second_factor.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_a_confirmed_second_factor_needs_a_secret(user: User) -> None:
    """The database refuses a confirmed second factor without its secret."""
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(totp_confirmed_at=timezone.now())
