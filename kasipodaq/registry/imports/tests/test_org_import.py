"""Importing organization files: checks across rows and the registry, upsert, history
(a file of the past loads closed units with their dates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.orgtree import changes
from kasipodaq.orgtree.as_of import subtree_ids_as_of
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Employer,
    EventKind,
    Level,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
    Sector,
    UnitStatus,
)
from kasipodaq.orgtree.paths import child_path
from kasipodaq.registry.imports.headers import Field
from kasipodaq.registry.imports.report import job_problems
from kasipodaq.registry.imports.tests.jobs import run_file
from kasipodaq.registry.imports.values import MESSAGES, RowProblem, problem_message
from kasipodaq.registry.models import (
    ImportJob,
    ImportMode,
    ImportStatus,
    LeaveReason,
    Membership,
)
from kasipodaq.registry.services.organizations import liquidate_organization
from kasipodaq.registry.tests.factories import (
    FOUNDED,
    Tree,
    grant,
    make_unit,
    valid_bin,
)

HEADER = (
    "Код;Код вышестоящей;Уровень;Наименование (рус);Атауы (қаз);БИН;Отрасль;"
    "Численность работников;Дата открытия;Дата закрытия"
)
# With the date each row's parent holds the unit from («Дата перевода» in Russian
# staff files too).
PLACED_HEADER = HEADER + ";В составе с"
LEVEL_WORDS: dict[str, str] = {
    Level.CENTRAL: "ЦК",
    Level.REGION: "областная",
    Level.DISTRICT: "районный",
    Level.PRIMARY: "первичная",
    Level.GROUP: "профгруппа",
}
# The problem codes of organization files found across rows and in the registry.
ORG_CHECK_CODES = (
    "code_repeated",
    "code_row_refused",
    "placed_repeated",
    "placed_opened",
    "placed_after_closed",
    "placed_same_parent",
    "placement_changed",
    "code_out_of_scope",
    "parent_unknown",
    "parent_level",
    "parent_cycle",
    "parent_closed",
    "parent_refused",
    "central_exists",
    "central_not_closed",
    "level_changed",
    "opened_changed",
    "opened_before_parent",
    "closed_changed",
    "closed_before_last_change",
    "close_out_of_scope",
    "subunits_open",
    "members_after_closing",
    "move_closed",
    "move_same_day",
    "bin_repeated",
    "bin_taken",
    "sector_required",
)


def _file(
    tmp_path: Path, lines: list[str], name: str = "orgs.csv", header: str = HEADER
) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _row(
    code: str,
    parent: str,
    level: str,
    *,
    name: str = "",
    name_kk: str = "",
    bin_: str = "",
    sector: str = "",
    employees: str = "",
    opened: str = "",
    closed: str = "",
    placed: str = "",
) -> str:
    """A row; with a date under its parent, a row of a file with that column."""
    cells = [
        code,
        parent,
        LEVEL_WORDS[level],
        name or f"Организация {code}",
        name_kk or f"Ұйым {code}",
        bin_,
        sector,
        employees,
        opened,
        closed,
    ]
    return ";".join([*cells, placed] if placed else cells)


def _primary(code: str, parent: str, **values: str) -> str:
    """A primary organization at a new employer unless a BIN is given."""
    values.setdefault("bin_", valid_bin())
    values.setdefault("sector", "школа")
    return _row(code, parent, Level.PRIMARY, **values)


def _as_registered(unit: OrgUnit, **changed: str) -> str:
    """The row of a registered unit as the registry has it, with some values changed."""
    unit.refresh_from_db()
    latest = unit.employee_counts.first()
    values = {
        "name": unit.name_ru,
        "bin_": unit.employer.bin if unit.employer else "",
        "sector": unit.employer.sector if unit.employer else "",
        "employees": str(latest.employees) if latest else "",
        "opened": unit.opened_on.isoformat(),
        "closed": unit.closed_on.isoformat() if unit.closed_on else "",
        **changed,
    }
    parent = unit.parent.code if unit.parent else ""
    return _row(unit.code, parent, unit.level, name_kk=unit.name_kk, **values)


def _import(actor: Any, path: Path, mode: str = ImportMode.ALL_OR_NOTHING) -> ImportJob:
    return run_file(actor, path, mode, kind="orgs")


def _check(
    actor: Any, tmp_path: Path, lines: list[str], header: str = HEADER
) -> list[tuple[Any, ...]]:
    """The problems of a file checked only, each as (row, field, code, other row)."""
    job = _import(actor, _file(tmp_path, lines, header=header), mode=ImportMode.CHECK)
    assert job.status in (ImportStatus.CHECKED, ImportStatus.REJECTED), job.error
    return _problems(job)


def _problems(job: ImportJob) -> list[tuple[int, str, str, int]]:
    return list(job.problems.values_list("row_number", "field", "code", "other_row"))


def _registry() -> dict[str, list[Any]]:
    """Everything an organization import may write."""
    return {
        "units": list(OrgUnit.objects.order_by("pk").values()),
        "placements": list(OrgPlacement.objects.order_by("pk").values()),
        "events": list(OrgEvent.objects.order_by("pk").values()),
        "counts": list(EmployeeCount.objects.order_by("pk").values()),
        "employers": list(Employer.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("pk").values()),
    }


def _after(event: AuditEvent) -> dict[str, Any]:
    assert isinstance(event.after, dict)
    return event.after


def _org_events(job: ImportJob) -> list[AuditEvent]:
    """The organization events of the job's run, each with the job's note."""
    events = list(
        AuditEvent.objects.filter(
            action=AuditAction.ORG_CHANGED, at__gte=job.started_at
        ).order_by("pk")
    )
    assert all(job.original_name in e.note for e in events)
    return events


# Building the tree.


def _describe(unit: OrgUnit, prefix: str) -> dict[str, Any]:
    """A unit's record in terms that do not depend on ids or on its code's prefix."""

    def code(other: OrgUnit | None) -> str | None:
        return other.code.removeprefix(prefix) if other else None

    return {
        "code": code(unit),
        "level": unit.level,
        "parent": code(unit.parent),
        "names": (unit.name_ru, unit.name_kk),
        "employer": (
            (unit.employer.name_ru, unit.employer.sector) if unit.employer else None
        ),
        "region_code": unit.region_code,
        "status": unit.status,
        "dates": (unit.opened_on, unit.closed_on),
        "placements": [
            (code(p.parent), p.valid_from, p.valid_to)
            for p in unit.placements.order_by("valid_from")
        ],
        "events": [
            (e.kind, e.effective_on, code(e.parent_before), code(e.parent_after))
            for e in unit.events.all()
        ],
        "counts": list(unit.employee_counts.values_list("counted_on", "employees")),
    }


def test_a_three_level_file_builds_the_tree_as_units_opened_by_hand(
    db: None, tmp_path: Path
) -> None:
    """Region → district → primaries into a registry holding only the central
    committee: paths, placements, events and counts as ``changes.open_unit`` makes.
    """
    central = make_unit(None, Level.CENTRAL, name="ЦК")
    region = changes.open_unit(
        parent=central,
        level=Level.REGION,
        code="H-R",
        name_ru="Организация R",
        name_kk="Ұйым R",
        opened_on=dt.date(2001, 1, 1),
    )
    district = changes.open_unit(
        parent=region,
        level=Level.DISTRICT,
        code="H-D",
        name_ru="Организация D",
        name_kk="Ұйым D",
        opened_on=dt.date(2001, 1, 1),
    )
    for code, opened in (("P1", dt.date(2003, 3, 1)), ("P2", dt.date(2001, 1, 1))):
        changes.open_unit(
            parent=district,
            level=Level.PRIMARY,
            code=f"H-{code}",
            name_ru=f"Организация {code}",
            name_kk=f"Ұйым {code}",
            employer=Employer.objects.create(
                bin=valid_bin(),
                name_ru=f"Организация {code}",
                name_kk=f"Ұйым {code}",
                sector=Sector.SCHOOL,
            ),
            opened_on=opened,
            employees=40,
        )
    named = {
        f"F-{c}": (f"Организация {c}", f"Ұйым {c}") for c in ("R", "D", "P1", "P2")
    }
    lines = [
        _row("F-R", central.code, Level.REGION, opened="01.01.2001"),
        _row("F-D", "F-R", Level.DISTRICT),
        _primary("F-P1", "F-D", employees="40", opened="01.03.2003"),
        _primary("F-P2", "F-D", employees="40"),
    ]
    for code, (name_ru, name_kk) in named.items():
        lines = [
            line.replace(f";Организация {code};Ұйым {code};", f";{name_ru};{name_kk};")
            for line in lines
        ]

    job = _import(None, _file(tmp_path, lines))

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result == {
        "units_created": 4,
        "units_updated": 0,
        "units_moved": 0,
        "units_closed": 0,
        "employers_created": 2,
        "rows_unchanged": 0,
    }
    for suffix in ("R", "D", "P1", "P2"):
        by_file = OrgUnit.objects.get(code=f"F-{suffix}")
        by_hand = OrgUnit.objects.get(code=f"H-{suffix}")
        assert _describe(by_file, "F-") == _describe(by_hand, "H-")
        parent_path = by_file.parent.path if by_file.parent else ""
        assert by_file.path == child_path(parent_path, by_file.pk)
    # A unit without a date opened opened with its parent.
    assert OrgUnit.objects.get(code="F-D").opened_on == dt.date(2001, 1, 1)
    created = [e for e in _org_events(job) if _after(e)["event"] == "created"]
    assert len(created) == 4
    p1 = OrgUnit.objects.get(code="F-P1")
    assert any(
        e.object_id == p1.pk
        and e.after == {"event": "created", "parent": p1.parent_id, "on": "2003-03-01"}
        for e in created
    )
    registered = [e for e in _org_events(job) if _after(e)["event"] == "employer"]
    assert {e.object_id for e in registered} == {
        p1.pk,
        OrgUnit.objects.get(code="F-P2").pk,
    }
    region_tree = OrgUnit.objects.get(code="F-R")
    assert set(subtree_ids_as_of(region_tree, dt.date(2002, 1, 1))) == set(
        OrgUnit.objects.filter(code__in=["F-R", "F-D", "F-P2"]).values_list(
            "pk", flat=True
        )
    )


def test_units_share_an_employer_by_bin_and_have_none_without_one(
    tree: Tree, tmp_path: Path
) -> None:
    """A group with its primary's BIN sits in the same employer; without, in none."""
    bin_ = valid_bin()
    lines = [
        _primary("NP", tree.districts[0].code, bin_=bin_),
        _row("NG", "NP", Level.GROUP, bin_=bin_),
        _row("NG2", "NP", Level.GROUP),
    ]

    job = _import(tree.admin, _file(tmp_path, lines))

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result["employers_created"] == 1
    school, group, bare = (OrgUnit.objects.get(code=c) for c in ("NP", "NG", "NG2"))
    assert group.employer == school.employer
    assert bare.employer is None
    assert group.region_code == "75"


def test_importing_the_same_file_again_changes_nothing(
    tree: Tree, tmp_path: Path
) -> None:
    """A second run finds every row unchanged and writes no row and no event."""
    liquidate_organization(
        actor=tree.admin, unit=tree.primaries[3], on=dt.date(2019, 1, 1)
    )
    lines = [_as_registered(unit) for unit in OrgUnit.objects.order_by("path")]
    lines += [
        _row("NR", tree.central.code, Level.REGION, opened="01.01.2010"),
        _row("ND", "NR", Level.DISTRICT),
        _primary("NP", "ND", employees="12"),
        _primary("NC", "ND", opened="01.01.2011", closed="01.01.2015"),
        _row("NG", "NP", Level.GROUP),
    ]
    path = _file(tmp_path, lines)
    first = _import(tree.admin, path)
    assert first.status == ImportStatus.DONE, _problems(first)
    assert first.result["units_created"] == 5
    before = _registry()

    again = _import(tree.admin, path)

    assert again.status == ImportStatus.DONE, _problems(again)
    assert again.result == {
        "units_created": 0,
        "units_updated": 0,
        "units_moved": 0,
        "units_closed": 0,
        "employers_created": 0,
        "rows_unchanged": len(lines),
    }
    assert _registry() == before


def test_changed_names_employer_and_employees_update_the_unit_and_are_audited(
    tree: Tree, tmp_path: Path
) -> None:
    """Each change as staff would make it by hand: the fields before and after."""
    school = tree.primaries[0]
    old_employer = school.employer_id
    bin_ = valid_bin()
    row = _as_registered(
        school, name="Гимназия №1", bin_=bin_, sector="колледж", employees="75"
    )

    job = _import(tree.admin, _file(tmp_path, [row]))

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result["units_updated"] == 1
    assert job.result["employers_created"] == 1
    school.refresh_from_db()
    assert school.name_ru == "Гимназия №1"
    assert school.employer is not None
    assert (school.employer.bin, school.employer.sector) == (bin_, Sector.COLLEGE)
    assert school.employee_counts.first() is not None
    assert school.employee_counts.values_list("counted_on", "employees")[0] == (
        today(),
        75,
    )
    events = {_after(e).get("event"): e for e in _org_events(job)}
    changed = events[None]
    assert changed.object_id == school.pk
    assert changed.actor == tree.admin
    assert changed.before == {"name_ru": "Школа 000", "employer": old_employer}
    assert changed.after == {"name_ru": "Гимназия №1", "employer": school.employer_id}
    assert events["employees"].after == {
        "event": "employees",
        "counted_on": today().isoformat(),
        "employees": 75,
    }
    assert _after(events["employer"])["bin"] == bin_


def test_a_new_parent_moves_the_unit_with_its_subtree_as_of_today(
    tree: Tree, tmp_path: Path
) -> None:
    district = tree.districts[0]
    old_region, new_region = tree.regions[0], tree.regions[1]

    job = _import(
        tree.admin,
        _file(
            tmp_path,
            [_as_registered(district).replace(old_region.code, new_region.code)],
        ),
    )

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result["units_moved"] == 1
    district.refresh_from_db()
    assert district.parent == new_region
    assert district.path == child_path(new_region.path, district.pk)
    for school in tree.primaries[:2]:
        school.refresh_from_db()
        assert school.path == child_path(district.path, school.pk)
    assert list(
        district.placements.order_by("valid_from").values_list(
            "parent", "valid_from", "valid_to"
        )
    ) == [
        (old_region.pk, district.opened_on, today()),
        (new_region.pk, today(), None),
    ]
    moved = district.events.get(kind=EventKind.MOVED)
    assert (moved.parent_before, moved.parent_after, moved.effective_on) == (
        old_region,
        new_region,
        today(),
    )
    (audit,) = _org_events(job)
    assert audit.after == {
        "event": "moved",
        "parent_before": old_region.pk,
        "parent": new_region.pk,
        "on": today().isoformat(),
    }


def test_a_unit_moves_under_a_unit_the_same_file_opens(
    tree: Tree, tmp_path: Path
) -> None:
    school = tree.primaries[0]
    lines = [
        _row("ND", tree.regions[1].code, Level.DISTRICT, opened="01.01.2010"),
        _as_registered(school).replace(f";{tree.districts[0].code};", ";ND;"),
    ]

    job = _import(tree.admin, _file(tmp_path, lines))

    assert job.status == ImportStatus.DONE, _problems(job)
    assert (job.result["units_created"], job.result["units_moved"]) == (1, 1)
    district = OrgUnit.objects.get(code="ND")
    school.refresh_from_db()
    assert school.parent == district
    assert school.path == child_path(district.path, school.pk)
    assert school.placements.get(valid_to__isnull=True).valid_from == today()


def test_a_date_closed_liquidates_the_unit_and_ends_its_memberships(
    tree: Tree, tmp_path: Path
) -> None:
    school = tree.primaries[0]
    membership = tree.admit(school, joined_on=dt.date(2020, 9, 1))
    path = _file(tmp_path, [_as_registered(school, closed="01.02.2024")])

    job = _import(tree.admin, path)

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result["units_closed"] == 1
    school.refresh_from_db()
    assert (school.status, school.closed_on) == (
        UnitStatus.LIQUIDATED,
        dt.date(2024, 2, 1),
    )
    assert school.placements.get().valid_to == dt.date(2024, 2, 1)
    assert school.events.filter(kind=EventKind.LIQUIDATED).exists()
    membership.refresh_from_db()
    assert (membership.left_on, membership.leave_reason) == (
        dt.date(2024, 2, 1),
        LeaveReason.ORG_LIQUIDATED,
    )
    ended = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_ENDED)
    assert job.original_name in ended.note
    assert _import(tree.admin, path).result["rows_unchanged"] == 1


def test_a_district_closes_after_the_primaries_the_same_file_closes(
    tree: Tree, tmp_path: Path
) -> None:
    """Closings run from the bottom up, so the district has no open sub-unit left."""
    district = tree.districts[0]
    lines = [
        _as_registered(district, closed="01.01.2024"),
        _as_registered(tree.primaries[0], closed="01.06.2023"),
        _as_registered(tree.primaries[1], closed="01.01.2024"),
    ]

    job = _import(tree.admin, _file(tmp_path, lines))

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result["units_closed"] == 3
    closed = dict(
        OrgUnit.objects.filter(
            pk__in=[district.pk, tree.primaries[0].pk, tree.primaries[1].pk]
        ).values_list("code", "closed_on")
    )
    assert closed == {
        district.code: dt.date(2024, 1, 1),
        tree.primaries[0].code: dt.date(2023, 6, 1),
        tree.primaries[1].code: dt.date(2024, 1, 1),
    }


def test_a_history_loads_units_closed_long_ago_with_their_dates(
    tree: Tree, tmp_path: Path
) -> None:
    """A district closed in 2018 with its school, and the school's successor at the
    same employer: closed units come in closed, and the past tree is as it was.
    """
    region = tree.regions[0]
    bin_ = valid_bin()
    lines = [
        _row(
            "OLD-D",
            region.code,
            Level.DISTRICT,
            opened="01.01.2005",
            closed="01.06.2018",
        ),
        _primary("OLD-P", "OLD-D", bin_=bin_, opened="2006-09-01", closed="2018-06-01"),
        _primary("NEW-P", tree.districts[0].code, bin_=bin_, opened="01.09.2018"),
    ]

    job = _import(tree.admin, _file(tmp_path, lines))

    assert job.status == ImportStatus.DONE, _problems(job)
    old_district = OrgUnit.objects.get(code="OLD-D")
    old_school = OrgUnit.objects.get(code="OLD-P")
    new_school = OrgUnit.objects.get(code="NEW-P")
    assert (old_school.status, old_school.opened_on, old_school.closed_on) == (
        UnitStatus.LIQUIDATED,
        dt.date(2006, 9, 1),
        dt.date(2018, 6, 1),
    )
    assert list(
        old_school.placements.values_list("parent", "valid_from", "valid_to")
    ) == [(old_district.pk, dt.date(2006, 9, 1), dt.date(2018, 6, 1))]
    assert [e.kind for e in old_school.events.all()] == [
        EventKind.CREATED,
        EventKind.LIQUIDATED,
    ]
    assert old_school.employer == new_school.employer
    in_2010 = set(subtree_ids_as_of(region, dt.date(2010, 1, 1)))
    in_2019 = set(subtree_ids_as_of(region, dt.date(2019, 1, 1)))
    assert {old_district.pk, old_school.pk} <= in_2010
    assert new_school.pk not in in_2010
    assert not {old_district.pk, old_school.pk} & in_2019
    assert new_school.pk in in_2019


# Refusals, each naming its row and column.


def test_a_code_twice_in_the_file_is_refused_on_both_rows(
    tree: Tree, tmp_path: Path
) -> None:
    district = tree.districts[0].code
    problems = _check(
        tree.admin,
        tmp_path,
        [_primary("X1", district), _primary("X2", district), _primary("X1", district)],
    )

    assert problems == [
        (2, "code", "code_repeated", 4),
        (4, "code", "code_repeated", 2),
    ]


def test_a_row_that_did_not_parse_still_holds_its_code(
    tree: Tree, tmp_path: Path
) -> None:
    """Which of the two rows is meant is unknown; rows under the code are not
    reported as under an unknown parent.
    """
    district = tree.districts[0].code
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _primary("X1", district, bin_="123"),
            _primary("X1", district),
            _row("G1", "X1", Level.GROUP),
        ],
    )

    assert problems == [(2, "bin", "bin_format", 0), (3, "code", "code_repeated", 2)]


def test_a_parent_neither_in_the_file_nor_registered_is_unknown(
    tree: Tree, tmp_path: Path
) -> None:
    problems = _check(
        tree.admin,
        tmp_path,
        [_row("ND", tree.regions[0].code, Level.DISTRICT), _primary("NP", "NO-SUCH")],
    )

    assert problems == [(3, "parent_code", "parent_unknown", 0)]


def test_a_parent_whose_level_cannot_hold_the_unit_is_refused(
    tree: Tree, tmp_path: Path
) -> None:
    """In the file or in the registry, the parent's level decides."""
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _primary("P-UNDER-REGION", tree.regions[0].code),
            _row("D-UNDER-D", tree.districts[0].code, Level.DISTRICT),
            _row("R-NEW", tree.central.code, Level.REGION),
            _row("R-UNDER-R", "R-NEW", Level.REGION),
            _row("G-UNDER-D", tree.districts[0].code, Level.GROUP),
        ],
    )

    assert problems == [
        (3, "parent_code", "parent_level", 0),
        (5, "parent_code", "parent_level", 0),
        (6, "parent_code", "parent_level", 0),
    ]


def test_a_circle_of_parents_is_refused_with_the_rows_under_it(
    tree: Tree, tmp_path: Path
) -> None:
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _row("A", "B", Level.DISTRICT),
            _row("B", "A", Level.REGION),
            _primary("C", "A"),
            _primary("OK", tree.districts[0].code),
        ],
    )

    assert [p for p in problems if p[2] == "parent_cycle"] == [
        (2, "parent_code", "parent_cycle", 0),
        (3, "parent_code", "parent_cycle", 0),
        (4, "parent_code", "parent_cycle", 0),
    ]
    assert not [p for p in problems if p[0] == 5]


def test_a_second_central_committee_is_refused(tree: Tree, tmp_path: Path) -> None:
    problems = _check(
        None,
        tmp_path,
        [
            _as_registered(tree.central),
            _row("CK2", "", Level.CENTRAL, opened="01.01.2000"),
        ],
    )

    assert problems == [(3, "level", "central_exists", 0)]


def test_only_the_first_central_committee_of_a_file_into_an_empty_registry(
    db: None, tmp_path: Path
) -> None:
    problems = _check(
        None,
        tmp_path,
        [
            _row("CK", "", Level.CENTRAL, opened="01.01.2000"),
            _row("CK2", "", Level.CENTRAL, opened="01.01.2000"),
            _row("CK3", "", Level.CENTRAL),
        ],
    )

    assert problems == [
        (3, "level", "central_exists", 0),
        (4, "level", "central_exists", 0),
        (4, "opened_on", "required", 0),
    ]


def test_a_unit_opened_before_its_parent_is_refused(tree: Tree, tmp_path: Path) -> None:
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _primary("EARLY", tree.districts[0].code, opened="31.12.1999"),
            _row("ND", tree.regions[0].code, Level.DISTRICT, opened="01.01.2010"),
            _primary("NP", "ND", opened="01.01.2009"),
            _primary("NP2", "ND", opened="01.01.2010"),
        ],
    )

    assert problems == [
        (2, "opened_on", "opened_before_parent", 0),
        (4, "opened_on", "opened_before_parent", 0),
    ]


def test_a_unit_without_a_date_opened_closes_after_its_parent_opened(
    tree: Tree, tmp_path: Path
) -> None:
    """It opened with its parent, so a date closed before that is refused."""
    problems = _check(
        tree.admin,
        tmp_path,
        [_primary("SHORT", tree.districts[0].code, closed="01.06.1999")],
    )

    assert problems == [(2, "closed_on", "closed_not_after_opened", 0)]


def test_a_change_of_level_is_refused_and_the_message_says_what_to_do(
    tree: Tree, tmp_path: Path
) -> None:
    row = _as_registered(tree.districts[0]).replace(";районный;", ";областная;")
    job = _import(tree.admin, _file(tmp_path, [row]))

    assert job.status == ImportStatus.REJECTED
    assert _problems(job) == [(2, "level", "level_changed", 0)]
    with translation.override("en"):
        (message,) = job_problems(job)[2]
    assert message.startswith("«Уровень» differs from the level")
    assert "merge" in message


def test_the_dates_a_unit_opened_and_closed_are_not_rewritten(
    tree: Tree, tmp_path: Path
) -> None:
    """Nor is a closed unit reopened by a row without a date closed."""
    closed = tree.primaries[3]
    liquidate_organization(actor=tree.admin, unit=closed, on=dt.date(2019, 1, 1))

    problems = _check(
        tree.admin,
        tmp_path,
        [
            _as_registered(tree.primaries[0], opened="02.01.2000"),
            _as_registered(closed, closed=""),
            _as_registered(closed, closed="01.02.2019").replace(
                closed.code, closed.code
            ),
        ],
    )

    assert (2, "opened_on", "opened_changed", 0) in problems
    assert (3, "closed_on", "closed_changed", 0) in problems
    assert (4, "closed_on", "closed_changed", 0) in problems


def test_an_employer_has_one_open_primary_organization(
    tree: Tree, tmp_path: Path
) -> None:
    """Twice in the file or once more in the registry is refused; closed ones and
    one whose registered primary the file closes may share the employer.
    """
    shared = valid_bin()
    registered = tree.primaries[0].employer
    closing = tree.primaries[1]
    assert registered is not None and closing.employer is not None
    district = tree.districts[0].code
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _primary("TWIN1", district, bin_=shared),
            _primary("TWIN2", district, bin_=shared),
            _primary("TAKEN", district, bin_=registered.bin),
            _primary("PAST", district, bin_=registered.bin, closed="01.01.2005"),
            _as_registered(closing, closed="01.01.2024"),
            _primary("HEIR", district, bin_=closing.employer.bin),
            _row("GROUP", tree.primaries[2].code, Level.GROUP, bin_=registered.bin),
        ],
    )

    assert problems == [
        (2, "bin", "bin_repeated", 3),
        (3, "bin", "bin_repeated", 2),
        (4, "bin", "bin_taken", 0),
    ]


def test_a_new_employer_needs_a_sector(tree: Tree, tmp_path: Path) -> None:
    """One row of the BIN naming the sector is enough."""
    district = tree.districts[0].code
    named = valid_bin()
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _primary("NO-SECTOR", district, sector=""),
            _primary("OLD", district, bin_=named, closed="01.01.2010"),
            _primary("NEW", district, bin_=named, sector=""),
            _primary("KNOWN", district, sector=""),
        ],
    )
    # The last row's employer is registered: no sector needed.
    assert problems[:1] == [(2, "sector", "sector_required", 0)]
    assert len(problems) == 2
    assert problems[1] == (5, "sector", "sector_required", 0)


def test_a_unit_cannot_outlive_its_parent(tree: Tree, tmp_path: Path) -> None:
    gone = make_unit(tree.regions[0], Level.DISTRICT, opened_on=dt.date(2001, 1, 1))
    liquidate_organization(actor=tree.admin, unit=gone, on=dt.date(2018, 1, 1))
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _primary("OPEN-UNDER-GONE", gone.code, opened="01.01.2010"),
            _primary("CLOSED-IN-TIME", gone.code, opened="01.01.2010", closed="2017"),
            _row("ND", tree.regions[0].code, Level.DISTRICT, closed="01.01.2015"),
            _primary("LATER", "ND", closed="01.01.2016"),
        ],
    )

    assert problems == [
        (2, "parent_code", "parent_closed", 0),
        (3, "closed_on", "date_format", 0),
        (5, "parent_code", "parent_closed", 0),
    ]


def test_closed_units_and_units_changed_today_are_not_moved(
    tree: Tree, tmp_path: Path
) -> None:
    closed = tree.primaries[3]
    liquidate_organization(actor=tree.admin, unit=closed, on=dt.date(2019, 1, 1))
    fresh = make_unit(tree.districts[0], Level.PRIMARY, opened_on=today())
    other = tree.districts[2].code
    assert closed.parent is not None and fresh.parent is not None
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _as_registered(closed).replace(f";{closed.parent.code};", f";{other};"),
            _as_registered(fresh).replace(f";{fresh.parent.code};", f";{other};"),
        ],
    )

    assert problems == [
        (2, "parent_code", "move_closed", 0),
        (3, "parent_code", "move_same_day", 0),
    ]


def test_a_closing_must_not_rewrite_history(tree: Tree, tmp_path: Path) -> None:
    """Sub-units open after it, members who joined after it, a date at or before
    the last change, the central committee: each refused.
    """
    school = tree.primaries[2]
    tree.admit(school, joined_on=dt.date(2020, 9, 1))
    problems = _check(
        tree.admin,
        tmp_path,
        [
            _as_registered(tree.districts[0], closed="01.01.2024"),
            _as_registered(school, closed="01.01.2020"),
            _as_registered(tree.primaries[4], opened="", closed="2000-01-01"),
            _as_registered(tree.central, closed="01.01.2024"),
        ],
    )

    assert (2, "closed_on", "subunits_open", 0) in problems
    assert (3, "closed_on", "members_after_closing", 0) in problems
    assert (4, "closed_on", "closed_before_last_change", 0) in problems
    assert (5, "closed_on", "central_not_closed", 0) in problems


# Units that moved: a row for each parent, each from its own date.

TAKEN_OVER = dt.date(2022, 7, 1)


def _placements(unit: OrgUnit) -> list[tuple[str | None, dt.date, dt.date | None]]:
    return [
        (p.parent.code if p.parent else None, p.valid_from, p.valid_to)
        for p in unit.placements.select_related("parent").order_by("valid_from")
    ]


def _taken_over_file(tmp_path: Path, prefix: str, central: OrgUnit) -> Path:
    """Two regions, the second opened in 2022, and a district with a school that
    opened under the first in 2001 and came under the second on 1 July 2022: its
    later row first, as a file may have it."""
    return _file(
        tmp_path,
        [
            _row(f"{prefix}OLD", central.code, Level.REGION, opened="01.01.2001"),
            _row(f"{prefix}NEW", central.code, Level.REGION, opened="01.01.2022"),
            _row(
                f"{prefix}D",
                f"{prefix}NEW",
                Level.DISTRICT,
                opened="01.01.2001",
                placed="01.07.2022",
            ),
            _row(f"{prefix}D", f"{prefix}OLD", Level.DISTRICT, opened="01.01.2001"),
            _primary(f"{prefix}P", f"{prefix}D", opened="01.09.2005"),
        ],
        header=PLACED_HEADER,
    )


def test_a_district_taken_over_by_a_later_region_loads_as_moved_by_hand(
    db: None, tmp_path: Path
) -> None:
    """Created under the region it opened under, then moved on its row's date:
    placements and events as ``changes.move_unit`` leaves them, and the tree of
    a date before the move is the old one."""
    central = make_unit(None, Level.CENTRAL, name="ЦК")
    by_hand = {}
    for suffix, opened in (("OLD", dt.date(2001, 1, 1)), ("NEW", dt.date(2022, 1, 1))):
        by_hand[suffix] = changes.open_unit(
            parent=central,
            level=Level.REGION,
            code=f"H-{suffix}",
            name_ru=f"Организация F-{suffix}",
            name_kk=f"Ұйым F-{suffix}",
            opened_on=opened,
        )
    district = changes.open_unit(
        parent=by_hand["OLD"],
        level=Level.DISTRICT,
        code="H-D",
        name_ru="Организация F-D",
        name_kk="Ұйым F-D",
        opened_on=dt.date(2001, 1, 1),
    )
    changes.open_unit(
        parent=district,
        level=Level.PRIMARY,
        code="H-P",
        name_ru="Организация F-P",
        name_kk="Ұйым F-P",
        employer=Employer.objects.create(
            bin=valid_bin(),
            name_ru="Организация F-P",
            name_kk="Ұйым F-P",
            sector=Sector.SCHOOL,
        ),
        opened_on=dt.date(2005, 9, 1),
    )
    changes.move_unit(unit=district, new_parent=by_hand["NEW"], on=TAKEN_OVER)

    job = _import(None, _taken_over_file(tmp_path, "F-", central))

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result == {
        "units_created": 4,
        "units_updated": 0,
        "units_moved": 0,
        "units_closed": 0,
        "employers_created": 1,
        "rows_unchanged": 0,
    }
    for suffix in ("OLD", "NEW", "D", "P"):
        by_file = OrgUnit.objects.get(code=f"F-{suffix}")
        assert _describe(by_file, "F-") == _describe(
            OrgUnit.objects.get(code=f"H-{suffix}"), "H-"
        )
        parent_path = by_file.parent.path if by_file.parent else ""
        assert by_file.path == child_path(parent_path, by_file.pk)
    old, new, moved, school = (
        OrgUnit.objects.get(code=f"F-{suffix}") for suffix in ("OLD", "NEW", "D", "P")
    )
    assert _placements(moved) == [
        ("F-OLD", dt.date(2001, 1, 1), TAKEN_OVER),
        ("F-NEW", TAKEN_OVER, None),
    ]
    event = moved.events.get(kind=EventKind.MOVED)
    assert (event.parent_before, event.parent_after, event.effective_on) == (
        old,
        new,
        TAKEN_OVER,
    )
    before, after = dt.date(2022, 6, 30), TAKEN_OVER
    assert set(subtree_ids_as_of(old, before)) == {old.pk, moved.pk, school.pk}
    assert set(subtree_ids_as_of(new, before)) == {new.pk}
    assert set(subtree_ids_as_of(old, after)) == {old.pk}
    assert set(subtree_ids_as_of(new, after)) == {new.pk, moved.pk, school.pk}
    (audit,) = [e for e in _org_events(job) if _after(e)["event"] == "moved"]
    assert audit.object_id == moved.pk
    assert audit.after == {
        "event": "moved",
        "parent_before": old.pk,
        "parent": new.pk,
        "on": "2022-07-01",
    }


def test_importing_a_history_again_changes_nothing(db: None, tmp_path: Path) -> None:
    """Every placement is in the registry already: no move, no row, no event."""
    central = make_unit(None, Level.CENTRAL, name="ЦК")
    path = _taken_over_file(tmp_path, "F-", central)
    first = _import(None, path)
    assert first.status == ImportStatus.DONE, _problems(first)
    before = _registry()

    again = _import(None, path)

    assert again.status == ImportStatus.DONE, _problems(again)
    assert again.result["rows_unchanged"] == 5
    assert sum(again.result.values()) == 5
    assert _registry() == before


def test_a_unit_that_moved_and_closed_loads_closed_as_do_parents_closed_later(
    tree: Tree, tmp_path: Path
) -> None:
    """A school moved in 2010 into a district closed in 2018, and itself closed in
    2016: both come in closed, the school's last placement ended with it."""
    region = tree.regions[0].code
    lines = [
        _row("ND1", region, Level.DISTRICT, opened="01.01.2001"),
        _row("ND2", region, Level.DISTRICT, opened="01.01.2001", closed="01.01.2018"),
        _primary("NP", "ND1", opened="01.09.2005", closed="01.06.2016"),
        _primary(
            "NP", "ND2", opened="01.09.2005", closed="01.06.2016", placed="01.09.2010"
        ),
    ]

    job = _import(tree.admin, _file(tmp_path, lines, header=PLACED_HEADER))

    assert job.status == ImportStatus.DONE, _problems(job)
    school, closed_district = (OrgUnit.objects.get(code=c) for c in ("NP", "ND2"))
    assert (school.status, school.closed_on) == (
        UnitStatus.LIQUIDATED,
        dt.date(2016, 6, 1),
    )
    assert school.parent == closed_district
    assert _placements(school) == [
        ("ND1", dt.date(2005, 9, 1), dt.date(2010, 9, 1)),
        ("ND2", dt.date(2010, 9, 1), dt.date(2016, 6, 1)),
    ]
    assert [e.kind for e in school.events.all()] == [
        EventKind.CREATED,
        EventKind.MOVED,
        EventKind.LIQUIDATED,
    ]
    assert _placements(closed_district) == [
        (region, dt.date(2001, 1, 1), dt.date(2018, 1, 1))
    ]
    assert closed_district.status == UnitStatus.LIQUIDATED


def test_a_dated_row_moves_a_registered_unit_on_its_date(
    tree: Tree, tmp_path: Path
) -> None:
    """A single row with «Дата перевода», or the unit's rows with a new last one:
    a move on that date, not as of today; the rows the registry has change
    nothing, the second time all of them."""
    district, school = tree.districts[0], tree.primaries[0]
    r0, r1 = tree.regions[0].code, tree.regions[1].code
    d1 = tree.districts[1].code
    lines = [
        _as_registered(district),
        _as_registered(district).replace(f";{r0};", f";{r1};") + ";01.03.2024",
        _as_registered(school).replace(f";{district.code};", f";{d1};") + ";15.05.2023",
    ]
    path = _file(tmp_path, lines, header=HEADER + ";Дата перевода")

    job = _import(tree.admin, path)

    assert job.status == ImportStatus.DONE, _problems(job)
    assert (job.result["units_moved"], job.result["rows_unchanged"]) == (2, 0)
    district.refresh_from_db()
    school.refresh_from_db()
    assert _placements(district) == [
        (r0, FOUNDED, dt.date(2024, 3, 1)),
        (r1, dt.date(2024, 3, 1), None),
    ]
    assert _placements(school) == [
        (district.code, FOUNDED, dt.date(2023, 5, 15)),
        (d1, dt.date(2023, 5, 15), None),
    ]
    assert district.path == child_path(tree.regions[1].path, district.pk)
    assert school.events.get(kind=EventKind.MOVED).effective_on == dt.date(2023, 5, 15)
    before = _registry()
    again = _import(tree.admin, path)
    assert again.result["rows_unchanged"] == 3
    assert _registry() == before


def test_a_history_that_differs_from_the_registry_is_not_rewritten(
    tree: Tree, tmp_path: Path
) -> None:
    """Up to a unit's last change, its rows must be the registry's placements:
    here the first under another parent, the second from another date."""
    district = tree.districts[0]
    changes.move_unit(unit=district, new_parent=tree.regions[1], on=TAKEN_OVER)
    row = _as_registered(district)

    problems = _check(
        tree.admin, tmp_path, [row, row + ";01.06.2022"], header=PLACED_HEADER
    )

    assert problems == [
        (2, "parent_code", "placement_changed", 0),
        (3, "placed_from", "placement_changed", 0),
    ]


def test_each_placement_is_checked_on_its_own_row_and_column(
    tree: Tree, tmp_path: Path
) -> None:
    """Repeated dates; a first row not from the date opened, a later one not
    after it; the same parent twice; a parent opened later, one closed before the
    placement ends, one the registry has closed; a move after the closing."""
    region, other = tree.regions[0].code, tree.regions[1].code
    young = make_unit(tree.central, Level.REGION, opened_on=dt.date(2022, 1, 1))
    gone = make_unit(tree.central, Level.REGION, opened_on=dt.date(2001, 1, 1))
    liquidate_organization(actor=tree.admin, unit=gone, on=dt.date(2020, 1, 1))

    def rows(code: str, *placements: tuple[str, str], closed: str = "") -> list[str]:
        return [
            _row(
                code,
                parent,
                Level.DISTRICT,
                opened="01.01.2001",
                closed=closed,
                placed=placed,
            )
            for parent, placed in placements
        ]

    lines = [
        *rows("TWICE", (region, ""), (other, "01.07.2022"), (region, "01.07.2022")),
        *rows("EARLY", (region, ""), (young.code, "01.06.2021")),
        *rows("FIRST", (region, "01.01.2005"), (other, "01.01.2010")),
        *rows("NOT-AFTER", (region, ""), (other, "01.01.2001")),
        *rows("SAME", (region, ""), (region, "01.01.2010")),
        *rows("OUTLIVED", (gone.code, ""), (region, "01.01.2021")),
        *rows("LATE", (region, ""), (other, "01.01.2010"), closed="01.01.2010"),
        *rows("GONE", (region, ""), (gone.code, "01.01.2010"), closed="01.01.2015"),
    ]
    job = _import(
        tree.admin,
        _file(tmp_path, lines, header=PLACED_HEADER),
        mode=ImportMode.CHECK,
    )

    assert _problems(job) == [
        (3, "placed_from", "placed_repeated", 4),
        (4, "placed_from", "placed_repeated", 3),
        (6, "placed_from", "opened_before_parent", 0),
        (7, "placed_from", "placed_opened", 0),
        (10, "placed_from", "placed_opened", 0),
        (12, "parent_code", "placed_same_parent", 0),
        (13, "parent_code", "parent_closed", 0),
        (16, "placed_from", "placed_after_closed", 0),
        (18, "parent_code", "parent_closed", 0),
    ]
    with translation.override("en"):
        messages = job_problems(job)
    assert messages[3] == [
        "«В составе с»: row 4 of this organization has the same date; each row of an "
        "organization is a period under one parent, from its own date."
    ]
    assert messages[6] == [
        "«В составе с» is before the date the parent organization opened."
    ]


def test_valid_rows_only_leaves_out_a_history_whole(tree: Tree, tmp_path: Path) -> None:
    """One bad row of a unit leaves out its other rows and the rows under it."""
    region = tree.regions[0].code
    lines = [
        _row("ND", region, Level.DISTRICT, opened="01.01.2001"),
        _row("ND", "NO-SUCH", Level.DISTRICT, opened="01.01.2001", placed="2010-01-01"),
        _primary("NP", "ND"),
        _row("OK", region, Level.DISTRICT),
    ]

    job = _import(
        tree.admin,
        _file(tmp_path, lines, header=PLACED_HEADER),
        mode=ImportMode.VALID_ROWS,
    )

    assert job.status == ImportStatus.DONE
    assert _problems(job) == [
        (2, "code", "code_row_refused", 0),
        (3, "parent_code", "parent_unknown", 0),
        (4, "parent_code", "parent_refused", 0),
    ]
    assert job.result["units_created"] == 1
    assert not OrgUnit.objects.filter(code__in=["ND", "NP"]).exists()


# All or nothing, or the valid rows.


def test_one_bad_row_at_the_end_leaves_the_tree_as_it_was(
    tree: Tree, tmp_path: Path
) -> None:
    district = tree.districts[0].code
    lines = [_primary(f"N{i}", district) for i in range(30)]
    lines.append(_primary("BAD", "NO-SUCH"))
    before = _registry()

    job = _import(tree.admin, _file(tmp_path, lines))

    assert job.status == ImportStatus.REJECTED
    assert (job.rows_read, job.rows_rejected) == (31, 1)
    assert _problems(job) == [(32, "parent_code", "parent_unknown", 0)]
    assert _registry() == before


def test_checking_only_writes_nothing_even_when_every_row_is_valid(
    tree: Tree, tmp_path: Path
) -> None:
    before = _registry()

    job = _import(
        tree.admin,
        _file(tmp_path, [_primary("NP", tree.districts[0].code)]),
        mode=ImportMode.CHECK,
    )

    assert job.status == ImportStatus.CHECKED
    assert _registry() == before


def test_valid_rows_only_leaves_out_bad_rows_and_every_row_under_them(
    tree: Tree, tmp_path: Path
) -> None:
    lines = [
        _row("VR", tree.central.code, Level.REGION),
        _row("VD1", "VR", Level.DISTRICT, opened="31.02.2020"),
        _primary("VP1", "VD1"),
        _row("VG1", "VP1", Level.GROUP),
        _row("VD2", "VR", Level.DISTRICT),
        _primary("VP2", "NO-SUCH"),
    ]

    job = _import(tree.admin, _file(tmp_path, lines), mode=ImportMode.VALID_ROWS)

    assert job.status == ImportStatus.DONE
    assert set(
        OrgUnit.objects.filter(code__startswith="V").values_list("code", flat=True)
    ) == {
        "VR",
        "VD2",
    }
    assert _problems(job) == [
        (3, "opened_on", "date_format", 0),
        (4, "parent_code", "parent_refused", 0),
        (5, "parent_code", "parent_refused", 0),
        (7, "parent_code", "parent_unknown", 0),
    ]
    assert job.rows_rejected == 4
    assert job.result["units_created"] == 2


def test_valid_rows_only_checks_again_what_the_left_out_rows_leave_behind(
    tree: Tree, tmp_path: Path
) -> None:
    """A district whose school's closing is left out would close over an open
    school: it is left out in turn, and so is the other school under it.
    """
    district = tree.districts[0]
    before = _registry()
    lines = [
        _as_registered(district, closed="01.01.2024"),
        _as_registered(tree.primaries[0], closed="01.01.2023"),
        _as_registered(tree.primaries[1], closed="31.13.2023"),
    ]

    job = _import(tree.admin, _file(tmp_path, lines), mode=ImportMode.VALID_ROWS)

    # Every row left out: nothing was written, and the job says so.
    assert job.status == ImportStatus.REJECTED
    assert _problems(job) == [
        (2, "closed_on", "subunits_open", 0),
        (3, "parent_code", "parent_refused", 0),
        (4, "closed_on", "date_format", 0),
    ]
    assert job.result == {}
    assert _registry()["units"] == before["units"]


# Scope.


def test_a_regional_user_cannot_add_or_change_units_of_another_region(
    tree: Tree, tmp_path: Path
) -> None:
    """Someone else's parent reads as unknown; someone else's unit is refused."""
    chair = grant(Role.CHAIR, tree.regions[0])
    own_school = tree.primaries[1]
    foreign_district = tree.districts[2].code
    before = _registry()
    lines = [
        _as_registered(tree.regions[0]),
        _primary("MINE", tree.districts[0].code),
        _primary("THEIRS", foreign_district),
        _as_registered(tree.primaries[4], name="Переименована"),
        _as_registered(own_school).replace(
            f";{tree.districts[0].code};", f";{foreign_district};"
        ),
    ]

    job = _import(chair, _file(tmp_path, lines))

    assert job.status == ImportStatus.REJECTED
    assert _problems(job) == [
        (4, "parent_code", "parent_unknown", 0),
        (5, "code", "code_out_of_scope", 0),
        (6, "parent_code", "parent_unknown", 0),
    ]
    assert _registry() == before


def test_closing_a_unit_is_decided_above_it(tree: Tree, tmp_path: Path) -> None:
    chair = grant(Role.CHAIR, tree.districts[0])
    problems = _check(
        chair,
        tmp_path,
        [
            _as_registered(tree.districts[0], closed="01.01.2024"),
            _as_registered(tree.primaries[0], closed="01.01.2024"),
            _as_registered(tree.primaries[1], closed="01.01.2024"),
        ],
    )

    assert problems == [(2, "closed_on", "close_out_of_scope", 0)]


def test_a_regional_user_imports_inside_the_region(tree: Tree, tmp_path: Path) -> None:
    chair = grant(Role.CHAIR, tree.regions[0])
    lines = [
        _row("ND", tree.regions[0].code, Level.DISTRICT),
        _primary("NP", "ND"),
        _as_registered(tree.primaries[0], name="Новое имя"),
    ]

    job = _import(chair, _file(tmp_path, lines))

    assert job.status == ImportStatus.DONE, _problems(job)
    assert job.result["units_created"] == 2
    assert job.result["units_updated"] == 1
    assert {e.actor for e in _org_events(job)} == {chair}


def test_every_problem_of_an_organization_file_has_a_message_naming_the_column() -> (
    None
):
    for code in ORG_CHECK_CODES:
        assert code in MESSAGES
        with translation.override("en"):
            message = problem_message(
                RowProblem(2, Field.PARENT_CODE, code, 3), header="Parent"
            )
        assert message.startswith("«Parent»"), code
