import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kasipodaq.access.perms import Role
from kasipodaq.api.tests.client import api_as
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.registry.models import (
    Category,
    JoinMethod,
    LeaveReason,
    Membership,
    Person,
)
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.tests.factories import MALE, grant, valid_iin

pytestmark = pytest.mark.django_db
D = dt.date


def _state() -> tuple:
    """Everything a member change could write."""
    return (
        list(Person.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def chair(tree):
    """A chair of the first district (primaries 0 and 1)."""
    return grant(Role.CHAIR, tree.districts[0])


def _admission(unit, **extra):
    return {
        "org_unit": unit.pk,
        "iin": valid_iin(D(1990, 3, 4), MALE),
        "last_name": "Сериков",
        "first_name": "Ерлан",
        "phone": "+7 701 123 45 67",
        "joined_on": "2021-09-01",
        "category": "working",
        **extra,
    }


# Reading


def test_the_list_shows_members_in_the_users_subtree(tree, chair):
    """A district chair lists the members of their district only."""
    mine = tree.admit(tree.primaries[0], last_name="Абаева")
    tree.admit(tree.primaries[2], last_name="Бекова")
    body = api_as(chair).get("/members").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == mine.person_id
    assert item["membership"]["org_unit"]["id"] == tree.primaries[0].pk
    assert item["membership"]["category"] == "working"
    assert item["membership"]["leave_reason"] is None


def test_the_list_filters_like_the_staff_list(tree):
    """Search, category, sex, age band, status and subtree narrow the list."""
    young = tree.admit(
        tree.primaries[0], last_name="Жас", birth_date=D(2001, 1, 1), category="student"
    )
    old = tree.admit(
        tree.primaries[2], last_name="Кәрі", birth_date=D(1960, 1, 1), sex=MALE
    )
    former = tree.admit(tree.primaries[1], last_name="Бұрынғы")
    api = api_as(tree.admin)
    api.post(
        f"/members/{former.person_id}/leave", {"on": "2021-01-01", "reason": "own_wish"}
    )

    def ids(**query):
        response = api.get("/members", **query)
        assert response.status_code == 200
        return {item["id"] for item in response.json()["items"]}

    assert ids() == {young.person_id, old.person_id}
    assert ids(status="former") == {former.person_id}
    assert ids(status="all") == {young.person_id, old.person_id, former.person_id}
    assert ids(category="student") == {young.person_id}
    assert ids(sex="M") == {old.person_id}
    assert ids(age_band="29") == {young.person_id}
    assert ids(age_band="36+") == {old.person_id}
    assert ids(org=tree.districts[1].pk) == {old.person_id}
    assert ids(q=young.person.iin) == {young.person_id}
    assert ids(q="Кәрі") == {old.person_id}
    assert api.get("/members", category="boss").status_code == 422


def test_the_list_refuses_a_subtree_in_another_district(tree, chair):
    response = api_as(chair).get("/members", org=tree.districts[1].pk)
    assert response.status_code == 404


def test_the_list_query_count_does_not_grow_with_rows(tree):
    """3 members or 30: the same number of queries."""
    api = api_as(tree.admin)
    api.get("/members")  # the token's first use writes its last-use time

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/members", limit=100)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        tree.admit(tree.primaries[0])
    few = queries()
    for number in range(27):
        tree.admit(tree.primaries[number % 8])
    assert api.get("/members").json()["count"] == 30
    assert queries() == few


def test_a_member_comes_with_the_history_and_the_reading_is_audited(tree, chair):
    """The record lists every membership; opening it leaves a PERSON_VIEWED event."""
    membership = tree.admit(tree.primaries[0])
    api_as(tree.admin).post(
        f"/members/{membership.person_id}/transfer",
        {"to_unit": tree.primaries[1].pk, "on": "2021-01-01"},
    )
    response = api_as(chair).get(f"/members/{membership.person_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["iin"] == membership.person.iin
    assert [m["org_unit"]["id"] for m in body["memberships"]] == [
        tree.primaries[0].pk,
        tree.primaries[1].pk,
    ]
    assert body["memberships"][0]["leave_reason"] == LeaveReason.TRANSFER
    assert body["membership"]["transferred_from_id"] == membership.pk
    viewed = AuditEvent.objects.filter(
        action=AuditAction.PERSON_VIEWED, person_id=membership.person_id
    )
    # The admin's transfer answered the record too: that was their reading.
    assert list(viewed.values_list("actor_id", flat=True)) == [chair.pk, tree.admin.pk]


def test_a_member_of_another_district_is_not_found(tree, chair):
    """404 as if absent, and no view is recorded."""
    other = tree.admit(tree.primaries[2])
    response = api_as(chair).get(f"/members/{other.person_id}")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED).exists()


# Admitting


def test_admitting_takes_birth_date_and_sex_from_the_iin(tree, chair):
    """A new member in the chair's primary: 201 and the derived facts."""
    response = api_as(chair).post("/members", _admission(tree.primaries[0]))
    assert response.status_code == 201
    body = response.json()
    assert (body["birth_date"], body["sex"]) == ("1990-03-04", "M")
    assert body["membership"]["join_method"] == JoinMethod.PAPER
    current = Membership.objects.get(person_id=body["id"], left_on=None)
    assert current.org_unit_id == tree.primaries[0].pk


def test_admitting_into_another_district_is_not_found(tree, chair):
    before = _state()
    response = api_as(chair).post("/members", _admission(tree.primaries[2]))
    assert response.status_code == 404
    assert _state() == before


def test_a_bad_iin_is_refused_and_nothing_written(tree):
    """A check digit that does not match: 422 on iin with the reason."""
    before = _state()
    iin = valid_iin()
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    response = api_as(tree.admin).post(
        "/members", _admission(tree.primaries[0], iin=wrong)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "iin"
    assert "check digit" in response.json()["detail"]
    assert _state() == before


def test_an_iin_that_is_not_twelve_digits_is_refused(tree):
    before = _state()
    response = api_as(tree.admin).post(
        "/members", _admission(tree.primaries[0], iin="12345")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "iin"
    assert _state() == before


def test_a_birth_date_contradicting_the_iin_is_refused(tree):
    before = _state()
    response = api_as(tree.admin).post(
        "/members", _admission(tree.primaries[0], birth_date="1970-01-01")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "birth_date"
    assert "contradicts the IIN" in response.json()["detail"]
    assert _state() == before


def test_a_second_active_membership_is_refused(tree):
    """Someone already a member elsewhere cannot be admitted again."""
    first = tree.admit(tree.primaries[0])
    before = _state()
    response = api_as(tree.admin).post(
        "/members",
        _admission(
            tree.primaries[3],
            iin=first.person.iin,
            last_name=first.person.last_name,
            first_name=first.person.first_name,
        ),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "iin"
    assert "already has an active membership" in response.json()["detail"]
    assert _state() == before


def test_admitting_into_a_district_is_refused(tree):
    """Members belong to primary organizations: 422 on org_unit."""
    before = _state()
    response = api_as(tree.admin).post("/members", _admission(tree.districts[0]))
    assert response.status_code == 422
    assert response.json()["field"] == "org_unit"
    assert _state() == before


# Editing


def test_editing_changes_what_is_sent_and_audits_it(tree, chair):
    """PATCH corrects the phone and the category; the rest stays."""
    membership = tree.admit(tree.primaries[0], phone="+7 701 000 00 00")
    response = api_as(chair).patch(
        f"/members/{membership.person_id}",
        {"phone": "+7 702 111 22 33", "category": "pensioner"},
    )
    assert response.status_code == 200
    person = Person.objects.get(pk=membership.person_id)
    assert person.phone == "+7 702 111 22 33"
    assert person.last_name == membership.person.last_name
    membership.refresh_from_db()
    assert membership.category == Category.PENSIONER
    actions = set(
        AuditEvent.objects.filter(person_id=person.pk).values_list("action", flat=True)
    )
    assert {AuditAction.PERSON_UPDATED, AuditAction.MEMBERSHIP_UPDATED} <= actions


def test_editing_to_an_invalid_iin_is_refused(tree):
    membership = tree.admit(tree.primaries[0])
    before = _state()
    iin = membership.person.iin
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    response = api_as(tree.admin).patch(
        f"/members/{membership.person_id}", {"iin": wrong}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "iin"
    assert _state() == before


def test_editing_a_member_of_another_district_is_not_found(tree, chair):
    other = tree.admit(tree.primaries[2])
    before = _state()
    response = api_as(chair).patch(f"/members/{other.person_id}", {"phone": ""})
    assert response.status_code == 404
    assert _state() == before


# Leaving, transferring, erasing


def test_leaving_ends_the_membership(tree, chair):
    membership = tree.admit(tree.primaries[0])
    response = api_as(chair).post(
        f"/members/{membership.person_id}/leave",
        {"on": "2021-05-01", "reason": "retirement"},
    )
    assert response.status_code == 200
    assert response.json()["membership"]["left_on"] == "2021-05-01"
    membership.refresh_from_db()
    assert membership.leave_reason == LeaveReason.RETIREMENT


def test_leaving_for_a_reason_of_the_tree_is_refused(tree):
    """Transfers and closures have their own operations: not a reason to give."""
    membership = tree.admit(tree.primaries[0])
    before = _state()
    response = api_as(tree.admin).post(
        f"/members/{membership.person_id}/leave",
        {"on": "2021-05-01", "reason": "transfer"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "reason"
    assert _state() == before


def test_leaving_before_joining_is_refused(tree):
    membership = tree.admit(tree.primaries[0])
    before = _state()
    response = api_as(tree.admin).post(
        f"/members/{membership.person_id}/leave",
        {"on": "2019-05-01", "reason": "own_wish"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "on"
    assert _state() == before


def test_leaving_in_another_district_is_not_found(tree, chair):
    other = tree.admit(tree.primaries[2])
    before = _state()
    response = api_as(chair).post(
        f"/members/{other.person_id}/leave", {"on": "2021-05-01", "reason": "own_wish"}
    )
    assert response.status_code == 404
    assert _state() == before


def test_transferring_keeps_the_membership_continuous(tree, chair):
    """The old membership ends the day the new one starts."""
    membership = tree.admit(tree.primaries[0])
    response = api_as(chair).post(
        f"/members/{membership.person_id}/transfer",
        {"to_unit": tree.primaries[1].pk, "on": "2021-03-01"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["membership"]["org_unit"]["id"] == tree.primaries[1].pk
    assert body["membership"]["joined_on"] == "2021-03-01"
    assert body["memberships"][0]["left_on"] == "2021-03-01"


def test_transferring_into_a_non_primary_unit_is_refused(tree):
    """Only primary organizations hold members: 422 on to_unit, nothing moves."""
    membership = tree.admit(tree.primaries[0])
    before = _state()
    response = api_as(tree.admin).post(
        f"/members/{membership.person_id}/transfer",
        {"to_unit": tree.districts[1].pk, "on": "2021-03-01"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "to_unit"
    assert "primary organizations" in response.json()["detail"]
    assert _state() == before


def test_transferring_into_another_district_is_not_found(tree, chair):
    """A chair cannot send a member to a primary they do not keep."""
    membership = tree.admit(tree.primaries[0])
    before = _state()
    response = api_as(chair).post(
        f"/members/{membership.person_id}/transfer",
        {"to_unit": tree.primaries[2].pk, "on": "2021-03-01"},
    )
    assert response.status_code == 404
    assert _state() == before


def test_erasing_removes_the_person_and_keeps_the_trail(tree, chair):
    membership = tree.admit(tree.primaries[0])
    response = api_as(chair).delete(f"/members/{membership.person_id}")
    assert response.status_code == 204
    assert not Person.objects.filter(pk=membership.person_id).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.PERSON_DELETED, person_id=membership.person_id
    ).exists()


def test_erasing_in_another_district_is_not_found(tree, chair):
    other = tree.admit(tree.primaries[2])
    before = _state()
    assert api_as(chair).delete(f"/members/{other.person_id}").status_code == 404
    assert _state() == before


def test_read_only_roles_read_members_but_change_nothing(tree):
    """An accountant may read a member; every change answers 404."""
    accountant = grant(Role.ACCOUNTANT, tree.districts[0])
    membership = tree.admit(tree.primaries[0])
    api = api_as(accountant)
    assert api.get(f"/members/{membership.person_id}").status_code == 200
    before = _state()
    person = membership.person_id
    assert api.patch(f"/members/{person}", {"phone": ""}).status_code == 404
    assert api.delete(f"/members/{person}").status_code == 404
    assert (
        api.post(
            f"/members/{person}/leave", {"on": "2021-05-01", "reason": "own_wish"}
        ).status_code
        == 404
    )
    assert api.post("/members", _admission(tree.primaries[0])).status_code == 404
    assert _state() == before


# Personal data leaves the API only through audited readings


def test_the_list_carries_no_contact_details(tree, chair):
    """A list row shows what the staff list shows: contacts come with the record only.

    Otherwise any reader could page through a whole subtree's phones and emails, 500
    at a time, without the export right and without a trace in the audit trail.
    """
    membership = tree.admit(
        tree.primaries[0],
        phone="+7 701 000 00 00",
        email="a@example.kz",
        position="Учитель",
        consent_given_on=D(2020, 9, 1),
        consent_text_version="v1",
    )
    item = api_as(chair).get("/members").json()["items"][0]
    assert item["id"] == membership.person_id
    assert item["iin"] == membership.person.iin
    for field in ("phone", "email", "position", "consent_given_on"):
        assert field not in item
    assert "consent_text_version" not in item
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED).exists()
    record = api_as(chair).get(f"/members/{membership.person_id}").json()
    assert (record["phone"], record["email"]) == ("+7 701 000 00 00", "a@example.kz")


def test_an_empty_edit_is_a_reading_and_is_audited(tree, chair):
    """PATCH with nothing to change still answers the whole record: a view, audited."""
    membership = tree.admit(tree.primaries[0], phone="+7 701 000 00 00")
    response = api_as(chair).patch(f"/members/{membership.person_id}", {})
    assert response.status_code == 200
    assert response.json()["phone"] == "+7 701 000 00 00"
    viewed = AuditEvent.objects.filter(
        action=AuditAction.PERSON_VIEWED, person_id=membership.person_id
    )
    assert list(viewed.values_list("actor_id", flat=True)) == [chair.pk]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "", {"phone": "+7 702 111 22 33"}),
        ("post", "/leave", {"on": "2021-05-01", "reason": "own_wish"}),
        ("post", "/transfer", {"on": "2021-05-01"}),
    ],
)
def test_every_answer_with_the_record_is_an_audited_reading(
    tree, chair, method, path, body
):
    """A change answers with the member's record, as the staff page shows it after:
    that showing is a view of the record and is audited like one."""
    membership = tree.admit(tree.primaries[0])
    if path == "/transfer":
        body = {**body, "to_unit": tree.primaries[1].pk}
    response = getattr(api_as(chair), method)(
        f"/members/{membership.person_id}{path}", body
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.PERSON_VIEWED,
        person_id=membership.person_id,
        actor=chair,
    ).exists()


def test_readmission_answers_the_record_as_an_audited_reading(tree, chair):
    """Admitting a former member answers their whole history: a view, audited."""
    membership = tree.admit(tree.primaries[0])
    api = api_as(chair)
    api.post(
        f"/members/{membership.person_id}/leave",
        {"on": "2021-05-01", "reason": "own_wish"},
    )
    response = api.post(
        "/members",
        _admission(
            tree.primaries[1],
            iin=membership.person.iin,
            last_name=membership.person.last_name,
            first_name=membership.person.first_name,
            joined_on="2022-01-10",
        ),
    )
    assert response.status_code == 201
    assert len(response.json()["memberships"]) == 2
    assert AuditEvent.objects.filter(
        action=AuditAction.PERSON_VIEWED,
        person_id=membership.person_id,
        actor=chair,
    ).exists()


def test_the_history_does_not_name_organizations_of_another_district(tree, chair):
    """A member who came from another district: that organization is given by id only.

    The record is the chair's to read, but the name and code of a unit outside their
    subtrees are not, as on the staff pages and in the audit trail.
    """
    membership = tree.admit(tree.primaries[2])
    transfer_membership(
        actor=tree.admin,
        membership=membership,
        to_unit=tree.primaries[0],
        on=D(2021, 3, 1),
    )
    body = api_as(chair).get(f"/members/{membership.person_id}").json()
    came_from, now = body["memberships"]
    assert came_from["org_unit"] == {
        "id": tree.primaries[2].pk,
        "code": None,
        "name": None,
    }
    assert now["org_unit"]["name"] == tree.primaries[0].name
    assert tree.primaries[2].name not in json.dumps(body, ensure_ascii=False)
    assert tree.primaries[2].code not in json.dumps(body, ensure_ascii=False)
