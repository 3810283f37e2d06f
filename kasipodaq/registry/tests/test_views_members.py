"""The member pages: list, record, admission, changes — and who may reach them."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.registry import exports
from kasipodaq.registry.models import (
    Category,
    JoinMethod,
    LeaveReason,
    Membership,
    Person,
)
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.tests.factories import grant, valid_iin
from kasipodaq.registry.views import members as member_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """A browser that asks for English, so messages can be compared."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def chair(tree):
    """The chair of the first district (primaries 0 and 1)."""
    return grant(Role.CHAIR, tree.districts[0])


@pytest.fixture
def outsider(tree):
    """The chair of a neighbour district (primaries 2 and 3)."""
    return grant(Role.CHAIR, tree.districts[1])


@pytest.fixture
def member(tree):
    """A working member of the first primary organization."""
    return tree.admit(tree.primaries[0], last_name="Иванова", first_name="Мария").person


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def listed(response) -> list[int]:
    return [person.pk for person, _age, _membership in response.context["rows"]]


def bad_check_digit_iin() -> str:
    iin = valid_iin()
    return iin[:11] + str((int(iin[11]) + 1) % 10)


def admission_data(tree, **changes):
    data = {
        "org_unit": tree.primaries[0].code,
        "iin": valid_iin(dt.date(1992, 4, 5), "F"),
        "last_name": "Серикова",
        "first_name": "Асель",
        "patronymic": "",
        "birth_date": "",
        "sex": "",
        "phone": "+7 701 555 44 33",
        "email": "asel@example.kz",
        "position": "Учитель",
        "consent_given_on": "2024-01-10",
        "consent_text_version": "v1",
        "category": Category.WORKING,
        "joined_on": "2024-02-01",
        "join_method": JoinMethod.PAPER,
    }
    data.update(changes)
    return data


def details_data(person, **changes):
    data = {
        "iin": person.iin,
        "last_name": person.last_name,
        "first_name": person.first_name,
        "patronymic": person.patronymic,
        "birth_date": "",
        "sex": "",
        "phone": person.phone,
        "email": person.email,
        "position": person.position,
        "consent_given_on": "",
        "consent_text_version": "",
        "category": person.current_membership.category,
    }
    data.update(changes)
    return data


# The list


def test_list_shows_the_members_of_the_users_subtree_only(client, tree, chair):
    """A district chair lists the members of their district, not a neighbour's."""
    mine = [
        tree.admit(tree.primaries[0]).person,
        tree.admit(tree.primaries[1]).person,
    ]
    tree.admit(tree.primaries[2])
    client.force_login(chair)
    response = client.get(reverse("members:list"))
    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(p.pk for p in mine)


def test_primary_chair_sees_only_their_primary(client, tree):
    """A primary organization's chair lists only the members of that organization."""
    own = tree.admit(tree.primaries[0]).person
    tree.admit(tree.primaries[1])
    client.force_login(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    response = client.get(reverse("members:list"), {"status": "all"})
    assert listed(response) == [own.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("IIN", ["target"]),
        ("Жумабаев Ерлан", ["target"]),
        ("жумабаев", ["target", "namesake"]),
        ("8 (701) 222-33-44", ["target"]),
    ],
)
def test_list_searches_by_iin_name_or_phone(client, tree, chair, query, expected):
    """Search finds a member by IIN, by "last first" name, or by phone."""
    people = {
        "target": tree.admit(
            tree.primaries[0],
            last_name="Жумабаев",
            first_name="Ерлан",
            sex="M",
            phone="+7 701 222 33 44",
        ).person,
        "namesake": tree.admit(
            tree.primaries[1], last_name="Жумабаев", first_name="Бекзат", sex="M"
        ).person,
        "other": tree.admit(tree.primaries[0], last_name="Омарова").person,
    }
    client.force_login(chair)
    text = people["target"].iin if query == "IIN" else query
    response = client.get(reverse("members:list"), {"q": text})
    assert sorted(listed(response)) == sorted(people[k].pk for k in expected)


def test_list_filters_by_category_sex_age_and_status(client, tree, chair):
    """Each filter narrows the list to the members it describes."""
    now = today()
    young = tree.admit(
        tree.primaries[0],
        birth_date=dt.date(now.year - 25, 1, 1),
        category=Category.STUDENT,
    ).person
    middle = tree.admit(
        tree.primaries[0], birth_date=dt.date(now.year - 33, 1, 1), sex="M"
    ).person
    old = tree.admit(tree.primaries[1], birth_date=dt.date(now.year - 50, 1, 1))
    former = tree.admit(tree.primaries[1], joined_on=dt.date(2015, 1, 1)).person
    client.force_login(chair)
    url = reverse("members:list")

    def pks(**params):
        return sorted(listed(client.get(url, params)))

    assert pks() == sorted([young.pk, middle.pk, old.person.pk, former.pk])
    assert pks(category=Category.STUDENT) == [young.pk]
    assert pks(sex="M") == [middle.pk]
    assert pks(age="29") == [young.pk]
    assert pks(age="35") == sorted([young.pk, middle.pk])
    assert pks(age="36+") == sorted([old.person.pk, former.pk])

    client.post(
        reverse("members:leave", kwargs={"pk": former.pk}),
        {"on": "2020-01-01", "reason": LeaveReason.RETIREMENT},
    )
    assert pks(status="former") == [former.pk]
    assert former.pk not in pks()
    assert former.pk in pks(status="all")
    assert pks(category="nonsense") == pks()


def test_list_narrows_to_an_organization_and_names_it(client, tree, chair):
    """?org= limits the list to that subtree and shows the organization's name."""
    inside = tree.admit(tree.primaries[1]).person
    tree.admit(tree.primaries[0])
    client.force_login(chair)
    response = client.get(reverse("members:list"), {"org": tree.primaries[1].pk})
    assert listed(response) == [inside.pk]
    assert tree.primaries[1].name in page_text(response)
    assert response.context["unit"] == tree.primaries[1]


def test_list_of_an_organization_of_another_district_is_404(client, tree, outsider):
    """Naming an organization outside one's subtree answers 404."""
    client.force_login(outsider)
    response = client.get(reverse("members:list"), {"org": tree.primaries[0].pk})
    assert response.status_code == 404
    response = client.get(reverse("members:list"), {"org": "garbage"})
    assert response.status_code == 404


def test_list_answers_htmx_with_the_results_only(client, tree, chair, member):
    """A filter change made through htmx gets only the results, not the page."""
    client.force_login(chair)
    response = client.get(
        reverse("members:list"), {"q": "Иванова"}, HTTP_HX_REQUEST="true"
    )
    text = page_text(response)
    assert "<html" not in text
    assert member.full_name in text
    assert "HX-Request" in response["Vary"]
    full = client.get(reverse("members:list"), {"q": "Иванова"})
    assert "<html" in page_text(full)
    assert 'hx-push-url="true"' in page_text(full)


def test_list_paginates_fifty_to_a_page(client, tree, chair):
    """51 members make two pages; the second has one row and keeps the filters."""
    for _ in range(51):
        tree.admit(tree.primaries[0])
    client.force_login(chair)
    first = client.get(reverse("members:list"), {"status": "active"})
    assert len(first.context["rows"]) == 50
    assert "status=active&amp;page=2" in first.content.decode()
    second = client.get(reverse("members:list"), {"status": "active", "page": 2})
    assert len(second.context["rows"]) == 1


def test_list_query_count_does_not_grow_with_rows(client, tree, chair):
    """The list makes as many queries for 30 rows as for 3."""
    client.force_login(chair)
    url = reverse("members:list")
    params = {"org": tree.districts[0].pk}

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        tree.admit(tree.primaries[0])
    few = count_queries()
    for i in range(27):
        tree.admit(tree.primaries[i % 2])
    assert len(client.get(url, params).context["rows"]) == 30
    assert count_queries() == few


# The list on a date


@pytest.fixture
def over_time(tree):
    """Members of the first district: one since 2015 who left in 2021, one who
    joined in 2021, and one of the neighbour district in 2020."""
    left = tree.admit(
        tree.primaries[0],
        last_name="Ушедшая",
        joined_on=dt.date(2015, 1, 1),
        birth_date=dt.date(1992, 6, 1),
    )
    end_membership(
        actor=tree.admin,
        membership=left,
        on=dt.date(2021, 3, 1),
        reason=LeaveReason.OWN_WISH,
    )
    joined = tree.admit(
        tree.primaries[1], last_name="Новая", joined_on=dt.date(2021, 6, 1)
    )
    tree.admit(tree.primaries[2], last_name="Соседка", joined_on=dt.date(2015, 1, 1))
    return left.person, joined.person


def test_list_on_a_date_shows_that_days_members_and_says_so(
    client, tree, chair, over_time
):
    """?on= lists who was a member that day, with their age then, and the page says
    which date the list is for and that the status filter does not apply."""
    left, joined = over_time
    client.force_login(chair)
    url = reverse("members:list")
    response = client.get(url, {"on": "2020-01-01", "status": "active"})
    assert response.status_code == 200
    [(person, age, shown)] = response.context["rows"]
    assert (person, age) == (left, 27)
    assert (shown.org_unit, shown.joined_on) == (tree.primaries[0], dt.date(2015, 1, 1))
    text = page_text(response)
    assert "The members on Jan. 1, 2020" in text
    assert "The status filter does not apply to a date;" in text
    assert 'value="2020-01-01"' in text
    assert response.context["page"].paginator.count == 1
    later = client.get(url, {"on": "2021-06-01", "org": tree.primaries[1].pk})
    assert listed(later) == [joined.pk]
    today_list = client.get(url)
    assert listed(today_list) == [joined.pk]
    assert "The members on" not in page_text(today_list)


def test_list_refuses_a_date_in_the_future_and_keeps_it(client, tree, chair, over_time):
    """A future date is refused with a message, the date typed stays in the field,
    and the list shows today's members."""
    _left, joined = over_time
    client.force_login(chair)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = client.get(reverse("members:list"), {"on": tomorrow})
    assert response.status_code == 200
    text = page_text(response)
    assert "The date cannot be in the future." in text
    assert f'value="{tomorrow}"' in text
    assert "The members on" not in text
    assert listed(response) == [joined.pk]
    garbage = client.get(reverse("members:list"), {"on": "1 января"})
    assert "Enter a valid date." in page_text(garbage)
    assert 'value="1 января"' in page_text(garbage)


def test_list_on_a_date_of_another_districts_organization_is_404(
    client, tree, outsider
):
    """A date does not open an organization outside one's subtree."""
    client.force_login(outsider)
    response = client.get(
        reverse("members:list"), {"org": tree.primaries[0].pk, "on": "2020-01-01"}
    )
    assert response.status_code == 404


def test_htmx_asking_for_another_date_loads_the_whole_page(client, tree, chair):
    """The results alone would leave the page naming the old date (or hiding a
    refusal): a new date makes htmx load the whole page; the same date does not."""
    client.force_login(chair)
    url = reverse("members:list")
    response = client.get(
        url,
        {"on": "2020-01-01", "sex": "F"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/members/?sex=F",
    )
    assert response["HX-Redirect"] == f"{url}?on=2020-01-01&sex=F"
    assert b"<table" not in response.content
    same = client.get(
        url,
        {"on": "2020-01-01", "sex": "M"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/members/?on=2020-01-01&sex=F",
    )
    assert "HX-Redirect" not in same
    assert "<html" not in page_text(same) and "<table" in page_text(same)
    cleared = client.get(
        url,
        {"sex": "M"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/members/?on=2020-01-01&sex=M",
    )
    assert cleared["HX-Redirect"] == f"{url}?sex=M"


@pytest.mark.parametrize(
    "on_params",
    [{"org": "district", "on": "2021-01-01"}, {"on": "2021-01-01", "age": "29"}],
)
def test_list_on_a_date_query_count_does_not_grow_with_rows(
    client, tree, chair, on_params
):
    """On a date, the list makes as many queries for 30 rows as for 3."""
    client.force_login(chair)
    url = reverse("members:list")
    params = {**on_params}
    if "org" in params:
        params["org"] = tree.districts[0].pk

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        tree.admit(tree.primaries[0], birth_date=dt.date(1995, 1, 1))
    few = count_queries()
    for i in range(27):
        tree.admit(tree.primaries[i % 2], birth_date=dt.date(1995, 1, 1))
    assert len(client.get(url, params).context["rows"]) == 30
    assert count_queries() == few


def test_export_on_a_date_holds_that_days_members(client, tree, chair, over_time):
    """The export on a date has the rows of the list on that date, and the audit
    trail names the date."""
    left, _joined = over_time
    client.force_login(chair)
    response = client.get(
        reverse("members:export"), {"on": "2020-01-01", "format": "csv"}
    )
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.removeprefix(exports.BOM)), delimiter=";"))
    assert [row[0] for row in rows[1:]] == [left.iin]
    event = AuditEvent.objects.get(action=AuditAction.MEMBERS_EXPORTED)
    assert event.after is not None
    assert event.after["filters"]["on"] == "2020-01-01"
    assert event.after["rows"] == 1


def test_pages_require_signing_in(client, member):
    """An anonymous visitor is sent to sign in and sees nothing."""
    for url in (
        reverse("members:list"),
        reverse("members:detail", kwargs={"pk": member.pk}),
        reverse("members:admit"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert member.last_name not in page_text(response)


# The member's record


def test_member_page_shows_facts_and_history_with_transfer(client, tree, chair):
    """The record shows the person, the current membership and every past one."""
    old = tree.admit(
        tree.primaries[0],
        joined_on=dt.date(2019, 9, 1),
        last_name="Касымова",
        first_name="Дана",
        phone="+7 702 111 22 33",
    )
    transfer_membership(
        actor=tree.admin,
        membership=old,
        to_unit=tree.primaries[1],
        on=dt.date(2022, 1, 10),
    )
    person = old.person
    client.force_login(chair)
    response = client.get(reverse("members:detail", kwargs={"pk": person.pk}))
    assert response.status_code == 200
    text = page_text(response)
    for fact in (person.iin, "Касымова", "+7 702 111 22 33", "Female"):
        assert fact in text
    history = response.context["history"]
    assert [m.org_unit for m in history] == [tree.primaries[0], tree.primaries[1]]
    assert f"Transfer from {tree.primaries[0].name}" in text
    assert f"Transfer to {tree.primaries[1].name}" in text
    assert reverse("orgs:detail", kwargs={"pk": tree.primaries[0].pk}) in text
    assert reverse("members:transfer", kwargs={"pk": person.pk}) in text


def test_member_page_view_is_audited_once_per_view(client, tree, chair, member):
    """Each opening of a record writes one view event, naming person and user."""
    client.force_login(chair)
    url = reverse("members:detail", kwargs={"pk": member.pk})
    views = AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED)
    client.get(url)
    assert list(views.values_list("person_id", "actor_id")) == [(member.pk, chair.pk)]
    client.get(url)
    assert views.count() == 2


def test_member_page_of_another_district_is_404_and_not_audited(
    client, tree, outsider, member
):
    """A record outside one's subtree answers 404 and leaves no view event."""
    client.force_login(outsider)
    response = client.get(reverse("members:detail", kwargs={"pk": member.pk}))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED).exists()


def test_member_page_offers_only_allowed_actions(client, tree, member):
    """An accountant reads the record but is offered no change."""
    client.force_login(grant(Role.ACCOUNTANT, tree.districts[0]))
    response = client.get(reverse("members:detail", kwargs={"pk": member.pk}))
    assert response.status_code == 200
    text = page_text(response)
    for name in ("edit", "leave", "transfer", "delete"):
        assert reverse(f"members:{name}", kwargs={"pk": member.pk}) not in text


def test_member_page_links_to_the_audit_trail_for_auditors_only(
    client, tree, chair, member
):
    """An auditor of the subtree is offered the record's audit trail; a chair is not."""
    trail = reverse("audit:person", kwargs={"pk": member.pk})
    client.force_login(grant(Role.AUDITOR, tree.districts[0]))
    assert trail in page_text(
        client.get(reverse("members:detail", kwargs={"pk": member.pk}))
    )
    client.force_login(chair)
    assert trail not in page_text(
        client.get(reverse("members:detail", kwargs={"pk": member.pk}))
    )


# Admission


def test_admission_creates_the_member_and_shows_their_record(client, tree, chair):
    """A valid admission redirects to the new record with a success message."""
    client.force_login(chair)
    data = admission_data(tree)
    response = client.post(reverse("members:admit"), data, follow=True)
    person = Person.objects.get(iin=data["iin"])
    assert response.redirect_chain[-1][0] == reverse(
        "members:detail", kwargs={"pk": person.pk}
    )
    assert "was admitted" in page_text(response)
    membership = person.current_membership
    assert membership is not None
    assert membership.org_unit == tree.primaries[0]
    assert (membership.joined_on, membership.category) == (
        dt.date(2024, 2, 1),
        Category.WORKING,
    )
    assert (person.birth_date, person.sex) == (dt.date(1992, 4, 5), "F")
    assert person.consent_given_on == dt.date(2024, 1, 10)


def test_admission_form_preselects_the_organization(client, tree, chair):
    """?org= preselects the primary organization; another district's is 404."""
    client.force_login(chair)
    url = reverse("members:admit")
    response = client.get(url, {"org": tree.primaries[1].pk})
    assert response.status_code == 200
    assert response.context["form"]["org_unit"].value() == tree.primaries[1].code
    offered = list(response.context["form"].fields["org_unit"].offered)
    assert offered == sorted(tree.primaries[:2], key=lambda u: (u.name_ru, u.pk))
    assert client.get(url, {"org": tree.primaries[2].pk}).status_code == 404


def test_admission_form_fills_in_a_former_member(client, tree, chair, member):
    """?person= fills the form from a former member's record, which is a view."""
    client.force_login(chair)
    response = client.get(reverse("members:admit"), {"person": member.pk})
    form = response.context["form"]
    assert form["iin"].value() == member.iin
    assert form["last_name"].value() == member.last_name
    views = AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED)
    assert list(views.values_list("person_id", flat=True)) == [member.pk]


def test_admission_form_of_a_primary_chair_names_their_organization(client, tree):
    """A primary organization's chair finds their organization already chosen."""
    client.force_login(grant(Role.PRIMARY_CHAIR, tree.primaries[3]))
    response = client.get(reverse("members:admit"))
    assert response.context["form"]["org_unit"].value() == tree.primaries[3].code


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"iin": "bad"}, "iin", "check digit"),
        ({"birth_date": "1970-01-01"}, "birth_date", "contradicts the IIN"),
        ({"joined_on": "FUTURE"}, "joined_on", "cannot be in the future"),
        ({"org_unit": "DISTRICT"}, "org_unit", "Members are kept in primary"),
        ({"iin": "MEMBER"}, "iin", "already has an active membership"),
    ],
)
def test_refused_admission_shows_why_keeps_input_and_writes_nothing(
    client, tree, chair, member, changes, field, message
):
    """A refused admission explains itself on the form, keeps what was typed and
    changes nothing."""
    replace = {
        "bad": bad_check_digit_iin(),
        "FUTURE": (today() + dt.timedelta(days=1)).isoformat(),
        "DISTRICT": tree.districts[0].code,
        "MEMBER": member.iin,
    }
    data = admission_data(tree, **{k: replace.get(v, v) for k, v in changes.items()})
    events = AuditEvent.objects.count()
    client.force_login(chair)
    response = client.post(reverse("members:admit"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert 'value="Серикова"' in page_text(response)
    assert Person.objects.count() == 1
    assert Membership.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_admission_into_another_district_is_refused(client, tree, chair):
    """An organization outside one's subtree cannot be chosen."""
    client.force_login(chair)
    data = admission_data(tree, org_unit=tree.primaries[2].code)
    response = client.post(reverse("members:admit"), data)
    assert response.status_code == 200
    assert "org_unit" in response.context["form"].errors
    assert not Person.objects.exists()


# Changes to a member


def test_edit_saves_details_and_category(client, tree, chair, member):
    """Editing corrects the details and the current category, and is audited."""
    client.force_login(chair)
    data = details_data(member, phone="+7 777 000 11 22", category=Category.PENSIONER)
    response = client.post(reverse("members:edit", kwargs={"pk": member.pk}), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:detail", kwargs={"pk": member.pk})
    member.refresh_from_db()
    assert member.phone == "+7 777 000 11 22"
    assert member.current_membership.category == Category.PENSIONER
    assert AuditEvent.objects.filter(
        person_id=member.pk, action=AuditAction.PERSON_UPDATED
    ).exists()


def test_edit_form_shows_the_current_details_and_counts_as_a_view(
    client, tree, chair, member
):
    """The edit form is filled from the record; opening it is audited as a view."""
    client.force_login(chair)
    response = client.get(reverse("members:edit", kwargs={"pk": member.pk}))
    assert response.context["form"]["iin"].value() == member.iin
    assert response.context["form"]["category"].value() == Category.WORKING
    views = AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED)
    assert list(views.values_list("person_id", flat=True)) == [member.pk]


def test_edit_with_birth_date_contradicting_the_iin_is_refused(
    client, tree, chair, member
):
    """A birth date that contradicts the IIN is refused and nothing changes."""
    client.force_login(chair)
    data = details_data(member, birth_date="1970-01-01", phone="+7 777 000 11 22")
    response = client.post(reverse("members:edit", kwargs={"pk": member.pk}), data)
    assert response.status_code == 200
    assert "contradicts the IIN" in " ".join(
        response.context["form"].errors["birth_date"]
    )
    assert 'value="+7 777 000 11 22"' in page_text(response)
    member.refresh_from_db()
    assert member.phone == ""


def test_leave_ends_the_membership(client, tree, chair, member):
    """Ending a membership records the date and reason and returns to the record."""
    client.force_login(chair)
    response = client.post(
        reverse("members:leave", kwargs={"pk": member.pk}),
        {"on": "2023-06-30", "reason": LeaveReason.OWN_WISH},
        follow=True,
    )
    assert "has ended" in page_text(response)
    membership = Membership.objects.get(person=member)
    assert (membership.left_on, membership.leave_reason) == (
        dt.date(2023, 6, 30),
        LeaveReason.OWN_WISH,
    )


def test_leave_on_a_future_date_is_refused(client, tree, chair, member):
    """A date in the future is refused on the form and the membership stays open."""
    client.force_login(chair)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("members:leave", kwargs={"pk": member.pk}),
        {"on": tomorrow, "reason": LeaveReason.OWN_WISH},
    )
    assert response.status_code == 200
    assert "cannot be in the future" in " ".join(response.context["form"].errors["on"])
    assert f'value="{tomorrow}"' in page_text(response)
    assert Membership.objects.get(person=member).left_on is None


def test_leave_offers_only_personal_reasons(client, tree, chair, member):
    """Transfer and the tree's reasons are not chosen by hand."""
    client.force_login(chair)
    response = client.post(
        reverse("members:leave", kwargs={"pk": member.pk}),
        {"on": "2023-06-30", "reason": LeaveReason.TRANSFER},
    )
    assert "reason" in response.context["form"].errors
    assert Membership.objects.get(person=member).left_on is None


def test_transfer_moves_the_member_without_a_break(client, tree, chair, member):
    """A transfer closes one membership the day the next begins, in the chosen unit."""
    client.force_login(chair)
    url = reverse("members:transfer", kwargs={"pk": member.pk})
    form = client.get(url).context["form"]
    assert list(form.fields["to_unit"].offered) == [tree.primaries[1]]
    response = client.post(url, {"to_unit": tree.primaries[1].code, "on": "2023-03-01"})
    assert response.status_code == 302
    member.refresh_from_db()
    new = member.current_membership
    assert (new.org_unit, new.joined_on, new.join_method) == (
        tree.primaries[1],
        dt.date(2023, 3, 1),
        JoinMethod.TRANSFER,
    )
    assert new.transferred_from.left_on == dt.date(2023, 3, 1)


@pytest.mark.parametrize("target", ["district", "same"])
def test_transfer_to_a_unit_that_is_not_another_primary_is_refused(
    client, tree, chair, member, target
):
    """A district, or the member's own organization, is refused with the reason."""
    client.force_login(chair)
    code = tree.districts[0].code if target == "district" else tree.primaries[0].code
    response = client.post(
        reverse("members:transfer", kwargs={"pk": member.pk}),
        {"to_unit": code, "on": "2023-03-01"},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["to_unit"])
    assert ("primary organizations" if target == "district" else "already") in errors
    assert Membership.objects.filter(person=member).count() == 1


def test_transfer_into_another_district_is_refused(client, tree, chair, member):
    """An organization outside one's subtree is not a valid target."""
    client.force_login(chair)
    response = client.post(
        reverse("members:transfer", kwargs={"pk": member.pk}),
        {"to_unit": tree.primaries[2].code, "on": "2023-03-01"},
    )
    assert response.status_code == 200
    assert "to_unit" in response.context["form"].errors
    assert Membership.objects.filter(person=member).count() == 1


def test_delete_erases_a_record_after_confirmation(client, tree, chair, member):
    """Erasing asks for confirmation, then removes the person and keeps the trail."""
    client.force_login(chair)
    url = reverse("members:delete", kwargs={"pk": member.pk})
    assert client.get(url).status_code == 200
    unconfirmed = client.post(url, {})
    assert "confirm" in unconfirmed.context["form"].errors
    assert Person.objects.filter(pk=member.pk).exists()
    response = client.post(url, {"confirm": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:list")
    assert "was erased" in page_text(response)
    assert not Person.objects.filter(pk=member.pk).exists()
    assert AuditEvent.objects.filter(
        person_id=member.pk, action=AuditAction.PERSON_DELETED
    ).exists()


def test_a_service_refusing_permission_answers_404(
    client, tree, chair, member, monkeypatch
):
    """A PermissionRefused from a service is answered like a missing object."""

    def refuse(**kwargs):
        raise PermissionRefused("no")

    monkeypatch.setattr(member_views, "end_membership", refuse)
    client.force_login(chair)
    response = client.post(
        reverse("members:leave", kwargs={"pk": member.pk}),
        {"on": "2023-06-30", "reason": LeaveReason.OWN_WISH},
    )
    assert response.status_code == 404


# Who may reach what

MEMBER_PAGES = ["detail", "edit", "leave", "transfer", "delete"]
CHANGES = {
    "edit": lambda person: details_data(person, phone="+7 777 000 11 22"),
    "leave": lambda person: {"on": "2023-06-30", "reason": LeaveReason.OWN_WISH},
    "transfer": lambda person: {"to_unit": "", "on": "2023-03-01"},
    "delete": lambda person: {"confirm": "on"},
}


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_every_member_page_of_another_district_is_404(
    client, tree, outsider, member, name
):
    """A chair of another district gets 404 on every page and action, and no change."""
    client.force_login(outsider)
    url = reverse(f"members:{name}", kwargs={"pk": member.pk})
    assert client.get(url).status_code == 404
    if name in CHANGES:
        data = CHANGES[name](member)
        if name == "transfer":
            data["to_unit"] = tree.primaries[2].code
        assert client.post(url, data).status_code == 404
    member.refresh_from_db()
    assert member.phone == ""
    assert Membership.objects.get(person=member).left_on is None


def test_admission_into_another_district_by_org_is_404(client, tree, outsider):
    client.force_login(outsider)
    url = reverse("members:admit") + f"?org={tree.primaries[0].pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, admission_data(tree)).status_code == 404
    assert not Person.objects.exists()


@pytest.mark.parametrize("name", ["edit", "leave", "transfer", "delete"])
def test_accountant_cannot_change_members(client, tree, member, name):
    """An accountant reads and exports but gets 404 on every change."""
    accountant = grant(Role.ACCOUNTANT, tree.districts[0])
    client.force_login(accountant)
    url = reverse(f"members:{name}", kwargs={"pk": member.pk})
    assert client.get(url).status_code == 404
    data = CHANGES[name](member)
    if name == "transfer":
        data["to_unit"] = tree.primaries[1].code
    assert client.post(url, data).status_code == 404
    assert Membership.objects.filter(person=member).count() == 1
    assert Membership.objects.get(person=member).left_on is None


def test_accountant_cannot_admit(client, tree):
    client.force_login(grant(Role.ACCOUNTANT, tree.districts[0]))
    url = reverse("members:admit")
    assert client.get(url).status_code == 404
    assert client.post(url, admission_data(tree)).status_code == 404
    assert not Person.objects.exists()


# What another district's part of a record shows


@pytest.fixture
def newcomer(tree):
    """A member who came to the first district from a primary of the second."""
    came = tree.admit(
        tree.primaries[2], joined_on=dt.date(2019, 9, 1), last_name="Омарова"
    )
    transfer_membership(
        actor=tree.admin,
        membership=came,
        to_unit=tree.primaries[0],
        on=dt.date(2022, 1, 10),
    )
    return Person.objects.get(pk=came.person_id)


def test_member_page_does_not_name_another_districts_organization(
    client, tree, chair, newcomer
):
    """The history shows the member came by transfer, from an organization outside
    the chair's area that it does not name (as the audit trail does)."""
    client.force_login(chair)
    response = client.get(reverse("members:detail", kwargs={"pk": newcomer.pk}))
    assert response.status_code == 200
    text = page_text(response)
    assert tree.primaries[0].name in text
    assert tree.primaries[2].name not in text
    assert tree.primaries[2].code not in text
    assert f"Transfer from organization #{tree.primaries[2].pk}" in text


def test_erasing_a_record_with_history_in_another_district_is_refused(
    client, tree, chair, newcomer
):
    """The erase form explains the refusal and nothing is erased."""
    client.force_login(chair)
    url = reverse("members:delete", kwargs={"pk": newcomer.pk})
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 200
    assert "outside your area" in page_text(response)
    assert Membership.objects.filter(person=newcomer).count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_DELETED).exists()


def test_list_on_a_date_shows_the_membership_of_that_day(client, tree, chair):
    """A member transferred since: on the earlier date, the row names the school
    and the category they had then, not today's."""
    earlier = tree.admit(
        tree.primaries[0],
        joined_on=dt.date(2015, 1, 1),
        category=Category.STUDENT,
    )
    transfer_membership(
        actor=tree.admin,
        membership=earlier,
        to_unit=tree.primaries[1],
        on=dt.date(2022, 1, 10),
    )
    client.force_login(chair)
    response = client.get(reverse("members:list"), {"on": "2020-01-01"})
    [(_person, _age, shown)] = response.context["rows"]
    assert shown.pk == earlier.pk
    assert shown.org_unit == tree.primaries[0]
    assert tree.primaries[0].name in page_text(response)
