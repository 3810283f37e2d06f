import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kasipodaq.accounts.models import User
from kasipodaq.api.tests.client import ApiClient, api_as
from kasipodaq.api.tokens import issue_token, revoke_tokens
from kasipodaq.orgtree.models import Level
from kasipodaq.registry.models import Category
from kasipodaq.registry.services.termination import PERSONAL_REASONS

pytestmark = pytest.mark.django_db


def _refused(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"]
    return True


def test_a_request_without_a_token_is_refused(tree):
    """No Authorization header: 401, on reads and on writes."""
    api = ApiClient(None)
    assert _refused(api.get("/orgs"))
    assert _refused(api.get(f"/orgs/{tree.central.pk}"))
    assert _refused(api.post("/orgs", {}))
    assert _refused(api.delete("/members/1"))


def test_a_wrong_token_is_refused(tree):
    """A token that was never issued: 401."""
    assert _refused(ApiClient("not-a-token").get("/orgs"))


def test_another_scheme_is_refused(tree):
    """Only the Bearer scheme is read: Basic credentials are refused."""
    client = Client(headers={"authorization": "Basic dXNlcjpwYXNz"})
    assert _refused(client.get("/api/v1/orgs"))


def test_a_revoked_token_is_refused(tree):
    """After `revoke-tokens` the token no longer opens anything."""
    _row, token = issue_token(user=tree.admin)
    api = ApiClient(token)
    assert api.get("/orgs").status_code == 200
    revoke_tokens(user=tree.admin)
    assert _refused(api.get("/orgs"))


def test_tokens_of_inactive_or_locked_users_are_refused(tree):
    """Deactivating or locking the account stops its tokens at once."""
    api = api_as(tree.admin)
    User.objects.filter(pk=tree.admin.pk).update(is_active=False)
    assert _refused(api.get("/orgs"))
    User.objects.filter(pk=tree.admin.pk).update(
        is_active=True, locked_until=timezone.now() + dt.timedelta(minutes=10)
    )
    assert _refused(api.get("/orgs"))


def test_a_valid_token_acts_as_its_user(tree):
    """The token's user and their grants decide what is seen."""
    response = api_as(tree.admin).get("/orgs")
    assert response.status_code == 200
    assert response.json()["count"] == 15


def test_a_user_without_grants_sees_nothing(tree):
    """A token of a user who holds no role lists nothing and reads nothing."""
    stranger = User.objects.create_user("stranger", password="x" * 12)
    api = api_as(stranger)
    assert api.get("/orgs").json()["count"] == 0
    assert api.get(f"/orgs/{tree.central.pk}").status_code == 404


def test_the_schema_and_the_docs_are_public(tree):
    """openapi.json and the interactive docs need no token; they list the API."""
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    data = schema.json()
    assert data["openapi"].startswith("3.")
    assert "/api/v1/orgs" in data["paths"]
    assert "/api/v1/members/{id}/transfer" in data["paths"]
    assert data["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    assert b"/api/v1/openapi.json" in docs.content


def test_token_requests_need_no_csrf_token(tree):
    """A bearer token is not a cookie: writes work without Django's CSRF token."""
    _row, token = issue_token(user=tree.admin)
    client = Client(
        enforce_csrf_checks=True, headers={"authorization": f"Bearer {token}"}
    )
    response = client.patch(
        f"/api/v1/orgs/{tree.primaries[0].pk}",
        '{"address": "ул. Абая, 1"}',
        content_type="application/json",
    )
    assert response.status_code == 200


def test_a_signed_in_session_does_not_open_the_api(tree, client):
    """The API reads only bearer tokens, so a browser session cannot be ridden."""
    client.force_login(tree.admin)
    assert client.get("/api/v1/orgs").status_code == 401


def test_the_schema_documents_refusals_and_allowed_values(tree):
    """Every operation documents 401, 404 and 422; enums list their values."""
    schema = Client().get("/api/v1/openapi.json").json()
    operations = [
        operation
        for methods in schema["paths"].values()
        for operation in methods.values()
    ]
    assert len(operations) == 38
    for operation in operations:
        assert {"401", "404", "422"} <= set(operation["responses"]), operation
        assert operation["security"] == [{"TokenAuth": []}]
    components = schema["components"]["schemas"]
    assert components["Level"]["enum"] == Level.values
    assert components["Category"]["enum"] == Category.values
    assert components["PersonalLeaveReason"]["enum"] == [
        str(reason) for reason in PERSONAL_REASONS
    ]
