"""Signing in over HTTP: password, second factor or its set-up, lock-out, sign-out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.contrib import auth
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kasipodaq.accounts.models import User
from kasipodaq.accounts.sign_in import CODE_WITHIN, SESSION_KEY, SETUP_WITHIN
from kasipodaq.registry.tests.factories import PASSWORD, Tree

from .conftest import LANDING, new_user, with_second_factor, wrong_code

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
CODE = reverse("accounts:second-factor")
SETUP = reverse("accounts:second-factor-setup")
SIGN_OUT = reverse("accounts:sign-out")
STEP = dt.timedelta(seconds=30)


def post_password(
    client: Client, username: str, password: str = PASSWORD, **extra: str
) -> Any:
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def signed_in(client: Client) -> User | None:
    user = auth.get_user(client)
    return user if isinstance(user, User) else None


def refusal(response: Any) -> list[str]:
    return list(response.context["form"].non_field_errors())


def code_errors(response: Any) -> list[str]:
    return list(response.context["form"].errors.get("code", []))


def flash(client: Client, response: Any) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# The password step


def test_the_sign_in_page_shows_the_form_without_the_main_nav(client: Client) -> None:
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "mainnav" not in html


def test_a_district_user_without_second_factor_is_signed_in_by_password(
    client: Client, district_chair: User
) -> None:
    """No second factor is required below the regions: the password is enough."""
    response = post_password(client, district_chair.username)
    assert response.status_code == 302
    assert response["Location"] == LANDING
    assert signed_in(client) == district_chair
    assert SESSION_KEY not in client.session


def test_a_successful_sign_in_forgets_earlier_failures(
    client: Client, district_chair: User
) -> None:
    post_password(client, district_chair.username, "wrong")
    post_password(client, district_chair.username)
    district_chair.refresh_from_db()
    assert district_chair.failed_sign_ins == 0


def test_a_wrong_password_is_refused(client: Client, district_chair: User) -> None:
    response = post_password(client, district_chair.username, "wrong")
    assert response.status_code == 200
    assert refusal(response)
    assert response.context["form"]["username"].value() == district_chair.username
    assert signed_in(client) is None


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: Client, district_chair: User
) -> None:
    """Nothing tells an unknown username from a known one with a wrong password."""
    wrong_password = post_password(client, district_chair.username, "wrong")
    unknown = post_password(Client(), "no-such-user", "wrong")
    assert refusal(unknown) == refusal(wrong_password)
    assert unknown.status_code == wrong_password.status_code
    assert len(refusal(unknown)) == 1


def test_a_signed_in_user_is_sent_on_from_the_sign_in_page(
    client: Client, district_chair: User
) -> None:
    client.force_login(district_chair)
    response = client.get(SIGN_IN)
    assert response.status_code == 302
    assert response["Location"] == LANDING


# Where to go after signing in


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
    ],
)
def test_a_next_address_off_the_site_is_ignored(
    client: Client, district_chair: User, target: str
) -> None:
    response = post_password(client, district_chair.username, next=target)
    assert response["Location"] == LANDING


def test_a_next_address_on_the_site_is_followed(
    client: Client, district_chair: User
) -> None:
    response = post_password(client, district_chair.username, next="/members/?q=1")
    assert response["Location"] == "/members/?q=1"


def test_the_next_address_survives_the_second_factor(
    client: Client, district_chair: User
) -> None:
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username, next="/members/")
    response = client.post(CODE, {"code": totp.now()})
    assert response["Location"] == "/members/"


def test_an_unsafe_next_address_is_ignored_after_the_second_factor(
    client: Client, district_chair: User
) -> None:
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username, next="https://evil.example/")
    response = client.post(CODE, {"code": totp.now()})
    assert response["Location"] == LANDING


# The code step


def test_a_user_with_a_second_factor_always_enters_a_code(
    client: Client, district_chair: User
) -> None:
    """Even where none is required, a set-up second factor is asked for."""
    totp = with_second_factor(district_chair)
    response = post_password(client, district_chair.username)
    assert response["Location"] == CODE
    assert signed_in(client) is None

    page = client.get(CODE)
    assert page.status_code == 200
    assert "mainnav" not in page.content.decode()

    response = client.post(CODE, {"code": totp.now()})
    assert response["Location"] == LANDING
    assert signed_in(client) == district_chair


def test_a_wrong_code_is_refused_and_counted(
    client: Client, district_chair: User
) -> None:
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username)
    response = client.post(CODE, {"code": wrong_code(totp)})
    assert response.status_code == 200
    assert code_errors(response)
    assert signed_in(client) is None
    district_chair.refresh_from_db()
    assert district_chair.failed_sign_ins == 1
    # The sign-in is still pending: the right code now works.
    assert client.post(CODE, {"code": totp.now()})["Location"] == LANDING


def test_a_code_that_is_not_six_digits_is_refused(
    client: Client, district_chair: User
) -> None:
    with_second_factor(district_chair)
    post_password(client, district_chair.username)
    response = client.post(CODE, {"code": "12ab"})
    assert response.status_code == 200
    assert code_errors(response)
    district_chair.refresh_from_db()
    assert district_chair.failed_sign_ins == 0


def test_a_replayed_code_is_refused(client: Client, district_chair: User) -> None:
    """A code that signed someone in cannot sign in again within its window."""
    totp = with_second_factor(district_chair)
    code = totp.now()
    post_password(client, district_chair.username)
    assert client.post(CODE, {"code": code})["Location"] == LANDING

    other = Client()
    post_password(other, district_chair.username)
    response = other.post(CODE, {"code": code})
    assert response.status_code == 200
    assert "already been used" in " ".join(code_errors(response))
    assert signed_in(other) is None


def test_the_password_step_gives_a_new_session_key(
    client: Client, district_chair: User
) -> None:
    """A session known before the password step does not carry the pending sign-in."""
    with_second_factor(district_chair)
    known = client.session.session_key  # the test client creates the session
    assert known
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = known
    post_password(client, district_chair.username)
    assert client.session.session_key != known
    assert client.get(CODE).status_code == 200
    assert other.get(CODE)["Location"] == SIGN_IN


def test_the_code_step_needs_a_password_first(client: Client) -> None:
    """Without a pending sign-in the code page sends back to the password."""
    for response in (client.get(CODE), client.post(CODE, {"code": "123456"})):
        assert response.status_code == 302
        assert response["Location"] == SIGN_IN
    assert signed_in(client) is None


def _age_pending(client: Client, by: dt.timedelta) -> None:
    session = client.session
    session[SESSION_KEY]["at"] -= by.total_seconds()
    session.save()


def test_a_pending_sign_in_expires(client: Client, district_chair: User) -> None:
    """A code entered too long after the password does not sign in."""
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username)
    _age_pending(client, CODE_WITHIN + dt.timedelta(seconds=1))
    response = client.post(CODE, {"code": totp.now()})
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert "took too long" in " ".join(flash(client, response))
    assert signed_in(client) is None
    assert SESSION_KEY not in client.session
    district_chair.refresh_from_db()
    assert district_chair.totp_last_step is None


def test_a_pending_sign_in_within_its_time_goes_on(
    client: Client, district_chair: User
) -> None:
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username)
    _age_pending(client, CODE_WITHIN - dt.timedelta(seconds=10))
    assert client.post(CODE, {"code": totp.now()})["Location"] == LANDING


def test_a_new_password_attempt_ends_the_pending_sign_in(
    client: Client, district_chair: User
) -> None:
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username)
    post_password(client, district_chair.username, "wrong")
    assert client.post(CODE, {"code": totp.now()})["Location"] == SIGN_IN
    assert signed_in(client) is None


# Setting up the second factor


def _set_up(client: Client) -> pyotp.TOTP:
    """Open the set-up page of the pending sign-in; the TOTP of the offered secret."""
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = client.session[SESSION_KEY]["secret"]
    assert secret[:4] in page.content.decode()
    return pyotp.TOTP(secret)


@pytest.mark.parametrize("who", ["regional_accountant", "central_admin"])
def test_central_and_regional_staff_set_up_a_second_factor_before_signing_in(
    client: Client, tree: Tree, regional_accountant: User, who: str
) -> None:
    user = regional_accountant if who == "regional_accountant" else tree.admin
    assert user is not None
    response = post_password(client, user.username)
    assert response["Location"] == SETUP
    assert signed_in(client) is None
    # The code page sends on to the set-up while there is no second factor.
    assert client.get(CODE)["Location"] == SETUP

    page = client.get(SETUP)
    html = page.content.decode()
    assert "<svg" in html
    assert "mainnav" not in html
    totp = _set_up(client)
    user.refresh_from_db()
    assert not user.has_second_factor

    response = client.post(SETUP, {"code": totp.now()})
    assert response["Location"] == LANDING
    assert signed_in(client) == user
    user.refresh_from_db()
    assert user.has_second_factor
    assert user.totp_secret == totp.secret

    # The next sign-in asks for a code of the new factor.
    client.post(SIGN_OUT)
    assert post_password(client, user.username)["Location"] == CODE
    later = totp.at(timezone.now() + STEP)
    assert client.post(CODE, {"code": later})["Location"] == LANDING
    assert signed_in(client) == user


def test_the_offered_secret_stays_the_same_until_used(
    client: Client, regional_accountant: User
) -> None:
    post_password(client, regional_accountant.username)
    assert _set_up(client).secret == _set_up(client).secret


def test_a_wrong_set_up_code_stores_nothing(
    client: Client, regional_accountant: User
) -> None:
    post_password(client, regional_accountant.username)
    totp = _set_up(client)
    response = client.post(SETUP, {"code": wrong_code(totp)})
    assert response.status_code == 200
    assert code_errors(response)
    assert "<svg" in response.content.decode()
    assert signed_in(client) is None
    regional_accountant.refresh_from_db()
    assert not regional_accountant.has_second_factor
    assert regional_accountant.totp_secret == ""


def test_a_set_up_code_without_the_page_is_refused(
    client: Client, regional_accountant: User
) -> None:
    """A code can only confirm a secret that was shown."""
    post_password(client, regional_accountant.username)
    response = client.post(SETUP, {"code": "123456"})
    assert response.status_code == 200
    assert code_errors(response)
    assert signed_in(client) is None


def test_a_second_factor_cannot_be_replaced_with_the_password_alone(
    client: Client, regional_accountant: User
) -> None:
    """With a second factor, the set-up page sends to the code step instead."""
    with_second_factor(regional_accountant)
    old = regional_accountant.totp_secret
    post_password(client, regional_accountant.username)
    assert client.get(SETUP)["Location"] == CODE
    assert client.post(SETUP, {"code": "123456"})["Location"] == CODE
    regional_accountant.refresh_from_db()
    assert regional_accountant.totp_secret == old
    assert signed_in(client) is None


def test_the_set_up_needs_a_password_first(client: Client) -> None:
    assert client.get(SETUP)["Location"] == SIGN_IN


def test_a_pending_set_up_expires(client: Client, regional_accountant: User) -> None:
    post_password(client, regional_accountant.username)
    totp = _set_up(client)
    _age_pending(client, SETUP_WITHIN + dt.timedelta(seconds=1))
    response = client.post(SETUP, {"code": totp.now()})
    assert response["Location"] == SIGN_IN
    regional_accountant.refresh_from_db()
    assert not regional_accountant.has_second_factor
    assert signed_in(client) is None


# Lock-out


def _lock_by_passwords(client: Client, user: User) -> None:
    for _ in range(5):
        post_password(client, user.username, "wrong")


def test_repeated_wrong_passwords_lock_the_account(
    client: Client, district_chair: User
) -> None:
    """After five failures the right password is refused too, with the same answer."""
    for _ in range(4):
        post_password(client, district_chair.username, "wrong")
    district_chair.refresh_from_db()
    assert district_chair.locked_until is None
    wrong = post_password(client, district_chair.username, "wrong")
    district_chair.refresh_from_db()
    assert district_chair.locked_until is not None

    right = post_password(client, district_chair.username)
    assert right.status_code == 200
    assert refusal(right) == refusal(wrong)
    assert signed_in(client) is None
    assert SESSION_KEY not in client.session


def test_a_locked_account_looks_like_an_unknown_user(
    client: Client, district_chair: User
) -> None:
    """No answer differs between a locked account and a username that never existed."""
    _lock_by_passwords(client, district_chair)
    locked = post_password(client, district_chair.username)
    unknown = Client()
    for _ in range(6):
        answer = post_password(unknown, "no-such-user")
    assert refusal(locked) == refusal(answer)
    assert locked.status_code == answer.status_code


def test_the_lock_ends_after_its_time(client: Client, district_chair: User) -> None:
    _lock_by_passwords(client, district_chair)
    User.objects.filter(pk=district_chair.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    response = post_password(client, district_chair.username)
    assert response["Location"] == LANDING
    assert signed_in(client) == district_chair
    district_chair.refresh_from_db()
    assert district_chair.failed_sign_ins == 0


def test_repeated_wrong_codes_lock_the_account(
    client: Client, district_chair: User
) -> None:
    """Wrong codes count like wrong passwords; the lock ends the pending sign-in."""
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username)
    for _ in range(4):
        assert client.post(CODE, {"code": wrong_code(totp)}).status_code == 200
    response = client.post(CODE, {"code": wrong_code(totp)})
    assert response["Location"] == SIGN_IN
    assert "locked" in " ".join(flash(client, response))
    district_chair.refresh_from_db()
    assert district_chair.locked_until is not None
    assert client.post(CODE, {"code": totp.now()})["Location"] == SIGN_IN
    assert post_password(client, district_chair.username).status_code == 200
    assert signed_in(client) is None


def test_wrong_passwords_and_wrong_codes_add_up(
    client: Client, district_chair: User
) -> None:
    """Knowing the password does not start the count again."""
    totp = with_second_factor(district_chair)
    for _ in range(3):
        post_password(client, district_chair.username, "wrong")
    post_password(client, district_chair.username)
    client.post(CODE, {"code": wrong_code(totp)})
    response = client.post(CODE, {"code": wrong_code(totp)})
    assert response["Location"] == SIGN_IN
    district_chair.refresh_from_db()
    assert district_chair.locked_until is not None


def test_a_lock_during_the_code_step_refuses_the_right_code(
    client: Client, district_chair: User
) -> None:
    """Someone else locking the account meanwhile ends this pending sign-in."""
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username)
    _lock_by_passwords(Client(), district_chair)
    assert client.post(CODE, {"code": totp.now()})["Location"] == SIGN_IN
    assert signed_in(client) is None


def test_an_inactive_account_cannot_sign_in(client: Client) -> None:
    user = new_user(is_active=False)
    response = post_password(client, user.username)
    assert response.status_code == 200
    assert refusal(response)
    assert signed_in(client) is None


def test_an_account_deactivated_while_pending_cannot_finish(
    client: Client, district_chair: User
) -> None:
    totp = with_second_factor(district_chair)
    post_password(client, district_chair.username)
    User.objects.filter(pk=district_chair.pk).update(is_active=False)
    assert client.post(CODE, {"code": totp.now()})["Location"] == SIGN_IN
    assert signed_in(client) is None


# Sign-out


def test_sign_out_needs_post(client: Client, district_chair: User) -> None:
    """A GET (a link, an image) cannot sign anyone out."""
    client.force_login(district_chair)
    assert client.get(SIGN_OUT).status_code == 405
    assert signed_in(client) == district_chair


def test_sign_out_signs_out(client: Client, district_chair: User) -> None:
    client.force_login(district_chair)
    response = client.post(SIGN_OUT)
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert signed_in(client) is None
