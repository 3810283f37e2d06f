"""Exporting the member list: the same rows as the list, one audit event, in scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry import exports
from kasipodaq.registry.models import Category, LeaveReason, Person
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.factories import grant

pytestmark = pytest.mark.django_db

HEADERS_EN = [
    "IIN",
    "Last name",
    "First name",
    "Patronymic",
    "Date of birth",
    "Sex",
    "Phone",
    "Email",
    "Organization code",
    "Organization",
    "Category",
    "Joined on",
    "Left on",
    "Reason for leaving",
]


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def chair(tree):
    return grant(Role.CHAIR, tree.districts[0])


@pytest.fixture
def people(tree):
    """Members of both primaries of the first district, one of another district."""
    made = [
        tree.admit(
            tree.primaries[0],
            last_name="Абенова",
            phone="+7 701 100 00 01",
            email="a@example.kz",
        ),
        tree.admit(tree.primaries[0], last_name="Бекова", category=Category.STUDENT),
        tree.admit(
            tree.primaries[1],
            last_name="Валиев",
            sex="M",
            birth_date=dt.date(1960, 3, 4),
            category=Category.STUDENT,
            patronymic="Маратович",
        ),
        tree.admit(tree.primaries[2], last_name="Галиева", category=Category.STUDENT),
    ]
    end_membership(
        actor=tree.admin,
        membership=made[2],
        on=dt.date(2023, 5, 1),
        reason=LeaveReason.RETIREMENT,
    )
    return [m.person for m in made]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def xlsx_rows(response) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def listed_iins(client, params) -> list[str]:
    response = client.get(reverse("members:list"), params)
    return [person.iin for person, _age in response.context["rows"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "all"},
        {"status": "all", "category": Category.STUDENT},
        {"status": "former"},
        {"q": "Бек"},
    ],
)
def test_csv_has_the_rows_of_the_filtered_list(client, tree, chair, people, params):
    """The CSV holds exactly the people the list shows for the same filters."""
    client.force_login(chair)
    response = client.get(reverse("members:export"), {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == HEADERS_EN
    assert [row[0] for row in rows[1:]] == listed_iins(client, params)


def test_csv_spells_out_every_column(client, tree, chair, people):
    """Codes become words, dates are ISO, the organization is named."""
    client.force_login(chair)
    response = client.get(
        reverse("members:export"), {"status": "all", "q": "Валиев", "format": "csv"}
    )
    valiev = people[2]
    membership = Person.objects.get(pk=valiev.pk).current_membership
    assert membership is not None
    assert csv_rows(response)[1:] == [
        [
            valiev.iin,
            "Валиев",
            "Айгуль",
            "Маратович",
            "1960-03-04",
            "Male",
            "",
            "",
            tree.primaries[1].code,
            tree.primaries[1].name_ru,
            "Student",
            membership.joined_on.isoformat(),
            "2023-05-01",
            "Retirement",
        ]
    ]


def test_xlsx_has_the_rows_of_the_filtered_list(client, tree, chair, people):
    """The workbook holds the same rows, with real dates and text IINs."""
    client.force_login(chair)
    params = {"status": "all", "category": Category.STUDENT}
    response = client.get(reverse("members:export"), {**params, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES[exports.XLSX]
    rows = xlsx_rows(response)
    assert list(rows[0]) == HEADERS_EN
    assert [row[0] for row in rows[1:]] == listed_iins(client, params)
    valiev = next(row for row in rows if row[1] == "Валиев")
    assert valiev[4].date() == dt.date(1960, 3, 4)
    assert valiev[12].date() == dt.date(2023, 5, 1)
    assert (valiev[5], valiev[10], valiev[13]) == ("Male", "Student", "Retirement")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_is_audited_once_with_filter_and_row_count(
    client, tree, chair, people, file_format
):
    """One event per export, whatever its size, naming the filter and row count."""
    client.force_login(chair)
    response = client.get(
        reverse("members:export"),
        {"status": "all", "org": tree.districts[0].pk, "format": file_format},
    )
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action=AuditAction.MEMBERS_EXPORTED)
    assert event.actor == chair
    assert event.after is not None
    assert event.after["rows"] == 3
    assert event.after["format"] == file_format
    assert event.after["filters"]["org"] == tree.districts[0].pk
    assert event.after["filters"]["status"] == "all"


def test_export_of_another_districts_organization_is_404(client, tree, people):
    """org= of an organization outside one's subtree answers 404 and exports nothing."""
    client.force_login(grant(Role.CHAIR, tree.districts[1]))
    response = client.get(
        reverse("members:export"), {"org": tree.primaries[0].pk, "format": "csv"}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBERS_EXPORTED).exists()


def test_primary_chair_exports_only_their_primary(client, tree, people):
    client.force_login(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    response = client.get(reverse("members:export"), {"format": "csv"})
    assert [row[0] for row in csv_rows(response)[1:]] == [
        people[0].iin,
        people[1].iin,
    ]


def test_accountant_exports_their_district(client, tree, people):
    """An accountant, who may only read and export, gets the file."""
    client.force_login(grant(Role.ACCOUNTANT, tree.districts[0]))
    response = client.get(reverse("members:export"), {"format": "csv"})
    assert response.status_code == 200
    assert len(csv_rows(response)) == 3


def test_export_needs_the_export_right(client, tree, people):
    """A role that may read but not export gets 404, and no event is written."""
    client.force_login(grant(Role.LEGAL_INSPECTOR, tree.districts[0]))
    assert client.get(reverse("members:list")).status_code == 200
    response = client.get(reverse("members:export"), {"format": "csv"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBERS_EXPORTED).exists()


def test_export_in_an_unknown_format_is_404(client, tree, chair):
    client.force_login(chair)
    assert client.get(reverse("members:export"), {"format": "pdf"}).status_code == 404


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_rows(client, tree, chair, file_format):
    """An export makes as many queries for 30 rows as for 3."""
    client.force_login(chair)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("members:export"), {"format": file_format})
            body = b"".join(response.streaming_content)
        assert body
        return len(ctx.captured_queries)

    for _ in range(3):
        tree.admit(tree.primaries[0])
    few = count_queries()
    for i in range(27):
        tree.admit(tree.primaries[i % 2])
    assert count_queries() == few


def test_csv_cells_cannot_become_formulas(tree, people):
    """Free text that a spreadsheet would run as a formula is quoted."""
    person = people[0]
    Person.objects.filter(pk=person.pk).update(last_name="=HYPERLINK(1)")
    chunks = exports.csv_chunks(
        exports.member_rows(Person.objects.filter(pk=person.pk))
    )
    body = "".join(chunks)
    row = next(csv.reader(io.StringIO(body.splitlines()[1]), delimiter=";"))
    assert row[1] == "'=HYPERLINK(1)"
    assert row[6] == "+7 701 100 00 01"


@pytest.fixture
def kazakh_name(tree):
    """The first primary organization gets a Kazakh name unlike its Russian one."""
    OrgUnit.objects.filter(pk=tree.primaries[0].pk).update(name_kk="Мектеп-ұйым")
    return "Мектеп-ұйым"


def test_rows_name_the_organization_in_the_language_of_the_request(
    tree, people, kazakh_name
):
    """In Kazakh the organization's Kazakh name is exported, else the Russian one."""
    queryset = Person.objects.filter(pk=people[0].pk)
    with translation.override("kk"):
        rows = list(exports.member_rows(queryset))
    assert rows[0][9] == kazakh_name
    with translation.override("ru"):
        rows = list(exports.member_rows(queryset))
    assert rows[0][9] == tree.primaries[0].name_ru


def test_language_is_fixed_when_rows_are_asked_for(tree, people, kazakh_name):
    """Rows consumed later (a streamed response) keep the request's language."""
    queryset = Person.objects.filter(pk=people[0].pk)
    with translation.override("kk"):
        chunks = exports.csv_chunks(exports.member_rows(queryset))
    with translation.override("ru"):
        body = "".join(chunks)
    assert kazakh_name in body


def test_an_organization_code_cannot_become_a_formula(tree, people):
    """The organization's code is staff-typed text too (no spaces needed for a
    formula such as =HYPERLINK(…)): it is quoted like the names."""
    OrgUnit.objects.filter(pk=tree.primaries[0].pk).update(code='=HYPERLINK("x")')
    chunks = exports.csv_chunks(
        exports.member_rows(Person.objects.filter(pk=people[0].pk))
    )
    row = next(csv.reader(io.StringIO("".join(chunks).splitlines()[1]), delimiter=";"))
    assert row[8] == '\'=HYPERLINK("x")'
