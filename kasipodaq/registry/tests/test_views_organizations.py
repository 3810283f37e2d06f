"""The organization pages: tree browser, organization page and history actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Employer,
    EventKind,
    Level,
    OrgEvent,
    OrgUnit,
    Sector,
    UnitStatus,
)
from kasipodaq.registry.models import Membership
from kasipodaq.registry.services.organizations import (
    merge_organization,
    move_organization,
)
from kasipodaq.registry.tests.factories import Tree, grant, make_unit, valid_bin

pytestmark = pytest.mark.django_db

EFFECTIVE = dt.date(2024, 1, 1)
ACTIONS = ["create", "edit", "employees", "move", "merge", "liquidate", "leave-union"]


@pytest.fixture
def client() -> Client:
    """A browser that asks for English, so messages read as in the code."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


def htmx_get(client: Client, url: str):
    return client.get(url, HTTP_HX_REQUEST="true")


def form_errors(response) -> str:
    """Every error of the page's form, field and non-field, as one text."""
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def employer_of(unit: OrgUnit) -> Employer:
    assert unit.employer is not None
    return unit.employer


def admin_of(tree: Tree) -> User:
    assert tree.admin is not None
    return tree.admin


def unit_state(unit: OrgUnit) -> tuple:
    fresh = OrgUnit.objects.get(pk=unit.pk)
    return (
        fresh.parent_id,
        fresh.path,
        fresh.status,
        fresh.closed_on,
        fresh.name_ru,
        OrgEvent.objects.count(),
        OrgUnit.objects.count(),
        Membership.objects.filter(left_on__isnull=True).count(),
    )


# --- tree browser ----------------------------------------------------------------


def test_tree_needs_sign_in(client, tree):
    """An anonymous visitor is sent to sign in."""
    response = client.get(reverse("orgs:tree"))
    assert response.status_code == 302
    assert reverse("accounts:sign-in") in response["Location"]


def test_tree_starts_at_home_units_with_member_counts(client, tree: Tree):
    """A district chair's tree starts at their district, with its member count."""
    tree.admit(tree.primaries[0])
    tree.admit(tree.primaries[1])
    tree.admit(tree.primaries[2])  # another district
    chair = grant(Role.CHAIR, tree.districts[0])
    response = signed_in(client, chair).get(reverse("orgs:tree"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.unit for row in rows] == [tree.districts[0]]
    assert rows[0].members == 2
    assert rows[0].expandable
    html = response.content.decode()
    assert reverse("orgs:children", args=[tree.districts[0].pk]) in html
    assert tree.districts[1].name_ru not in html
    assert tree.regions[0].name_ru not in html


def test_children_expand_in_place_with_counts(client, tree: Tree):
    """The children partial lists the rows under a node with their own counts."""
    tree.admit(tree.primaries[0])
    tree.admit(tree.primaries[0])
    tree.admit(tree.primaries[1])
    chair = grant(Role.CHAIR, tree.districts[0])
    url = reverse("orgs:children", args=[tree.districts[0].pk])
    response = htmx_get(signed_in(client, chair), url)
    assert response.status_code == 200
    counts = {row.unit: row.members for row in response.context["rows"]}
    assert counts == {tree.primaries[0]: 2, tree.primaries[1]: 1}
    html = response.content.decode()
    assert "<html" not in html
    assert "<li>" in html


def test_children_without_htmx_lead_to_the_organization_page(client, tree: Tree):
    """Opening the partial's address in a browser goes to the organization page."""
    url = reverse("orgs:children", args=[tree.districts[0].pk])
    response = signed_in(client, tree.admin).get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:detail", args=[tree.districts[0].pk])


def test_children_of_another_district_are_not_found(client, tree: Tree):
    """A chair of one district gets 404 for the rows of another."""
    chair = grant(Role.CHAIR, tree.districts[1])
    url = reverse("orgs:children", args=[tree.districts[0].pk])
    assert htmx_get(signed_in(client, chair), url).status_code == 404


def test_closed_children_are_left_out_of_the_tree(client, tree: Tree):
    """The tree shows open units only; a liquidated one disappears from it."""
    OrgUnit.objects.filter(pk=tree.primaries[1].pk).update(
        status=UnitStatus.LIQUIDATED, closed_on=EFFECTIVE
    )
    url = reverse("orgs:children", args=[tree.districts[0].pk])
    response = htmx_get(signed_in(client, tree.admin), url)
    assert [row.unit for row in response.context["rows"]] == [tree.primaries[0]]


def _children_queries(client: Client, user, parent: OrgUnit) -> int:
    url = reverse("orgs:children", args=[parent.pk])
    with CaptureQueriesContext(connection) as queries:
        response = htmx_get(client, url)
    assert response.status_code == 200
    return len(queries)


def test_children_queries_do_not_grow_with_children(client, tree: Tree):
    """Expanding a node with 30 children costs the same queries as with 3."""
    small = make_unit(tree.regions[0], Level.DISTRICT)
    large = make_unit(tree.regions[0], Level.DISTRICT)
    for _ in range(3):
        tree.admit(make_unit(small, Level.PRIMARY))
    for _ in range(30):
        tree.admit(make_unit(large, Level.PRIMARY))
    signed_in(client, tree.admin)
    few = _children_queries(client, tree.admin, small)
    many = _children_queries(client, tree.admin, large)
    assert few == many


def test_search_finds_by_code_name_and_bin_within_scope(client, tree: Tree):
    """Search matches code, name or BIN, only among the user's units."""
    chair = grant(Role.CHAIR, tree.districts[0])
    signed_in(client, chair)
    mine, theirs = tree.primaries[0], tree.primaries[2]
    for text in (mine.code, mine.name_ru, employer_of(mine).bin):
        response = client.get(reverse("orgs:tree"), {"q": text})
        assert [row.unit for row in response.context["rows"]] == [mine], text
    for text in (theirs.code, theirs.name_ru, employer_of(theirs).bin):
        response = client.get(reverse("orgs:tree"), {"q": text})
        assert response.context["rows"] == [], text


def test_search_queries_do_not_grow_with_results(client, tree: Tree):
    """A search listing 30 units costs the same queries as one listing 3."""
    signed_in(client, tree.admin)
    for prefix, n in (("Alpha", 3), ("Beta", 30)):
        for i in range(n):
            make_unit(tree.districts[0], Level.PRIMARY, name=f"{prefix} {i}")
    counts = []
    for prefix in ("Alpha", "Beta"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("orgs:tree"), {"q": prefix})
        assert len(response.context["rows"]) in (3, 30)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- organization page -----------------------------------------------------------


def test_detail_shows_figures_employer_and_history(client, tree: Tree):
    """The page shows members, working members, employees, coverage and the history."""
    unit = tree.primaries[0]
    tree.admit(unit)
    tree.admit(unit, category="pensioner")
    response = signed_in(client, tree.admin).get(reverse("orgs:detail", args=[unit.pk]))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.members, figures.working, figures.employees) == (2, 1, 50)
    assert figures.coverage == 2.0
    html = response.content.decode()
    assert employer_of(unit).bin in html
    assert employer_of(unit).name_ru in html
    assert str(Sector.SCHOOL.label) in html
    assert [e.kind for e in response.context["events"]] == [EventKind.CREATED]
    assert f"{reverse('members:list')}?org={unit.pk}" in html


def test_detail_history_names_who_recorded_the_change(client, tree: Tree):
    """A change made through the page appears in its history with its author."""
    signed_in(client, tree.admin)
    client.post(
        reverse("orgs:move", args=[tree.primaries[0].pk]),
        {"parent": tree.districts[1].pk, "on": EFFECTIVE.isoformat()},
    )
    response = client.get(reverse("orgs:detail", args=[tree.primaries[0].pk]))
    moved = response.context["events"][-1]
    assert moved.kind == EventKind.MOVED
    assert moved.recorded_by == tree.admin
    assert admin_of(tree).username in response.content.decode()


def test_breadcrumbs_stop_at_the_users_grants(client, tree: Tree):
    """A district chair sees their district in the breadcrumbs, nothing above it."""
    chair = grant(Role.CHAIR, tree.districts[0])
    url = reverse("orgs:detail", args=[tree.primaries[0].pk])
    response = signed_in(client, chair).get(url)
    assert response.context["ancestors"] == [tree.districts[0]]
    html = response.content.decode()
    assert reverse("orgs:detail", args=[tree.regions[0].pk]) not in html
    assert reverse("orgs:detail", args=[tree.central.pk]) not in html
    assert tree.regions[0].name_ru not in html


def test_detail_lists_sub_organizations_with_counts(client, tree: Tree):
    """The sub-organizations table gives each child's members."""
    tree.admit(tree.primaries[1])
    url = reverse("orgs:detail", args=[tree.districts[0].pk])
    response = signed_in(client, tree.admin).get(url)
    counts = {row.unit: row.members for row in response.context["children"]}
    assert counts == {tree.primaries[0]: 0, tree.primaries[1]: 1}


def test_detail_of_another_district_is_not_found(client, tree: Tree):
    """A chair of one district gets 404 for another district's organization."""
    chair = grant(Role.CHAIR, tree.districts[1])
    signed_in(client, chair)
    for unit in (tree.districts[0], tree.primaries[0]):
        assert client.get(reverse("orgs:detail", args=[unit.pk])).status_code == 404


def test_detail_shows_actions_only_to_managers(client, tree: Tree):
    """A district chair sees the history actions; a primary chair sees none."""
    unit = tree.primaries[0]
    url = reverse("orgs:detail", args=[unit.pk])
    chair = grant(Role.CHAIR, tree.districts[0])
    html = signed_in(client, chair).get(url).content.decode()
    for name in ("edit", "move", "merge", "liquidate", "leave-union", "create"):
        assert reverse(f"orgs:{name}", args=[unit.pk]) in html, name

    primary_chair = grant(Role.PRIMARY_CHAIR, unit)
    html = signed_in(Client(), primary_chair).get(url).content.decode()
    for name in ACTIONS:
        assert reverse(f"orgs:{name}", args=[unit.pk]) not in html, name


def test_district_chair_is_not_offered_to_take_their_district_out(client, tree: Tree):
    """Leaving the union is decided above: not offered on one's own home unit."""
    chair = grant(Role.CHAIR, tree.districts[0])
    url = reverse("orgs:detail", args=[tree.districts[0].pk])
    html = signed_in(client, chair).get(url).content.decode()
    assert reverse("orgs:leave-union", args=[tree.districts[0].pk]) not in html
    assert reverse("orgs:edit", args=[tree.districts[0].pk]) in html


def test_detail_queries_do_not_grow_with_sub_organizations(client, tree: Tree):
    """A unit with 30 sub-organizations costs the same queries as one with 3."""
    small = make_unit(tree.regions[0], Level.DISTRICT)
    large = make_unit(tree.regions[0], Level.DISTRICT)
    for _ in range(3):
        make_unit(small, Level.PRIMARY)
    for _ in range(30):
        make_unit(large, Level.PRIMARY)
    signed_in(client, tree.admin)
    counts = []
    for unit in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("orgs:detail", args=[unit.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- who may open the action pages ---------------------------------------------


@pytest.mark.parametrize("name", ACTIONS)
def test_primary_chair_cannot_manage_organizations(client, tree: Tree, name):
    """A primary chair has no ORG_MANAGE: every action answers 404, GET and POST."""
    unit = tree.primaries[0]
    user = grant(Role.PRIMARY_CHAIR, unit)
    url = reverse(f"orgs:{name}", args=[unit.pk])
    signed_in(client, user)
    before = unit_state(unit)
    assert client.get(url).status_code == 404
    response = client.post(url, {"on": EFFECTIVE.isoformat(), "confirm": "on"})
    assert response.status_code == 404
    assert unit_state(unit) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_chair_of_another_district_gets_404(client, tree: Tree, name):
    """A chair of district 1 cannot reach any action on district 0's units."""
    user = grant(Role.CHAIR, tree.districts[1])
    signed_in(client, user)
    for unit in (tree.districts[0], tree.primaries[0]):
        url = reverse(f"orgs:{name}", args=[unit.pk])
        before = unit_state(unit)
        assert client.get(url).status_code == 404
        response = client.post(url, {"on": EFFECTIVE.isoformat(), "confirm": "on"})
        assert response.status_code == 404
        assert unit_state(unit) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_action_pages_open_for_a_manager(client, tree: Tree, name):
    """The central administrator gets every action's form."""
    unit = tree.districts[0]
    response = signed_in(client, tree.admin).get(
        reverse(f"orgs:{name}", args=[unit.pk])
    )
    assert response.status_code == 200
    assert response.context["unit"] == unit


def test_accountant_cannot_manage(client, tree: Tree):
    """Read-only roles of a district get 404 on the actions of its units."""
    user = grant(Role.ACCOUNTANT, tree.districts[0])
    url = reverse("orgs:edit", args=[tree.primaries[0].pk])
    assert signed_in(client, user).get(url).status_code == 404


# --- create ------------------------------------------------------------------------


def create_data(**extra) -> dict:
    return {
        "level": Level.PRIMARY,
        "code": "NEW-1",
        "name_ru": "Школа № 7",
        "name_kk": "№ 7 мектеп",
        "region_code": "75",
        "address": "ул. Абая, 1",
        "on": EFFECTIVE.isoformat(),
        "employees": "40",
        "employer_bin": valid_bin(),
        "employer_name_ru": "КГУ Школа № 7",
        "employer_name_kk": "№ 7 мектеп КММ",
        "employer_sector": Sector.SCHOOL,
        **extra,
    }


def test_district_chair_creates_a_primary_with_a_new_employer(client, tree: Tree):
    """A new primary organization is opened under the district in a new employer."""
    chair = grant(Role.CHAIR, tree.districts[0])
    data = create_data()
    response = signed_in(client, chair).post(
        reverse("orgs:create", args=[tree.districts[0].pk]), data
    )
    unit = OrgUnit.objects.get(code="NEW-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:detail", args=[unit.pk])
    assert unit.parent == tree.districts[0]
    assert unit.level == Level.PRIMARY
    assert employer_of(unit).bin == data["employer_bin"]
    assert employer_of(unit).sector == Sector.SCHOOL
    assert unit.opened_on == EFFECTIVE
    assert EmployeeCount.objects.get(unit=unit).employees == 40
    assert OrgEvent.objects.get(unit=unit).recorded_by == chair


def test_create_offers_only_levels_allowed_under_the_parent(client, tree: Tree):
    """Under a region: districts and primaries; under a primary: groups."""
    signed_in(client, tree.admin)
    region = client.get(reverse("orgs:create", args=[tree.regions[0].pk]))
    choices = [value for value, _ in region.context["form"].fields["level"].choices]
    assert choices == [Level.DISTRICT, Level.PRIMARY]
    primary = client.get(reverse("orgs:create", args=[tree.primaries[0].pk]))
    choices = [value for value, _ in primary.context["form"].fields["level"].choices]
    assert choices == [Level.GROUP]


def test_union_group_needs_no_employer(client, tree: Tree):
    """A group sits in its primary's employer when none is entered."""
    primary = tree.primaries[0]
    data = create_data(
        level=Level.GROUP,
        code="G-1",
        employer_bin="",
        employer_name_ru="",
        employer_sector="",
    )
    response = signed_in(client, tree.admin).post(
        reverse("orgs:create", args=[primary.pk]), data
    )
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="G-1").employer == primary.employer


def test_create_with_a_taken_code_is_refused_keeping_input(client, tree: Tree):
    """A code already in use is refused on the code field; the input stays."""
    data = create_data(code=tree.primaries[2].code)
    signed_in(client, tree.admin)
    before = (OrgUnit.objects.count(), Employer.objects.count())
    response = client.post(reverse("orgs:create", args=[tree.districts[0].pk]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "already exists" in " ".join(form.errors["code"])
    assert form["name_ru"].value() == data["name_ru"]
    assert (OrgUnit.objects.count(), Employer.objects.count()) == before


def test_create_in_the_future_is_refused(client, tree: Tree):
    """An opening date after today is refused on the date field."""
    future = today() + dt.timedelta(days=2)
    data = create_data(on=future.isoformat())
    before = OrgUnit.objects.count()
    response = signed_in(client, tree.admin).post(
        reverse("orgs:create", args=[tree.districts[0].pk]), data
    )
    assert response.status_code == 200
    assert "cannot be in the future" in " ".join(response.context["form"].errors["on"])
    assert OrgUnit.objects.count() == before


def test_primary_without_employer_is_refused(client, tree: Tree):
    """A primary organization must name its employer's BIN."""
    data = create_data(employer_bin="")
    response = signed_in(client, tree.admin).post(
        reverse("orgs:create", args=[tree.districts[0].pk]), data
    )
    assert response.status_code == 200
    assert "employer_bin" in response.context["form"].errors
    assert not OrgUnit.objects.filter(code="NEW-1").exists()


def test_bad_bin_is_refused(client, tree: Tree):
    """A BIN with a wrong check digit is refused and nothing is created."""
    bad = valid_bin()
    bad = bad[:-1] + str((int(bad[-1]) + 1) % 10)
    data = create_data(employer_bin=bad)
    before = Employer.objects.count()
    response = signed_in(client, tree.admin).post(
        reverse("orgs:create", args=[tree.districts[0].pk]), data
    )
    assert response.status_code == 200
    assert "check digit" in " ".join(response.context["form"].errors["employer_bin"])
    assert Employer.objects.count() == before
    assert not OrgUnit.objects.filter(code="NEW-1").exists()


# --- edit and employees ------------------------------------------------------------


def test_edit_saves_names_address_and_region_and_audits(client, tree: Tree):
    """Edited details are saved and the change lands in the audit trail."""
    unit = tree.primaries[0]
    data = {
        "name_ru": "Школа-гимназия",
        "name_kk": "Мектеп-гимназия",
        "region_code": "19",
        "address": "пр. Достык, 5",
    }
    response = signed_in(client, tree.admin).post(
        reverse("orgs:edit", args=[unit.pk]), data
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.name_ru, unit.name_kk, unit.region_code, unit.address) == tuple(
        data.values()
    )
    event = AuditEvent.objects.filter(action=AuditAction.ORG_CHANGED).latest("pk")
    assert (event.after or {})["name_ru"] == "Школа-гимназия"


def test_edit_form_starts_with_the_current_details(client, tree: Tree):
    """The edit form is filled with what the unit has now."""
    unit = tree.primaries[0]
    response = signed_in(client, tree.admin).get(reverse("orgs:edit", args=[unit.pk]))
    assert response.context["form"]["name_ru"].value() == unit.name_ru


def test_edit_with_a_bad_region_code_changes_nothing(client, tree: Tree):
    """A region code that is not two digits is refused with a message."""
    unit = tree.primaries[0]
    data = {"name_ru": "X", "name_kk": "Y", "region_code": "7A", "address": ""}
    response = signed_in(client, tree.admin).post(
        reverse("orgs:edit", args=[unit.pk]), data
    )
    assert response.status_code == 200
    assert "two digits" in " ".join(response.context["form"].errors["region_code"])
    unit.refresh_from_db()
    assert unit.name_ru != "X"


def test_employees_are_recorded_on_a_date(client, tree: Tree):
    """The number of employees on a date is stored and used for coverage."""
    unit = tree.primaries[0]
    response = signed_in(client, tree.admin).post(
        reverse("orgs:employees", args=[unit.pk]),
        {"on": EFFECTIVE.isoformat(), "employees": "80"},
    )
    assert response.status_code == 302
    assert EmployeeCount.objects.get(unit=unit, counted_on=EFFECTIVE).employees == 80


def test_employees_in_the_future_are_refused(client, tree: Tree):
    """A count dated after today is refused and not stored."""
    future = today() + dt.timedelta(days=2)
    unit = tree.primaries[0]
    response = signed_in(client, tree.admin).post(
        reverse("orgs:employees", args=[unit.pk]),
        {"on": future.isoformat(), "employees": "80"},
    )
    assert response.status_code == 200
    assert "cannot be in the future" in form_errors(response)
    assert not EmployeeCount.objects.filter(unit=unit, counted_on=future).exists()


# --- move --------------------------------------------------------------------------


def test_move_to_a_listed_parent(client, tree: Tree):
    """A primary moves to another district of its region, chosen from the list."""
    unit = tree.primaries[0]
    signed_in(client, tree.admin)
    page = client.get(reverse("orgs:move", args=[unit.pk]))
    listed = list(page.context["form"].fields["parent"].queryset)
    assert tree.districts[1] in listed
    assert tree.districts[0] not in listed  # its current parent
    response = client.post(
        reverse("orgs:move", args=[unit.pk]),
        {"parent": tree.districts[1].pk, "on": EFFECTIVE.isoformat()},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.parent == tree.districts[1]
    assert unit.path.startswith(tree.districts[1].path)


def test_move_by_code(client, tree: Tree):
    """A primary moves under a district of another region given by its code."""
    unit = tree.primaries[0]
    response = signed_in(client, tree.admin).post(
        reverse("orgs:move", args=[unit.pk]),
        {"parent_code": tree.districts[3].code, "on": EFFECTIVE.isoformat()},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.parent == tree.districts[3]


def test_move_that_makes_a_cycle_is_refused(client, tree: Tree):
    """A region cannot be moved under its own district; nothing changes."""
    region = tree.regions[0]
    before = unit_state(region)
    response = signed_in(client, tree.admin).post(
        reverse("orgs:move", args=[region.pk]),
        {"parent_code": tree.districts[0].code, "on": EFFECTIVE.isoformat()},
    )
    assert response.status_code == 200
    assert "under itself or its own sub-organization" in form_errors(response)
    assert response.context["form"]["parent_code"].value() == tree.districts[0].code
    assert unit_state(region) == before


def test_move_to_a_parent_outside_the_users_area_is_refused(client, tree: Tree):
    """A district chair cannot move a unit to a district they do not manage."""
    chair = grant(Role.CHAIR, tree.districts[0])
    unit = tree.primaries[0]
    before = unit_state(unit)
    response = signed_in(client, chair).post(
        reverse("orgs:move", args=[unit.pk]),
        {"parent_code": tree.districts[1].code, "on": EFFECTIVE.isoformat()},
    )
    assert response.status_code == 200
    assert "No organization with code" in " ".join(
        response.context["form"].errors["parent_code"]
    )
    assert unit_state(unit) == before


def test_move_in_the_future_is_refused(client, tree: Tree):
    """A move dated after today is refused; nothing changes."""
    unit = tree.primaries[0]
    before = unit_state(unit)
    response = signed_in(client, tree.admin).post(
        reverse("orgs:move", args=[unit.pk]),
        {
            "parent": tree.districts[1].pk,
            "on": (today() + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "cannot be in the future" in form_errors(response)
    assert unit_state(unit) == before


def test_move_without_a_parent_is_refused(client, tree: Tree):
    """The form asks for a parent, from the list or by code."""
    unit = tree.primaries[0]
    response = signed_in(client, tree.admin).post(
        reverse("orgs:move", args=[unit.pk]), {"on": EFFECTIVE.isoformat()}
    )
    assert response.status_code == 200
    assert "enter its code" in form_errors(response)


# --- merge -------------------------------------------------------------------------


def test_merge_moves_members_and_closes_the_unit(client, tree: Tree):
    """Merging a primary into another moves its members there and closes it."""
    source, target = tree.primaries[1], tree.primaries[0]
    member = tree.admit(source)
    response = signed_in(client, tree.admin).post(
        reverse("orgs:merge", args=[source.pk]),
        {"into": target.code, "on": EFFECTIVE.isoformat()},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:detail", args=[target.pk])
    source.refresh_from_db()
    assert source.status == UnitStatus.MERGED
    assert source.merged_into == target
    active = Membership.objects.get(person=member.person, left_on__isnull=True)
    assert active.org_unit == target


def test_merge_into_another_level_is_refused(client, tree: Tree):
    """A primary cannot merge into a district: the service's message, no change."""
    source = tree.primaries[1]
    tree.admit(source)
    before = unit_state(source)
    response = signed_in(client, tree.admin).post(
        reverse("orgs:merge", args=[source.pk]),
        {"into": tree.districts[0].code, "on": EFFECTIVE.isoformat()},
    )
    assert response.status_code == 200
    assert "merges only into another of the same level" in " ".join(
        response.context["form"].errors["into"]
    )
    assert response.context["form"]["into"].value() == tree.districts[0].code
    assert unit_state(source) == before


def test_merge_page_warns_of_members_moving(client, tree: Tree):
    """The merge form says how many members will move."""
    tree.admit(tree.primaries[1])
    response = signed_in(client, tree.admin).get(
        reverse("orgs:merge", args=[tree.primaries[1].pk])
    )
    assert "1 member" in response.context["warning"]


# --- liquidate and leave the union -----------------------------------------------


def test_liquidation_closes_the_unit_and_ends_memberships(client, tree: Tree):
    """A liquidated primary is closed on the date and its members leave."""
    unit = tree.primaries[0]
    member = tree.admit(unit)
    response = signed_in(client, tree.admin).post(
        reverse("orgs:liquidate", args=[unit.pk]),
        {"on": EFFECTIVE.isoformat(), "confirm": "on"},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.status, unit.closed_on) == (UnitStatus.LIQUIDATED, EFFECTIVE)
    member.refresh_from_db()
    assert member.left_on == EFFECTIVE


def test_liquidation_needs_confirmation(client, tree: Tree):
    """Without the confirmation box ticked nothing is liquidated."""
    unit = tree.primaries[0]
    before = unit_state(unit)
    response = signed_in(client, tree.admin).post(
        reverse("orgs:liquidate", args=[unit.pk]), {"on": EFFECTIVE.isoformat()}
    )
    assert response.status_code == 200
    assert "confirm" in response.context["form"].errors
    assert unit_state(unit) == before


def test_liquidation_of_a_unit_with_children_is_refused(client, tree: Tree):
    """A district with open primaries cannot be liquidated; nothing changes."""
    district = tree.districts[0]
    tree.admit(tree.primaries[0])
    before = unit_state(district)
    response = signed_in(client, tree.admin).post(
        reverse("orgs:liquidate", args=[district.pk]),
        {"on": EFFECTIVE.isoformat(), "confirm": "on"},
    )
    assert response.status_code == 200
    assert "Move or merge its sub-organizations first" in form_errors(response)
    assert unit_state(district) == before


def test_liquidation_in_the_future_is_refused(client, tree: Tree):
    """A liquidation dated after today is refused; nothing changes."""
    unit = tree.primaries[0]
    before = unit_state(unit)
    response = signed_in(client, tree.admin).post(
        reverse("orgs:liquidate", args=[unit.pk]),
        {"on": (today() + dt.timedelta(days=2)).isoformat(), "confirm": "on"},
    )
    assert response.status_code == 200
    assert "cannot be in the future" in form_errors(response)
    assert unit_state(unit) == before


def test_region_leaves_the_union_with_its_subtree(client, tree: Tree):
    """A region leaving closes its whole subtree and ends every membership in it."""
    region = tree.regions[1]
    member = tree.admit(tree.primaries[4])
    response = signed_in(client, tree.admin).post(
        reverse("orgs:leave-union", args=[region.pk]),
        {"on": EFFECTIVE.isoformat(), "confirm": "on"},
    )
    assert response.status_code == 302
    assert not OrgUnit.objects.in_subtree(region).active().exists()
    member.refresh_from_db()
    assert member.left_on == EFFECTIVE


def test_district_chair_takes_a_primary_out_of_the_union(client, tree: Tree):
    """The chair of the district above may take a primary out of the union."""
    chair = grant(Role.CHAIR, tree.districts[0])
    unit = tree.primaries[0]
    response = signed_in(client, chair).post(
        reverse("orgs:leave-union", args=[unit.pk]),
        {"on": EFFECTIVE.isoformat(), "confirm": "on"},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.status == UnitStatus.LEFT


def test_district_chair_cannot_take_their_own_district_out(client, tree: Tree):
    """Leaving needs the right on the parent: a district chair gets 404 for theirs."""
    chair = grant(Role.CHAIR, tree.districts[0])
    district = tree.districts[0]
    before = unit_state(district)
    url = reverse("orgs:leave-union", args=[district.pk])
    signed_in(client, chair)
    assert client.get(url).status_code == 404
    response = client.post(url, {"on": EFFECTIVE.isoformat(), "confirm": "on"})
    assert response.status_code == 404
    assert unit_state(district) == before


def test_changes_are_only_made_by_post(client, tree: Tree):
    """Opening an action page changes nothing."""
    unit = tree.primaries[0]
    before = unit_state(unit)
    signed_in(client, tree.admin)
    for name in ACTIONS:
        client.get(reverse(f"orgs:{name}", args=[unit.pk]), {"on": "2024-01-01"})
    assert unit_state(unit) == before


@pytest.mark.parametrize("action", ["orgs:merge", "orgs:liquidate", "orgs:leave-union"])
def test_a_chair_cannot_close_their_own_unit(client, tree: Tree, action: str):
    """Closing a unit is decided above it: its own chair is answered 404."""
    chair = grant(Role.CHAIR, tree.districts[0])
    signed_in(client, chair)
    district = tree.districts[0]
    assert client.get(reverse(action, args=[district.pk])).status_code == 404
    page = client.get(reverse("orgs:detail", args=[district.pk]))
    assert reverse(action, args=[district.pk]).encode() not in page.content
    assert client.get(reverse(action, args=[tree.primaries[0].pk])).status_code == 200


# --- names of units outside the user's area ---------------------------------------


def test_history_does_not_name_units_outside_the_users_area(client, tree: Tree):
    """A primary that came from another district: its history names neither that
    district nor the region above the chair, only "organization #id", as the
    breadcrumbs and the audit trail do."""
    came = tree.primaries[2]
    move_organization(
        actor=admin_of(tree), unit=came, new_parent=tree.districts[0], on=EFFECTIVE
    )
    chair = grant(Role.CHAIR, tree.districts[0])
    signed_in(client, chair)
    html = client.get(reverse("orgs:detail", args=[came.pk])).content.decode()
    assert tree.districts[1].name_ru not in html
    assert f"organization #{tree.districts[1].pk}" in html
    assert tree.districts[0].name_ru in html
    html = client.get(reverse("orgs:detail", args=[tree.districts[0].pk])).content
    assert tree.regions[0].name_ru not in html.decode()


def test_merged_unit_does_not_name_a_target_outside_the_users_area(client, tree: Tree):
    """A primary merged into another district's: the chair sees it merged, not where."""
    merge_organization(
        actor=admin_of(tree),
        unit=tree.primaries[0],
        into=tree.primaries[2],
        on=EFFECTIVE,
    )
    chair = grant(Role.CHAIR, tree.districts[0])
    url = reverse("orgs:detail", args=[tree.primaries[0].pk])
    html = signed_in(client, chair).get(url).content.decode()
    assert tree.primaries[2].name_ru not in html
    assert f"organization #{tree.primaries[2].pk}" in html
