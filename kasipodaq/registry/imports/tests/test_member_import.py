"""Importing member files: checks across rows and the registry, all or none, upsert."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.orgtree.models import Level
from kasipodaq.registry.iin import FEMALE, MALE
from kasipodaq.registry.imports import bulk_load, member_merge, staging
from kasipodaq.registry.imports.reading import open_table
from kasipodaq.registry.imports.report import write_report
from kasipodaq.registry.imports.tests.jobs import run_file
from kasipodaq.registry.models import (
    ImportJob,
    ImportMode,
    ImportStatus,
    LeaveReason,
    Membership,
    Person,
    SavedMapping,
)
from kasipodaq.registry.services.imports import confirm_import, open_import
from kasipodaq.registry.services.organizations import liquidate_organization
from kasipodaq.registry.tests.factories import Tree, grant, make_unit, valid_iin

HEADER = (
    "ИИН;Фамилия;Имя;Отчество;Код организации;Категория;Дата вступления;"
    "Дата выбытия;Причина выбытия;Телефон"
)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def _file(tmp_path: Path, lines: list[str], name: str = "members.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _line(
    iin: str,
    org: str,
    *,
    last: str = "Ахметова",
    first: str = "Айгуль",
    joined: str = "01.09.2015",
    left: str = "",
    reason: str = "",
    category: str = "работающий",
    phone: str = "",
) -> str:
    return ";".join(
        [iin, last, first, "Сериковна", org, category, joined, left, reason, phone]
    )


_import = run_file


def _import_note(job: ImportJob) -> str:
    return f"Import #{job.pk}, file {job.original_name}"


def _problems(job: ImportJob) -> list[tuple[int, str, str, int]]:
    return list(job.problems.values_list("row_number", "field", "code", "other_row"))


def test_a_valid_file_creates_people_and_memberships_with_an_audit_event_each(
    tree: Tree, tmp_path: Path
) -> None:
    """Every row becomes a membership; every new person gets one trail event."""
    school = tree.primaries[0].code
    first, second = valid_iin(), valid_iin(dt.date(1990, 2, 3), MALE)
    path = _file(
        tmp_path,
        [
            _line(first, school, phone="+7 701 123 45 67"),
            _line(second, school, last="Серіков", first="Нұрлан", category="студент"),
        ],
    )

    job = _import(tree.admin, path)

    assert job.status == ImportStatus.DONE
    assert job.result["people_created"] == 2
    assert job.result["memberships_created"] == 2
    person = Person.objects.get(iin=first)
    assert (person.last_name, person.first_name, person.patronymic) == (
        "Ахметова",
        "Айгуль",
        "Сериковна",
    )
    assert person.phone == "+77011234567"
    assert person.sex == FEMALE
    assert person.current_membership is not None
    assert person.current_membership.org_unit == tree.primaries[0]
    assert person.current_membership.joined_on == dt.date(2015, 9, 1)
    assert Membership.objects.get(person__iin=second).category == "student"
    events = AuditEvent.objects.filter(action=AuditAction.PERSON_CREATED)
    assert set(events.values_list("person_id", flat=True)) == set(
        Person.objects.values_list("pk", flat=True)
    )
    assert {e.actor for e in events} == {tree.admin}
    assert {e.note for e in events} == {_import_note(job)}


def test_importing_the_same_file_again_changes_nothing(
    tree: Tree, tmp_path: Path
) -> None:
    """A second run finds every row unchanged and writes no row and no event."""
    path = _file(
        tmp_path,
        [
            _line(
                valid_iin(),
                tree.primaries[0].code,
                left="01.01.2020",
                reason="увольнение",
            ),
            _line(valid_iin(), tree.primaries[1].code),
        ],
    )
    _import(tree.admin, path)
    people = list(Person.objects.values())
    memberships = list(Membership.objects.values())
    events = AuditEvent.objects.count()

    again = _import(tree.admin, path)

    assert again.status == ImportStatus.DONE
    assert again.result == {
        "people_created": 0,
        "people_updated": 0,
        "memberships_created": 0,
        "memberships_updated": 0,
        "rows_unchanged": 2,
    }
    assert list(Person.objects.values()) == people
    assert list(Membership.objects.values()) == memberships
    assert AuditEvent.objects.count() == events


def test_changed_values_update_the_record_and_are_audited(
    tree: Tree, tmp_path: Path
) -> None:
    """A new last name and an ended period are updates, each with before and after."""
    iin = valid_iin()
    school = tree.primaries[0].code
    _import(tree.admin, _file(tmp_path, [_line(iin, school)]))

    job = _import(
        tree.admin,
        _file(
            tmp_path,
            [
                _line(
                    iin,
                    school,
                    last="Бекова",
                    left="01.02.2024",
                    reason="по собственному желанию",
                )
            ],
            name="second.csv",
        ),
    )

    assert job.result["people_updated"] == 1
    assert job.result["memberships_updated"] == 1
    person = Person.objects.get(iin=iin)
    assert person.last_name == "Бекова"
    membership = person.memberships.get()
    assert membership.left_on == dt.date(2024, 2, 1)
    assert membership.leave_reason == LeaveReason.OWN_WISH
    update = AuditEvent.objects.get(action=AuditAction.PERSON_UPDATED)
    assert (update.before, update.after) == (
        {"last_name": "Ахметова"},
        {"last_name": "Бекова"},
    )
    ended = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_UPDATED)
    assert ended.object_id == membership.pk
    assert ended.before == {"left_on": None, "leave_reason": ""}
    assert ended.after == {"left_on": "2024-02-01", "leave_reason": "own_wish"}


def test_an_empty_phone_in_the_file_keeps_the_registered_one(
    tree: Tree, tmp_path: Path
) -> None:
    iin = valid_iin()
    school = tree.primaries[0].code
    _import(tree.admin, _file(tmp_path, [_line(iin, school, phone="87011234567")]))

    job = _import(tree.admin, _file(tmp_path, [_line(iin, school)], name="b.csv"))

    assert job.result["people_updated"] == 0
    assert Person.objects.get(iin=iin).phone == "87011234567"


def test_histories_of_new_and_registered_people_each_end_in_their_latest_period(
    tree: Tree, tmp_path: Path
) -> None:
    """Periods of several people, out of order in the file, beside a registered
    person's new period: every period is its own person's, in its organization,
    and everyone's current membership is their latest."""
    school, college = tree.primaries[0].code, tree.primaries[1].code
    registered = valid_iin(dt.date(1970, 3, 4), MALE)
    _import(tree.admin, _file(tmp_path, [_line(registered, school)], name="a.csv"))
    newcomers = [valid_iin(dt.date(1980 + n, 1, 1), FEMALE) for n in range(3)]
    history = {
        # IIN: (organization, joined, left) per period, latest last.
        newcomers[0]: [
            (school, "2001", "2005"),
            (college, "2005", "2012"),
            (school, "2012", ""),
        ],
        newcomers[1]: [(college, "2010", "")],
        newcomers[2]: [(school, "2003", "2008"), (college, "2009", "")],
    }
    lines = [
        _line(
            iin,
            org,
            joined=f"01.02.{joined}",
            left=f"01.02.{left}" if left else "",
            reason="перевод" if left else "",
        )
        for iin, periods in history.items()
        for org, joined, left in periods
    ]
    lines.reverse()  # the latest periods first, people interleaved
    lines.insert(
        2,
        _line(
            registered, school, joined="01.09.2015", left="01.09.2020", reason="перевод"
        ),
    )
    lines.insert(4, _line(registered, college, joined="01.09.2020"))

    job = _import(tree.admin, _file(tmp_path, lines, name="b.csv"))

    assert job.status == ImportStatus.DONE
    assert job.result["people_created"] == 3
    assert job.result["memberships_created"] == 6 + 1
    for iin, periods in {
        **history,
        registered: [(school, "2015", "2020"), (college, "2020", "")],
    }.items():
        person = Person.objects.get(iin=iin)
        registered_periods = [
            (
                m.org_unit.code,
                f"{m.joined_on.year}",
                f"{m.left_on.year}" if m.left_on else "",
            )
            for m in person.memberships.order_by("joined_on")
        ]
        assert registered_periods == [
            (org, joined, left) for org, joined, left in periods
        ]
        assert person.current_membership == person.memberships.latest("joined_on")


def test_a_history_of_periods_loads_with_the_latest_as_current(
    tree: Tree, tmp_path: Path
) -> None:
    """Two periods of one IIN in two organizations: both kept, the later is current."""
    iin = valid_iin()
    path = _file(
        tmp_path,
        [
            _line(iin, tree.primaries[1].code, joined="01.09.2019", last="Бекова"),
            _line(
                iin,
                tree.primaries[0].code,
                joined="01.09.2010",
                left="01.09.2019",
                reason="перевод",
            ),
        ],
    )

    job = _import(tree.admin, path)

    person = Person.objects.get(iin=iin)
    assert job.result["memberships_created"] == 2
    assert person.memberships.count() == 2
    assert person.current_membership == person.memberships.get(
        org_unit=tree.primaries[1]
    )
    # The name comes from the latest period.
    assert person.last_name == "Бекова"


def test_a_new_period_of_a_registered_person_is_audited_as_started(
    tree: Tree, tmp_path: Path
) -> None:
    membership = tree.admit(tree.primaries[0], joined_on=dt.date(2015, 1, 1))
    iin = membership.person.iin
    path = _file(
        tmp_path,
        [
            _line(
                iin,
                tree.primaries[0].code,
                joined="01.01.2015",
                left="01.01.2020",
                reason="перевод",
            ),
            _line(iin, tree.primaries[1].code, joined="01.01.2020"),
        ],
    )

    job = _import(tree.admin, path)

    assert job.status == ImportStatus.DONE, _problems(job)
    started = AuditEvent.objects.filter(
        action=AuditAction.MEMBERSHIP_STARTED, note=_import_note(job)
    )
    assert [e.person_id for e in started] == [membership.person_id]
    person = Person.objects.get(pk=membership.person_id)
    assert person.current_membership == person.memberships.get(
        org_unit=tree.primaries[1]
    )


def test_one_bad_row_at_the_end_leaves_the_registry_as_it_was(
    tree: Tree, tmp_path: Path
) -> None:
    """All or nothing: the report names the row and the registry is untouched."""
    school = tree.primaries[0].code
    lines = [_line(valid_iin(), school) for _ in range(30)]
    lines.append(_line("123456789012", school))
    events = AuditEvent.objects.count()

    job = _import(tree.admin, _file(tmp_path, lines))

    assert job.status == ImportStatus.REJECTED
    assert job.rows_read == 31
    assert job.rows_rejected == 1
    assert _problems(job) == [(32, "iin", "iin_century", 0)]
    assert not Person.objects.exists()
    assert AuditEvent.objects.count() == events


def test_checking_only_writes_nothing_even_when_every_row_is_valid(
    tree: Tree, tmp_path: Path
) -> None:
    job = _import(
        tree.admin,
        _file(tmp_path, [_line(valid_iin(), tree.primaries[0].code)]),
        mode=ImportMode.CHECK,
    )

    assert job.status == ImportStatus.CHECKED
    assert job.rows_read == 1
    assert not Person.objects.exists()


def test_valid_rows_only_leaves_out_the_bad_rows_and_the_rest_of_their_iin(
    tree: Tree, tmp_path: Path
) -> None:
    """Half a history is never loaded: a bad period takes its IIN's other rows out."""
    school = tree.primaries[0].code
    good, partly_bad = valid_iin(), valid_iin()
    path = _file(
        tmp_path,
        [
            _line(good, school),
            _line(
                partly_bad, school, joined="01.09.2010", left="01.09.2012", reason="??"
            ),
            _line(partly_bad, school, joined="01.09.2013"),
        ],
    )

    job = _import(tree.admin, path, mode=ImportMode.VALID_ROWS)

    assert job.status == ImportStatus.DONE
    assert list(Person.objects.values_list("iin", flat=True)) == [good]
    assert _problems(job) == [
        (3, "leave_reason", "reason_unknown", 0),
        (4, "iin", "other_row_rejected", 0),
    ]
    assert job.rows_rejected == 2


def test_organizations_must_be_known_primary_and_open_over_the_period(
    tree: Tree, tmp_path: Path
) -> None:
    closed = make_unit(tree.districts[0], Level.PRIMARY, opened_on=dt.date(2010, 1, 1))
    liquidate_organization(actor=tree.admin, unit=closed, on=dt.date(2018, 1, 1))
    path = _file(
        tmp_path,
        [
            _line(valid_iin(), "NO-SUCH-CODE"),
            _line(valid_iin(), tree.districts[0].code),
            _line(
                valid_iin(),
                closed.code,
                joined="01.01.2005",
                left="01.01.2009",
                reason="увольнение",
            ),
            _line(valid_iin(), closed.code, joined="01.01.2012"),
            _line(
                valid_iin(),
                closed.code,
                joined="01.01.2012",
                left="01.01.2018",
                reason="ликвидация",
            ),
        ],
    )

    job = _import(tree.admin, path, mode=ImportMode.CHECK)

    assert _problems(job) == [
        (2, "org_code", "org_unknown", 0),
        (3, "org_code", "org_not_primary", 0),
        (4, "org_code", "org_not_open", 0),
        (5, "org_code", "org_closed", 0),
    ]


def test_a_regional_user_cannot_import_into_another_region(
    tree: Tree, tmp_path: Path
) -> None:
    """An organization outside the importer's subtree reads as unknown."""
    chair = grant(Role.CHAIR, tree.regions[0])
    other_region_school = tree.primaries[-1].code
    path = _file(
        tmp_path,
        [
            _line(valid_iin(), tree.primaries[0].code),
            _line(valid_iin(), other_region_school),
        ],
    )

    job = _import(chair, path)

    assert job.status == ImportStatus.REJECTED
    assert _problems(job) == [(3, "org_code", "org_unknown", 0)]
    assert not Person.objects.exists()


def test_a_person_registered_outside_the_importers_subtree_is_refused(
    tree: Tree, tmp_path: Path
) -> None:
    elsewhere = tree.admit(tree.primaries[-1], joined_on=dt.date(2015, 1, 1))
    chair = grant(Role.CHAIR, tree.regions[0])
    path = _file(
        tmp_path,
        [_line(elsewhere.person.iin, tree.primaries[0].code, joined="01.01.2015")],
    )

    job = _import(chair, path)

    assert _problems(job) == [(2, "iin", "person_out_of_scope", 0)]
    elsewhere.refresh_from_db()
    assert elsewhere.org_unit == tree.primaries[-1]


def test_overlapping_periods_of_one_iin_in_the_file_name_the_other_row(
    tree: Tree, tmp_path: Path
) -> None:
    iin = valid_iin()
    school = tree.primaries[0].code
    path = _file(
        tmp_path,
        [
            _line(iin, school, joined="01.09.2010"),
            _line(valid_iin(), school),
            _line(iin, school, joined="01.09.2015", last="Другая"),
        ],
    )

    job = _import(tree.admin, path, mode=ImportMode.CHECK)

    assert _problems(job) == [(4, "iin", "iin_repeated", 2)]


def test_a_period_overlapping_one_in_the_registry_is_refused(
    tree: Tree, tmp_path: Path
) -> None:
    """A different date joined is a different membership, and it may not overlap."""
    registered = tree.admit(tree.primaries[0], joined_on=dt.date(2015, 1, 1))
    path = _file(
        tmp_path,
        [_line(registered.person.iin, tree.primaries[1].code, joined="01.01.2019")],
    )

    job = _import(tree.admin, path)

    assert _problems(job) == [(2, "joined_on", "period_overlaps_registry", 0)]
    assert registered.person.memberships.count() == 1


def test_a_damaged_file_fails_with_its_message_and_writes_nothing(
    tree: Tree, tmp_path: Path
) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)

    with pytest.raises(DomainError):
        open_import(
            actor=tree.admin, kind="members", source=path, original_name="x.xlsx"
        )

    assert not ImportJob.objects.exists()


def test_a_user_without_the_right_to_manage_members_cannot_import(
    tree: Tree, tmp_path: Path
) -> None:
    reader = grant(Role.LEGAL_INSPECTOR, tree.central)
    path = _file(tmp_path, [_line(valid_iin(), tree.primaries[0].code)])

    with pytest.raises(PermissionRefused):
        open_import(actor=reader, kind="members", source=path, original_name="m.csv")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.pop("iin"), "«IIN»"),
        (lambda m: m.update(last_name=m["iin"]), "more than one"),
        (lambda m: m.update(phone=99), "Unknown column"),
        (lambda m: m.update(nonsense=11), "Unknown field"),
    ],
)
def test_a_mapping_without_a_required_field_or_with_clashes_is_refused(
    tree: Tree, tmp_path: Path, change: Any, message: str
) -> None:
    job = open_import(
        actor=tree.admin,
        kind="members",
        source=_file(tmp_path, [_line(valid_iin(), tree.primaries[0].code)]),
        original_name="m.csv",
    )
    mapping = dict(job.mapping)
    change(mapping)

    with translation.override("en"), pytest.raises(DomainError, match=message):
        confirm_import(
            actor=tree.admin,
            job=job,
            mapping=mapping,
            mode=ImportMode.CHECK,
            run=lambda pk: None,
        )

    job.refresh_from_db()
    assert job.status == ImportStatus.NEW


def test_a_saved_mapping_is_proposed_for_a_file_with_the_same_headers(
    tree: Tree, tmp_path: Path
) -> None:
    path = _file(tmp_path, [_line(valid_iin(), tree.primaries[0].code)])
    job = open_import(
        actor=tree.admin, kind="members", source=path, original_name="a.csv"
    )
    mapping = dict(job.mapping)
    mapping.pop("phone")
    confirm_import(
        actor=tree.admin,
        job=job,
        mapping=mapping,
        mode=ImportMode.CHECK,
        save_as="Карагандинский формат",
        run=lambda pk: None,
    )

    again = open_import(
        actor=tree.admin, kind="members", source=path, original_name="b.csv"
    )

    assert SavedMapping.objects.get().name == "Карагандинский формат"
    assert again.mapping == mapping


def test_the_error_report_holds_the_refused_rows_as_written_and_why(
    tree: Tree, tmp_path: Path
) -> None:
    """Row number, the original cells and the problems in the reader's language."""
    school = tree.primaries[0].code
    bad = _line("123456789012", school, joined="31.02.2020")
    job = _import(tree.admin, _file(tmp_path, [_line(valid_iin(), school), bad]))
    target = tmp_path / "report.xlsx"

    with translation.override("en"):
        written = write_report(job, str(target))

    assert written == 1
    report = open_table(target)
    assert report.headers == ["Row", *HEADER.split(";"), "Problems"]
    (row,) = list(report.rows())
    assert row.values[0] == "3"
    assert list(row.values[1:11]) == bad.split(";")[:10]
    assert row.values[11].splitlines() == [
        "«ИИН»: the IIN's seventh digit must be 1–6 (century of birth and sex).",
        "«Дата вступления» is not a date: write it as DD.MM.YYYY or YYYY-MM-DD.",
    ]


def test_a_job_is_queued_once_even_when_confirmed_twice_at_once(
    tree: Tree, tmp_path: Path
) -> None:
    """Two confirmations of one page (a double click, two tabs): the second refused."""
    path = _file(tmp_path, [_line(valid_iin(), tree.primaries[0].code)])
    job = open_import(actor=tree.admin, kind="members", source=path, original_name="a")
    stale = ImportJob.objects.get(pk=job.pk)
    started: list[int] = []
    confirm_import(
        actor=tree.admin,
        job=job,
        mapping=job.mapping,
        mode=ImportMode.CHECK,
        run=started.append,
    )

    with pytest.raises(DomainError, match="already run"):
        confirm_import(
            actor=tree.admin,
            job=stale,
            mapping=job.mapping,
            mode=ImportMode.ALL_OR_NOTHING,
            run=started.append,
        )

    job.refresh_from_db()
    assert (job.status, job.mode) == (ImportStatus.QUEUED, ImportMode.CHECK)


def _schema(tables: list[str]) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)
            UNION ALL
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid::regclass::text = ANY(%s)
            ORDER BY 1, 2
            """,
            [tables, tables],
        )
        return cursor.fetchall()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps its indexes throughout"
)
def test_a_large_first_load_rebuilds_indexes_and_constraints_exactly(
    tree: Tree, tmp_path: Path, monkeypatch: Any
) -> None:
    """The bulk path writes the same rows and leaves the schema as it found it."""
    monkeypatch.setattr(bulk_load, "BULK_MIN_ROWS", 0)
    tables = [Person._meta.db_table, Membership._meta.db_table]
    schema = _schema(tables)
    iin = valid_iin()
    school = tree.primaries[0].code
    path = _file(
        tmp_path,
        [
            _line(
                iin, school, joined="01.09.2010", left="01.09.2012", reason="перевод"
            ),
            _line(iin, tree.primaries[1].code, joined="01.09.2012"),
            _line(valid_iin(), school),
        ],
    )

    job = _import(tree.admin, path)

    assert job.result["people_created"] == 2
    assert _schema(tables) == schema
    person = Person.objects.get(iin=iin)
    assert person.current_membership == person.memberships.get(
        joined_on=dt.date(2012, 9, 1)
    )
    # The constraints hold again.
    other = Person.objects.exclude(pk=person.pk).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(iin=other.iin)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps its indexes throughout"
)
def test_a_file_the_registry_holds_rebuilds_no_index(
    tree: Tree, tmp_path: Path, monkeypatch: Any
) -> None:
    """Loaded again, a file adds nothing: no table's indexes are dropped (which
    would lock it against readers), though the file is as large as the tables."""
    school = tree.primaries[0].code
    lines = [_line(valid_iin(dt.date(1980 + n, 1, 1), MALE), school) for n in range(3)]
    _import(tree.admin, _file(tmp_path, lines, name="a.csv"))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Person._meta.db_table}")
        cursor.execute(f"ANALYZE {Membership._meta.db_table}")
    monkeypatch.setattr(bulk_load, "BULK_MIN_ROWS", 0)
    rebuilt: list[list[str]] = []
    rebuild = member_merge.indexes_rebuilt_after

    def recorded(models: Any) -> Any:
        rebuilt.append([model.__name__ for model in models])
        return rebuild(models)

    monkeypatch.setattr(member_merge, "indexes_rebuilt_after", recorded)

    again = _import(tree.admin, _file(tmp_path, lines, name="b.csv"))

    assert again.result["rows_unchanged"] == 3
    assert rebuilt == [[]]


def test_a_phone_written_another_way_is_the_same_phone(
    tree: Tree, tmp_path: Path
) -> None:
    """Spaces, dashes and brackets are how a phone is typed, not another phone."""
    membership = tree.admit(
        tree.primaries[0], joined_on=dt.date(2015, 9, 1), phone="+7 701 123 45 67"
    )
    person = membership.person
    path = _file(
        tmp_path,
        [
            _line(
                person.iin,
                tree.primaries[0].code,
                last=person.last_name,
                first=person.first_name,
                phone="+7 (701) 123-45-67",
            )
        ],
    )
    Person.objects.filter(pk=person.pk).update(patronymic="Сериковна")

    job = _import(tree.admin, path)

    assert job.result["people_updated"] == 0
    assert Person.objects.get(pk=person.pk).phone == "+7 701 123 45 67"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a setting of SQLite's")
def test_the_page_cache_grown_for_an_import_is_given_back(
    tree: Tree, tmp_path: Path
) -> None:
    """The import's large cache lasts as long as the import, not the connection."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()

    _import(tree.admin, _file(tmp_path, [_line(valid_iin(), tree.primaries[0].code)]))

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == before
    assert before != -staging.SQLITE_CACHE_KIB
