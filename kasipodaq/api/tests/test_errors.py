import datetime as dt

import pytest
from django.http import Http404

from kasipodaq.api.errors import fields_renamed
from kasipodaq.api.tests.client import api_as
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.registry.tests.factories import valid_iin

pytestmark = pytest.mark.django_db


def test_a_refusal_is_a_422_with_its_message_and_field(tree):
    """A service's DomainError answers 422 with the message and the field."""
    response = api_as(tree.admin).post(
        f"/orgs/{tree.districts[0].pk}/move",
        {"parent": tree.primaries[0].pk, "on": "2021-01-01"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "parent"
    assert "cannot be moved under itself" in body["detail"]


def test_invalid_input_is_a_422_naming_each_field(tree):
    """Input that breaks the schema answers 422 with the fields at fault."""
    response = api_as(tree.admin).post(
        "/members",
        {"iin": "12345", "last_name": "", "first_name": "A", "joined_on": "x"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert body["field"] == "iin"
    named = {tuple(error["loc"]) for error in body["errors"]}
    assert {("iin",), ("last_name",), ("joined_on",), ("org_unit",)} <= named
    assert all(error["message"] for error in body["errors"])


def test_a_missing_object_is_a_404_with_only_a_detail(tree):
    """An unknown id answers 404 and says nothing more."""
    api = api_as(tree.admin)
    missing = api.get("/orgs/999999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": missing.json()["detail"]}


def test_an_unreadable_body_is_a_400(tree):
    """A body that is not JSON answers 400, not a server error."""
    api = api_as(tree.admin)
    response = api.client.post(
        "/api/v1/orgs", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_fields_are_reported_under_the_api_names():
    """A refusal about the service's `on` is reported as the API's `opened_on`."""
    with pytest.raises(DomainError) as exc, fields_renamed(on="opened_on"):
        raise DomainError("The date cannot be in the future.", field="on")
    assert exc.value.field == "opened_on"
    with pytest.raises(DomainError) as exc, fields_renamed(on="opened_on"):
        raise DomainError("Other.", field="code")
    assert exc.value.field == "code"
    with pytest.raises(PermissionRefused), fields_renamed(on="opened_on"):
        raise PermissionRefused("No.", field="on")
    with pytest.raises(Http404), fields_renamed(on="opened_on"):
        raise Http404


def test_a_future_opening_date_is_refused_under_its_own_name(tree):
    """The API names the field the client sent, not the service's parameter."""
    response = api_as(tree.admin).post(
        "/orgs",
        {
            "parent": tree.regions[0].pk,
            "level": "district",
            "code": "D-NEW",
            "name_ru": "Новый район",
            "name_kk": "Жаңа аудан",
            "opened_on": (today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "opened_on"


def test_iin_refusals_keep_the_field(tree):
    """A 12-digit IIN with a wrong check digit is refused by the service, on `iin`."""
    iin = valid_iin()
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    response = api_as(tree.admin).post(
        "/members",
        {
            "org_unit": tree.primaries[0].pk,
            "iin": wrong,
            "last_name": "Ахметова",
            "first_name": "Айгуль",
            "joined_on": "2020-01-01",
            "category": "working",
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "iin"
