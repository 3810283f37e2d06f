"""The audit pages: who changed or viewed what, for the readers allowed to audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.audit.recording import record
from kasipodaq.registry.models import Membership
from kasipodaq.registry.services.organizations import UnitDetails, update_organization
from kasipodaq.registry.services.people import delete_person, details_of, edit_member
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.signals import membership_started
from kasipodaq.registry.tests.factories import Tree, grant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registry_events_only() -> Iterator[None]:
    """The trail's own events are counted here: the cards a membership starting
    issues (and their events) are left out; kasipodaq/cards tests those."""
    receivers = membership_started.receivers
    membership_started.receivers = []
    membership_started.sender_receivers_cache.clear()
    yield
    membership_started.receivers = receivers
    membership_started.sender_receivers_cache.clear()


@pytest.fixture
def client() -> Client:
    """A browser that asks for English, so labels read as in the code."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


def rename(tree: Tree, membership: Membership, last_name: str, actor=None) -> None:
    person = membership.person
    edit_member(
        actor=actor or tree.admin,
        person=person,
        details=replace(details_of(person), last_name=last_name),
    )


def admin_of(tree: Tree) -> User:
    assert tree.admin is not None
    return tree.admin


def viewed(person, by) -> AuditEvent:
    return record(
        actor=by, action=AuditAction.PERSON_VIEWED, target=person, person_id=person.pk
    )


def person_ids(response) -> set[int]:
    return {row.event.person_id for row in response.context["rows"]}


# --- the trail ---------------------------------------------------------------------


def test_trail_shows_changes_as_old_and_new_values(client, tree: Tree):
    """A change of a member's name reads "last name: old → new", newest first."""
    membership = tree.admit(tree.primaries[0], last_name="Ахметова")
    rename(tree, membership, "Иванова")
    response = signed_in(client, tree.admin).get(reverse("audit:events"))
    assert response.status_code == 200
    newest = response.context["rows"][0]
    assert newest.event.action == AuditAction.PERSON_UPDATED
    change = next(c for c in newest.changes if c.label == "last name")
    assert (change.old.text, change.new.text) == ("Ахметова", "Иванова")
    html = response.content.decode()
    assert "Ахметова → Иванова" in html
    assert reverse("audit:person", args=[membership.person_id]) in html
    assert reverse("audit:user", args=[admin_of(tree).pk]) in html


def test_trail_names_choices_organizations_and_dates_readably(client, tree: Tree):
    """Categories show their label, units their name, dates as dates."""
    membership = tree.admit(tree.primaries[0])
    transfer_membership(
        actor=tree.admin,
        membership=membership,
        to_unit=tree.primaries[1],
        on=dt.date(2024, 1, 1),
    )
    response = signed_in(client, tree.admin).get(reverse("audit:events"))
    transfer = response.context["rows"][0]
    assert transfer.event.action == AuditAction.MEMBERSHIP_TRANSFERRED
    unit_change = next(c for c in transfer.changes if c.label == "organization")
    assert unit_change.old.unit_pk == tree.primaries[0].pk
    assert tree.primaries[1].name_ru in unit_change.new.text
    started = next(
        row
        for row in response.context["rows"]
        if row.event.action == AuditAction.MEMBERSHIP_STARTED
    )
    category = next(c for c in started.changes if c.label == "category")
    assert category.new.text == "Working"
    joined = next(c for c in started.changes if c.label == "joined on")
    assert "2020" in joined.new.text and joined.new.text != "2020-09-01"


def test_district_auditor_sees_only_their_district(client, tree: Tree):
    """An auditor of district 0 sees its members' events, not district 1's."""
    mine = tree.admit(tree.primaries[0], last_name="Омарова")
    theirs = tree.admit(tree.primaries[2], last_name="Нурланова")
    auditor = grant(Role.AUDITOR, tree.districts[0])
    response = signed_in(client, auditor).get(reverse("audit:events"))
    assert response.status_code == 200
    assert person_ids(response) == {mine.person_id}
    html = response.content.decode()
    assert "Омарова" in html
    assert "Нурланова" not in html
    assert reverse("audit:person", args=[theirs.person_id]) not in html


def test_district_auditor_sees_changes_of_their_units_only(client, tree: Tree):
    """Organization changes show to the auditor of the subtree they happened in."""
    for unit in (tree.primaries[0], tree.primaries[2]):
        update_organization(
            actor=tree.admin,
            unit=unit,
            details=UnitDetails(
                code=unit.code,
                name_ru=unit.name_ru + " (новое)",
                name_kk=unit.name_kk,
                employer=unit.employer,
            ),
        )
    auditor = grant(Role.AUDITOR, tree.districts[0])
    response = signed_in(client, auditor).get(reverse("audit:events"))
    units = {row.unit for row in response.context["rows"] if row.unit}
    assert units == {tree.primaries[0]}


def test_deleted_peoples_events_show_to_the_central_administrator(client, tree: Tree):
    """Readers of the whole tree still see the trail of a person since deleted."""
    membership = tree.admit(tree.primaries[0])
    person_id = membership.person_id
    delete_person(actor=tree.admin, person=membership.person)
    response = signed_in(client, tree.admin).get(reverse("audit:events"))
    assert person_id in person_ids(response)
    assert "(deleted)" in response.content.decode()
    auditor = grant(Role.AUDITOR, tree.districts[0])
    response = signed_in(Client(), auditor).get(reverse("audit:events"))
    assert person_id not in person_ids(response)


@pytest.mark.parametrize(
    "role", [Role.CHAIR, Role.ORG_SPECIALIST, Role.ACCOUNTANT, Role.PRIMARY_CHAIR]
)
def test_staff_without_the_audit_right_get_404(client, tree: Tree, role):
    """Only central administrators and auditors read the trail."""
    unit = tree.primaries[0] if role == Role.PRIMARY_CHAIR else tree.districts[0]
    user = grant(role, unit)
    membership = tree.admit(tree.primaries[0])
    signed_in(client, user)
    assert client.get(reverse("audit:events")).status_code == 404
    url = reverse("audit:person", args=[membership.person_id])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("audit:user", args=[admin_of(tree).pk])).status_code == 404
    )


def test_trail_needs_sign_in(client, tree: Tree):
    """An anonymous visitor is sent to sign in."""
    response = client.get(reverse("audit:events"))
    assert response.status_code == 302
    assert reverse("accounts:sign-in") in response["Location"]


def test_trail_filters_by_actor_and_by_person(client, tree: Tree):
    """?actor= keeps one user's events, ?person= one person's."""
    first = tree.admit(tree.primaries[0])
    second = tree.admit(tree.primaries[1])
    chair = grant(Role.CHAIR, tree.districts[0])
    rename(tree, second, "Петрова", actor=chair)
    signed_in(client, tree.admin)
    by_chair = client.get(reverse("audit:events"), {"actor": chair.pk})
    assert {row.event.actor for row in by_chair.context["rows"]} == {chair}
    assert person_ids(by_chair) == {second.person_id}
    about_first = client.get(reverse("audit:events"), {"person": first.person_id})
    assert person_ids(about_first) == {first.person_id}
    assert len(about_first.context["rows"]) == 2


def test_filter_on_a_person_outside_scope_is_not_found(client, tree: Tree):
    """A district auditor cannot filter on a person of another district."""
    theirs = tree.admit(tree.primaries[2])
    auditor = grant(Role.AUDITOR, tree.districts[0])
    response = signed_in(client, auditor).get(
        reverse("audit:events"), {"person": theirs.person_id}
    )
    assert response.status_code == 404


def test_trail_is_paginated_by_fifty(client, tree: Tree):
    """The trail shows 50 events a page, newest first."""
    membership = tree.admit(tree.primaries[0])
    for _ in range(55):
        viewed(membership.person, tree.admin)
    signed_in(client, tree.admin)
    first = client.get(reverse("audit:events"))
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.count == 57
    ats = [row.event.pk for row in first.context["rows"]]
    assert ats == sorted(ats, reverse=True)
    second = client.get(reverse("audit:events"), {"page": 2})
    assert len(second.context["rows"]) == 7


def _trail_queries(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.context["rows"]), len(queries)


@pytest.mark.parametrize("role", [Role.CENTRAL_ADMIN, Role.AUDITOR])
def test_trail_queries_do_not_grow_with_rows(client, tree: Tree, role):
    """A page of 30 events costs the same queries as a page of 3."""
    reader = tree.admin if role == Role.CENTRAL_ADMIN else grant(role, tree.regions[0])
    signed_in(client, reader)
    tree.admit(tree.primaries[0])  # 2 events
    rename(tree, Membership.objects.get(), "Сейткали")  # 1 event
    rows_few, few = _trail_queries(client, reverse("audit:events"))
    for i in range(9):
        membership = tree.admit(tree.primaries[i % 4])
        rename(tree, membership, f"Фамилия{i}")
    rows_many, many = _trail_queries(client, reverse("audit:events"))
    assert (rows_few, rows_many) == (3, 30)
    assert few == many


# --- one member ----------------------------------------------------------------------


def test_person_trail_shows_changes_and_views(client, tree: Tree):
    """A member's trail holds the changes of their data and who opened the record."""
    membership = tree.admit(tree.primaries[0])
    other = tree.admit(tree.primaries[1])
    chair = grant(Role.CHAIR, tree.districts[0])
    viewed(membership.person, chair)
    url = reverse("audit:person", args=[membership.person_id])
    response = signed_in(client, tree.admin).get(url)
    assert response.status_code == 200
    actions = [row.event.action for row in response.context["rows"]]
    assert actions[0] == AuditAction.PERSON_VIEWED
    assert set(actions) == {
        AuditAction.PERSON_VIEWED,
        AuditAction.PERSON_CREATED,
        AuditAction.MEMBERSHIP_STARTED,
    }
    viewers = [
        row.event.actor
        for row in response.context["rows"]
        if row.event.action == AuditAction.PERSON_VIEWED
    ]
    assert viewers == [tree.admin, chair]  # reading the trail is itself recorded
    assert person_ids(response) == {membership.person_id}
    assert other.person_id not in person_ids(response)
    assert chair.username in response.content.decode()


def test_person_trail_of_another_district_is_not_found(client, tree: Tree):
    """An auditor of district 1 gets 404 for a member of district 0."""
    membership = tree.admit(tree.primaries[0])
    auditor = grant(Role.AUDITOR, tree.districts[1])
    url = reverse("audit:person", args=[membership.person_id])
    assert signed_in(client, auditor).get(url).status_code == 404


def test_person_trail_of_an_unknown_person_is_not_found(client, tree: Tree):
    """A person id that does not exist answers 404 as well."""
    url = reverse("audit:person", args=[999999])
    assert signed_in(client, tree.admin).get(url).status_code == 404


# --- one staff user ------------------------------------------------------------------


def test_user_trail_lists_their_actions(client, tree: Tree):
    """A staff user's page lists what they did, and their roles."""
    membership = tree.admit(tree.primaries[0])
    chair = grant(Role.CHAIR, tree.districts[0])
    viewed(membership.person, chair)
    rename(tree, membership, "Ким", actor=chair)
    auditor = grant(Role.AUDITOR, tree.districts[0])
    response = signed_in(client, auditor).get(reverse("audit:user", args=[chair.pk]))
    assert response.status_code == 200
    assert {row.event.actor for row in response.context["rows"]} == {chair}
    assert len(response.context["rows"]) == 2
    assert [g.unit for g in response.context["grants"]] == [tree.districts[0]]


def test_user_of_another_district_is_not_found(client, tree: Tree):
    """An auditor of district 0 gets 404 for a chair who only works in district 1."""
    membership = tree.admit(tree.primaries[2])
    other_chair = grant(Role.CHAIR, tree.districts[1])
    viewed(membership.person, other_chair)
    auditor = grant(Role.AUDITOR, tree.districts[0])
    url = reverse("audit:user", args=[other_chair.pk])
    assert signed_in(client, auditor).get(url).status_code == 404
    response = client.get(reverse("audit:events"), {"actor": other_chair.pk})
    assert response.status_code == 404


def test_user_who_acted_in_the_district_is_visible_to_its_auditor(client, tree: Tree):
    """The central administrator's actions in a district show to its auditor."""
    tree.admit(tree.primaries[0])
    tree.admit(tree.primaries[2])
    auditor = grant(Role.AUDITOR, tree.districts[0])
    url = reverse("audit:user", args=[admin_of(tree).pk])
    response = signed_in(client, auditor).get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2  # the person and membership created
    assert response.context["grants"] == []


def test_user_trail_queries_do_not_grow_with_rows(client, tree: Tree):
    """A staff user's page of 30 actions costs the same queries as one of 3."""
    signed_in(client, tree.admin)
    url = reverse("audit:user", args=[admin_of(tree).pk])
    membership = tree.admit(tree.primaries[0])
    viewed(membership.person, tree.admin)
    rows_few, few = _trail_queries(client, url)
    for i in range(9):
        rename(tree, tree.admit(tree.primaries[i % 4]), f"Фамилия{i}")
    rows_many, many = _trail_queries(client, url)
    assert (rows_few, rows_many) == (3, 30)
    assert few == many
