"""Exporting the member list: the same rows as the list, one audit event, in scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Level,
    OrgPlacement,
    OrgUnit,
    Sector,
)
from kasipodaq.registry import exports
from kasipodaq.registry.imports.headers import Field, guess_mapping
from kasipodaq.registry.imports.org_values import org_row_parser
from kasipodaq.registry.imports.reading import Row, open_table
from kasipodaq.registry.imports.values import member_row_parser
from kasipodaq.registry.models import Category, LeaveReason, Membership, Person
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.conftest import (
    CLOSED_ON,
    MERGED_ON,
    MOVED_ON,
    TAKEN_OVER_ON,
)
from kasipodaq.registry.tests.factories import FOUNDED, grant

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
    return [person.iin for person, _age, _membership in response.context["rows"]]


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


@pytest.mark.parametrize("history", ["", "1"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_rows(
    client, tree, chair, file_format, history
):
    """An export, of the list or the history, makes as many queries for 30 rows
    as for 3."""
    client.force_login(chair)
    params = {"format": file_format, "history": history}

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("members:export"), params)
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


# The membership history and the organizations: files the importer reads back.

LANGUAGES = ["ru", "kk", "en"]
FORMATS = ["csv", "xlsx"]


def read_back(sheet: exports.Sheet, path: Path) -> tuple[list[str], list[Row]]:
    """Write the sheet to `path` and read it as the importer does."""
    exports.write_file(sheet, path)
    table = open_table(path)
    return table.headers, list(table.rows())


@pytest.mark.parametrize("language", LANGUAGES)
def test_history_columns_are_those_of_a_member_import_file(language):
    """Each title maps to its field in the importer, none unrecognised or missing."""
    with translation.override(language):
        sheet = exports.member_history_rows(Person.objects.none())
    mapping = guess_mapping(sheet.headers, "members")
    assert mapping.unrecognised == []
    assert mapping.missing == []
    fields = [field for field, _lookup in exports.HISTORY_COLUMNS]
    assert fields == [
        Field.IIN,
        Field.LAST_NAME,
        Field.FIRST_NAME,
        Field.PATRONYMIC,
        Field.BIRTH_DATE,
        Field.SEX,
        Field.PHONE,
        Field.EMAIL,
        Field.ORG_CODE,
        Field.CATEGORY,
        Field.JOINED_ON,
        Field.LEFT_ON,
        Field.LEAVE_REASON,
    ]
    assert [mapping.index(field) for field in fields] == list(range(len(fields)))


@pytest.mark.parametrize("language", LANGUAGES)
def test_org_columns_are_those_of_an_organization_import_file(language):
    """Each title maps to its field in the importer, none unrecognised or missing."""
    with translation.override(language):
        sheet = exports.org_rows(OrgUnit.objects.none())
    mapping = guess_mapping(sheet.headers, "orgs")
    assert mapping.unrecognised == []
    assert mapping.missing == []
    fields = [field for field, _lookup in exports.ORG_COLUMNS]
    assert fields == [
        Field.CODE,
        Field.PARENT_CODE,
        Field.PLACED_FROM,
        Field.LEVEL,
        Field.NAME_RU,
        Field.NAME_KK,
        Field.BIN,
        Field.SECTOR,
        Field.EMPLOYEES,
        Field.OPENED_ON,
        Field.CLOSED_ON,
    ]
    assert [mapping.index(field) for field in fields] == list(range(len(fields)))


def test_history_has_a_row_per_period_ended_ones_with_their_reason(history):
    """A member who left and came back has two rows, the first with its reason."""
    person = history.returning
    assert person is not None
    p = history.tree.primaries
    with translation.override("en"):
        rows = list(exports.member_history_rows(Person.objects.filter(pk=person.pk)))
    common = (person.iin, "Ушедшая0", "Айгуль", "", person.birth_date, "Female", "", "")
    assert rows == [
        (
            *common,
            p[4].code,
            "Working",
            dt.date(2020, 9, 1),
            dt.date(2021, 3, 1),
            "Own wish",
        ),
        (*common, p[5].code, "Working", dt.date(2024, 1, 15), None, ""),
    ]


def test_history_is_ordered_by_iin_then_date_joined(history):
    rows = list(exports.member_history_rows(Person.objects.all()))
    keys = [(row[0], row[10]) for row in rows]
    assert keys == sorted(keys)
    assert len(rows) == Membership.objects.count()


def test_history_brings_every_period_of_the_people_given(history):
    """The people of one primary bring the periods they had elsewhere too."""
    p = history.tree.primaries
    rows = list(exports.member_history_rows(Person.objects.in_subtree(p[0])))
    people = set(Person.objects.in_subtree(p[0]).values_list("iin", flat=True))
    assert {row[0] for row in rows} == people
    assert {row[8] for row in rows} == {p[0].code, p[1].code}
    assert len(rows) == Membership.objects.filter(person__iin__in=people).count()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("suffix", FORMATS)
def test_every_history_row_parses_back_as_it_was(history, tmp_path, language, suffix):
    """The member importer reads every exported row without a problem, and reads
    the values of the registry: every category and every reason, in any language."""
    with translation.override(language):
        sheet = exports.member_history_rows(Person.objects.all())
    headers, rows = read_back(sheet, tmp_path / f"history.{suffix}")
    parse = member_row_parser(guess_mapping(headers, "members"), today=today())
    parsed = []
    for row in rows:
        value, problems = parse(row)
        assert problems == [], row
        assert value is not None
        parsed.append(
            (
                *value[1:7],
                "".join(c for c in value.phone if c.isdigit()),
                *value[8:],
            )
        )
    memberships = Membership.objects.select_related("person", "org_unit").order_by(
        "person__iin", "joined_on", "pk"
    )
    assert parsed == [
        (
            m.person.iin,
            m.person.last_name,
            m.person.first_name,
            m.person.patronymic,
            m.person.birth_date,
            m.person.sex,
            "".join(c for c in m.person.phone if c.isdigit()),
            m.person.email,
            m.org_unit.code,
            m.category,
            m.joined_on,
            m.left_on,
            m.leave_reason,
        )
        for m in memberships
    ]
    assert {row[9] for row in parsed} == set(Category.values)
    assert {row[12] for row in parsed} == {"", *LeaveReason.values}


def test_org_rows_put_parents_first_and_spell_out_codes(history):
    """Today's parents precede their children; level and sector in words; the
    employer's BIN; the latest count of employees; a merged unit keeps the parent
    it had."""
    tree = history.tree
    p = tree.primaries
    with translation.override("en"):
        rows = list(exports.org_rows(OrgUnit.objects.all()))
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows):
        first_row.setdefault(row[0], number)
    # A unit's last row is its placement today.
    by_code = {row[0]: row for row in rows}
    for code, row in by_code.items():
        assert row[1] is None or first_row[row[1]] < first_row[code], row
    assert len(rows) == OrgPlacement.objects.count()
    first = OrgUnit.objects.select_related("employer").get(pk=p[0].pk)
    assert first.employer is not None
    assert by_code[first.code] == (
        first.code,
        tree.districts[0].code,
        None,
        "Primary organization",
        first.name_ru,
        first.name_kk,
        first.employer.bin,
        "School",
        61,
        FOUNDED,
        None,
    )
    assert by_code[tree.central.code][1:4] == (None, None, "Central committee")
    merged = by_code[p[1].code]
    assert (merged[1], merged[10]) == (tree.districts[0].code, MERGED_ON)
    assert by_code[p[3].code][7] == "Other"
    assert history.group is not None
    assert by_code[history.group.code][1:4] == (p[0].code, None, "Union group")
    assert by_code[history.group.code][6:9] == (None, "", None)


def test_a_unit_that_moved_has_a_row_for_each_parent_it_stood_under(history):
    """The first from the date it opened, with no date of its own; each later one
    from the date it moved; the rest of the row the same. One never moved has one
    row."""
    tree = history.tree
    assert history.new_region is not None
    with translation.override("en"):
        rows = list(exports.org_rows(OrgUnit.objects.all()))
    of = {
        code: [row for row in rows if row[0] == code] for code in {r[0] for r in rows}
    }
    district = tree.districts[3]
    assert [row[1:3] for row in of[district.code]] == [
        (tree.regions[1].code, None),
        (history.new_region.code, TAKEN_OVER_ON),
    ]
    assert of[district.code][0][3:] == of[district.code][1][3:]
    school = tree.primaries[3]
    assert [(row[1], row[2], row[10]) for row in of[school.code]] == [
        (tree.districts[1].code, None, CLOSED_ON),
        (tree.districts[0].code, MOVED_ON, CLOSED_ON),
    ]
    assert [row[1:3] for row in of[tree.primaries[6].code]] == [(district.code, None)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("suffix", FORMATS)
def test_every_org_row_parses_back_as_it_was(history, tmp_path, language, suffix):
    """The organization importer reads every exported row without a problem, and
    reads the values of the registry: every level and sector, in any language,
    and every placement."""
    with translation.override(language):
        sheet = exports.org_rows(OrgUnit.objects.all())
    headers, rows = read_back(sheet, tmp_path / f"orgs.{suffix}")
    parse = org_row_parser(guess_mapping(headers, "orgs"), today=today())
    parsed = []
    for row in rows:
        value, problems = parse(row)
        assert problems == [], row
        assert value is not None
        parsed.append(tuple(value[1:]))
    # Later counts overwrite earlier ones.
    latest = dict(
        EmployeeCount.objects.order_by("counted_on").values_list("unit_id", "employees")
    )
    placements = OrgPlacement.objects.select_related(
        "parent", "unit__employer"
    ).order_by("unit__path", "valid_from")
    assert parsed == [
        (
            u.code,
            pl.parent.code if pl.parent else "",
            u.level,
            u.name_ru,
            u.name_kk,
            u.employer.bin if u.employer else "",
            u.employer.sector if u.employer else "",
            latest.get(u.pk),
            u.opened_on,
            u.closed_on,
            None if pl.valid_from == u.opened_on else pl.valid_from,
        )
        for pl in placements
        for u in [pl.unit]
    ]
    assert {row[2] for row in parsed} == set(Level.values)
    assert {row[6] for row in parsed} == {"", *Sector.values}
    assert {row[10] for row in parsed} > {None}


@pytest.mark.parametrize("make", [exports.member_history_rows, exports.org_rows])
def test_rows_are_read_in_one_query_whatever_their_number(
    history, monkeypatch, django_assert_max_num_queries, make
):
    """Rows come in chunks of one query, with no query per row."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    model = Person if make is exports.member_history_rows else OrgUnit
    with django_assert_max_num_queries(1):
        rows = list(make(model.objects.all()))
    assert len(rows) > 3 * exports.CHUNK_SIZE


def test_a_failed_write_leaves_no_file(tmp_path):
    """A file is complete or absent: nothing is left of an export that failed."""

    def failing() -> Iterator[exports.Row]:
        yield ("1",)
        raise RuntimeError("the database went away")

    for suffix in FORMATS:
        sheet = exports.Sheet(
            title="t",
            headers=["a"],
            rows=failing(),
            text_columns=frozenset(),
            widths=(),
        )
        with pytest.raises(RuntimeError):
            exports.write_file(sheet, tmp_path / f"out.{suffix}")
    assert list(tmp_path.iterdir()) == []


def test_history_download_holds_every_period_and_is_audited(client, history):
    """?history=1 on the list's export gives the membership history of the people
    listed, ended periods too, and the audit event says so."""
    tree = history.tree
    chair = grant(Role.CHAIR, tree.districts[0])
    client.force_login(chair)
    response = client.get(
        reverse("members:export"), {"status": "all", "history": "1", "format": "csv"}
    )
    assert response.status_code == 200
    assert "members-history-" in response["Content-Disposition"]
    rows = csv_rows(response)
    with translation.override("en"):
        assert rows[0] == exports.member_history_rows(Person.objects.none()).headers
    people = Person.objects.in_subtree(tree.districts[0])
    periods = Membership.objects.filter(person__in=people)
    assert len(rows) - 1 == periods.count() > people.count()
    transferred = history.left_for[LeaveReason.TRANSFER]
    assert [row[11:] for row in rows if row[0] == transferred.iin] == [
        [MERGED_ON.isoformat(), "Transfer"],
        ["", ""],
    ]
    event = AuditEvent.objects.get(action=AuditAction.MEMBERS_EXPORTED)
    assert event.actor == chair
    assert event.after is not None
    assert (event.after["history"], event.after["rows"]) == (True, periods.count())


def test_member_list_offers_the_history_download(client, tree, chair):
    client.force_login(chair)
    response = client.get(reverse("members:list"))
    assert "history=1&amp;format=xlsx" in response.content.decode()
    assert "history=1&amp;format=csv" in response.content.decode()
