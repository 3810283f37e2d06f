import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from kasipodaq.__main__ import main
from kasipodaq.accounts.models import User
from kasipodaq.api.models import ApiToken
from kasipodaq.api.tests.client import ApiClient
from kasipodaq.api.tokens import hash_token

pytestmark = pytest.mark.django_db


def _create_token(username: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", username, stdout=out, stderr=err)
    assert "only this once" in err.getvalue()
    return out.getvalue().strip()


def test_create_token_prints_a_token_that_works(tree):
    """The printed token opens the API as that user; only its hash is stored."""
    token = _create_token(tree.admin.username)
    assert ApiClient(token).get("/orgs").status_code == 200
    row = ApiToken.objects.get(user=tree.admin)
    assert row.key_hash == hash_token(token)


def test_create_token_refuses_unknown_and_inactive_users(tree):
    """No token for a user who does not exist or may not sign in."""
    with pytest.raises(CommandError):
        call_command("create_token", "nobody", stdout=io.StringIO())
    User.objects.filter(pk=tree.admin.pk).update(is_active=False)
    with pytest.raises(CommandError):
        call_command("create_token", tree.admin.username, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_revoke_tokens_ends_them_all(tree):
    """After revoke-tokens every token of the user is refused."""
    first, second = (
        _create_token(tree.admin.username),
        _create_token(tree.admin.username),
    )
    out = io.StringIO()
    call_command("revoke_tokens", tree.admin.username, stdout=out)
    assert out.getvalue().startswith("2 ")
    assert ApiClient(first).get("/orgs").status_code == 401
    assert ApiClient(second).get("/orgs").status_code == 401
    with pytest.raises(CommandError):
        call_command("revoke_tokens", "nobody", stdout=io.StringIO())


def test_the_console_script_takes_the_dashed_name(tree, monkeypatch, capsys):
    """`kasipodaq create-token USERNAME` prints the token."""
    monkeypatch.setattr(sys, "argv", ["kasipodaq", "create-token", tree.admin.username])
    # The script closes the connections when done, which would end the test's
    # transaction on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    main()
    token = capsys.readouterr().out.strip()
    assert ApiClient(token).get("/orgs").status_code == 200
