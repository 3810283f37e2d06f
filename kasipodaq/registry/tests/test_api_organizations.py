import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kasipodaq.access.perms import Role
from kasipodaq.api.tests.client import api_as
from kasipodaq.audit.models import AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Employer,
    Level,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
    UnitStatus,
)
from kasipodaq.registry.models import LeaveReason, Membership
from kasipodaq.registry.tests.factories import grant, make_unit, valid_bin

pytestmark = pytest.mark.django_db
D = dt.date


def _state() -> tuple:
    """Everything an organization change could write."""
    return (
        list(OrgUnit.objects.order_by("pk").values_list("pk", "path", "status")),
        OrgPlacement.objects.count(),
        OrgEvent.objects.count(),
        EmployeeCount.objects.count(),
        Employer.objects.count(),
        AuditEvent.objects.count(),
        list(Membership.objects.order_by("pk").values_list("pk", "left_on")),
    )


@pytest.fixture
def chair(tree):
    """A chair of the first district: sees it and its two primaries only."""
    return grant(Role.CHAIR, tree.districts[0])


# Reading


def test_the_list_shows_what_the_user_may_see(tree, chair):
    """A district chair lists their district and its primaries, in tree order."""
    body = api_as(chair).get("/orgs").json()
    assert body["count"] == 3
    assert [u["id"] for u in body["items"]] == [
        tree.districts[0].pk,
        tree.primaries[0].pk,
        tree.primaries[1].pk,
    ]
    assert body["items"][1]["level"] == "primary"
    assert body["items"][1]["employer"]["sector"] == "school"


def test_the_list_filters_by_parent_level_status_and_text(tree):
    """Filters narrow the list: children of a parent, a level, a status, a search."""
    api = api_as(tree.admin)
    children = api.get("/orgs", parent=tree.regions[1].pk).json()
    assert {u["id"] for u in children["items"]} == {d.pk for d in tree.districts[2:]}
    assert api.get("/orgs", level="district").json()["count"] == 4
    assert api.get("/orgs", status="liquidated").json()["count"] == 0
    found = api.get("/orgs", q=tree.primaries[5].code).json()
    assert [u["id"] for u in found["items"]] == [tree.primaries[5].pk]
    assert api.get("/orgs", level="nonsense").status_code == 422


def test_the_list_refuses_a_parent_in_another_district(tree, chair):
    """Filtering by a parent outside the user's subtree answers 404."""
    response = api_as(chair).get("/orgs", parent=tree.districts[1].pk)
    assert response.status_code == 404


def test_the_list_query_count_does_not_grow_with_rows(tree):
    """3 units or 30 under a district: the same number of queries."""
    api = api_as(tree.admin)
    district = tree.districts[0]
    api.get("/orgs")  # the token's first use writes its last-use time

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/orgs", parent=district.pk, limit=100)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    make_unit(district, Level.PRIMARY)
    few = queries()
    for _ in range(27):
        make_unit(district, Level.PRIMARY)
    assert api.get("/orgs", parent=district.pk, limit=100).json()["count"] == 30
    assert queries() == few


def test_an_organization_comes_with_its_figures(tree):
    """Members, working members, employees and coverage of the subtree today."""
    tree.admit(tree.primaries[0])
    tree.admit(tree.primaries[1], category="student")
    body = api_as(tree.admin).get(f"/orgs/{tree.districts[0].pk}").json()
    assert body["code"] == tree.districts[0].code
    assert body["parent_id"] == tree.regions[0].pk
    assert body["figures"] == {
        "members": 2,
        "working": 1,
        "employees": 100,
        "coverage": 1.0,
    }


def test_an_organization_of_another_district_is_not_found(tree, chair):
    """A chair reading a neighbour district's unit gets 404, as if it did not exist."""
    api = api_as(chair)
    assert api.get(f"/orgs/{tree.primaries[2].pk}").status_code == 404
    assert api.get(f"/orgs/{tree.regions[0].pk}").status_code == 404
    assert api.get(f"/orgs/{tree.primaries[0].pk}").status_code == 200


# Creating and editing


def _new_primary(parent, **extra):
    return {
        "parent": parent.pk,
        "level": "primary",
        "code": "P-NEW",
        "name_ru": "Школа №7",
        "name_kk": "№7 мектеп",
        "opened_on": "2021-09-01",
        "employees": 40,
        "employer_bin": valid_bin(),
        "employer_name_ru": "Школа №7",
        "employer_sector": "school",
        **extra,
    }


def test_creating_a_primary_registers_its_employer(tree, chair):
    """A new primary under the chair's district, in a newly registered employer."""
    response = api_as(chair).post("/orgs", _new_primary(tree.districts[0]))
    assert response.status_code == 201
    body = response.json()
    unit = OrgUnit.objects.get(code="P-NEW")
    assert body["id"] == unit.pk
    assert unit.parent_id == tree.districts[0].pk
    assert body["employer"]["sector"] == "school"
    assert body["figures"]["employees"] == 40
    assert AuditEvent.objects.filter(object_type="orgunit", object_id=unit.pk).exists()


def test_creating_under_another_district_is_not_found(tree, chair):
    """The parent must be in the user's subtree: 404, and nothing is written."""
    before = _state()
    response = api_as(chair).post("/orgs", _new_primary(tree.districts[1]))
    assert response.status_code == 404
    assert _state() == before


def test_creating_a_primary_without_employer_is_refused(tree):
    """A primary organization needs an employer: 422 on employer_bin."""
    before = _state()
    response = api_as(tree.admin).post(
        "/orgs", _new_primary(tree.districts[0], employer_bin="")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "employer_bin"
    assert _state() == before


def test_creating_at_the_wrong_level_is_refused(tree):
    """A primary cannot sit directly under the central committee."""
    before = _state()
    response = api_as(tree.admin).post("/orgs", _new_primary(tree.central))
    assert response.status_code == 422
    assert response.json()["field"] == "parent"
    assert _state() == before


def test_editing_corrects_names_and_keeps_the_rest(tree, chair):
    """PATCH changes the fields sent and only those, with an audit row."""
    unit = tree.primaries[0]
    response = api_as(chair).patch(
        f"/orgs/{unit.pk}", {"name_ru": "Гимназия №1", "address": "ул. Абая, 1"}
    )
    assert response.status_code == 200
    unit.refresh_from_db()
    assert (unit.name_ru, unit.address) == ("Гимназия №1", "ул. Абая, 1")
    assert unit.name_kk == response.json()["name_kk"] != ""
    assert AuditEvent.objects.filter(object_id=unit.pk, before__isnull=False).exists()


def test_editing_refuses_blank_names(tree):
    """A name of spaces is refused by the schema: 422, nothing changes."""
    before = _state()
    response = api_as(tree.admin).patch(
        f"/orgs/{tree.primaries[0].pk}", {"name_ru": "   "}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "name_ru"
    assert _state() == before


def test_editing_another_district_is_not_found(tree, chair):
    response = api_as(chair).patch(f"/orgs/{tree.primaries[2].pk}", {"name_ru": "X"})
    assert response.status_code == 404
    assert OrgUnit.objects.get(pk=tree.primaries[2].pk).name_ru != "X"


# History actions


def test_moving_places_the_unit_under_another_parent(tree):
    """A primary moves to another district from the date given."""
    unit = tree.primaries[0]
    response = api_as(tree.admin).post(
        f"/orgs/{unit.pk}/move", {"parent": tree.districts[1].pk, "on": "2021-01-01"}
    )
    assert response.status_code == 200
    assert response.json()["parent_id"] == tree.districts[1].pk
    assert OrgPlacement.objects.filter(unit=unit, valid_to=D(2021, 1, 1)).exists()


def test_a_move_that_makes_a_cycle_is_refused(tree):
    """A district cannot go under its own primary: 422 on parent, nothing moves."""
    before = _state()
    response = api_as(tree.admin).post(
        f"/orgs/{tree.regions[0].pk}/move",
        {"parent": tree.districts[0].pk, "on": "2021-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "parent"
    assert "under itself or its own sub-organization" in response.json()["detail"]
    assert _state() == before


def test_moving_into_another_district_is_not_found(tree, chair):
    """A chair cannot move a primary to a district they do not manage."""
    before = _state()
    response = api_as(chair).post(
        f"/orgs/{tree.primaries[0].pk}/move",
        {"parent": tree.districts[1].pk, "on": "2021-01-01"},
    )
    assert response.status_code == 404
    assert _state() == before


def test_merging_moves_the_members(tree):
    """Merging one primary into another moves its members there."""
    member = tree.admit(tree.primaries[0])
    response = api_as(tree.admin).post(
        f"/orgs/{tree.primaries[0].pk}/merge",
        {"into": tree.primaries[1].pk, "on": "2021-01-01"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == UnitStatus.MERGED
    assert response.json()["merged_into_id"] == tree.primaries[1].pk
    current = Membership.objects.get(person_id=member.person_id, left_on=None)
    assert current.org_unit_id == tree.primaries[1].pk


def test_merging_into_another_level_is_refused(tree):
    before = _state()
    response = api_as(tree.admin).post(
        f"/orgs/{tree.primaries[0].pk}/merge",
        {"into": tree.districts[0].pk, "on": "2021-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "into"
    assert _state() == before


def test_merging_into_another_district_is_not_found(tree, chair):
    response = api_as(chair).post(
        f"/orgs/{tree.primaries[0].pk}/merge",
        {"into": tree.primaries[2].pk, "on": "2021-01-01"},
    )
    assert response.status_code == 404


def test_liquidating_ends_the_memberships(tree):
    """A liquidated primary closes and its members leave with that reason."""
    member = tree.admit(tree.primaries[0])
    response = api_as(tree.admin).post(
        f"/orgs/{tree.primaries[0].pk}/liquidate", {"on": "2021-01-01"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == UnitStatus.LIQUIDATED
    assert response.json()["closed_on"] == "2021-01-01"
    member.refresh_from_db()
    assert member.leave_reason == LeaveReason.ORG_LIQUIDATED


def test_liquidating_a_unit_with_sub_organizations_is_refused(tree):
    before = _state()
    response = api_as(tree.admin).post(
        f"/orgs/{tree.districts[0].pk}/liquidate", {"on": "2021-01-01"}
    )
    assert response.status_code == 422
    assert _state() == before


def test_liquidating_in_another_district_is_not_found(tree, chair):
    before = _state()
    response = api_as(chair).post(
        f"/orgs/{tree.primaries[2].pk}/liquidate", {"on": "2021-01-01"}
    )
    assert response.status_code == 404
    assert _state() == before


def test_leaving_the_union_closes_the_subtree(tree):
    """A region leaves with its districts and primaries; its members leave too."""
    member = tree.admit(tree.primaries[0])
    response = api_as(tree.admin).post(
        f"/orgs/{tree.regions[0].pk}/leave-union", {"on": "2022-01-01"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == UnitStatus.LEFT
    assert OrgUnit.objects.get(pk=tree.primaries[1].pk).status == UnitStatus.LEFT
    member.refresh_from_db()
    assert member.leave_reason == LeaveReason.ORG_LEFT_UNION


def test_leaving_the_union_from_below_is_not_found(tree, chair):
    """A district chair cannot take their own district out: the region decides."""
    before = _state()
    response = api_as(chair).post(
        f"/orgs/{tree.districts[0].pk}/leave-union", {"on": "2022-01-01"}
    )
    assert response.status_code == 404
    assert _state() == before


def test_recording_employees_updates_the_coverage(tree, chair):
    """A new count of employees counts from its date."""
    tree.admit(tree.primaries[0])
    response = api_as(chair).post(
        f"/orgs/{tree.primaries[0].pk}/employees",
        {"counted_on": "2021-01-01", "employees": 10},
    )
    assert response.status_code == 200
    assert response.json()["figures"]["employees"] == 10
    assert response.json()["figures"]["coverage"] == 10.0


def test_recording_employees_in_the_future_is_refused(tree):
    before = _state()
    future = (today() + dt.timedelta(days=40)).isoformat()
    response = api_as(tree.admin).post(
        f"/orgs/{tree.primaries[0].pk}/employees",
        {"counted_on": future, "employees": 10},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "counted_on"
    assert _state() == before


def test_recording_employees_in_another_district_is_not_found(tree, chair):
    response = api_as(chair).post(
        f"/orgs/{tree.primaries[2].pk}/employees",
        {"counted_on": "2021-01-01", "employees": 10},
    )
    assert response.status_code == 404


def test_read_only_roles_cannot_change_the_tree(tree):
    """An accountant reads the district but every change answers 404."""
    accountant = grant(Role.ACCOUNTANT, tree.districts[0])
    api = api_as(accountant)
    unit = tree.primaries[0]
    assert api.get(f"/orgs/{unit.pk}").status_code == 200
    before = _state()
    assert api.patch(f"/orgs/{unit.pk}", {"name_ru": "X"}).status_code == 404
    assert (
        api.post(f"/orgs/{unit.pk}/liquidate", {"on": "2021-01-01"}).status_code == 404
    )
    assert _state() == before
