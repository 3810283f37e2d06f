"""Merging checked organization rows into the tree, set-based where volume lies.

Rows are matched to units by code. New units are written as ``changes.open_unit``
writes one, but a generation of the file's tree at a time: one INSERT…SELECT
per generation, parents before children, each row with its id taken first so
that its path (the parent's path and its own id as a segment, formatted in SQL as
``paths.segment`` does) is written with it; then placements, events, employee
counts and audit events for all of them at once. A unit is created under the
parent it opened under; a unit whose file has a row for each parent it stood
under is then moved on each later row's date through ``changes.move_unit``, as
the move service moves one, so that its placements and events are the ones a move
by hand leaves. A unit of the file opened in the past and closed comes in closed,
with both dates: that is how a history is loaded. It is closed once the moves are
made, since a closed unit is neither moved nor moved into. An employer is found
by BIN or registered from the file's first row of that BIN that names a sector;
an employer already registered keeps its name and sector. A unit without a BIN
has no employer: the file says all there is, so that an export imported elsewhere
gives the same registry.

A registered unit whose names, employer (by BIN) or number of employees differ is
updated with one statement for all of them and audited as a change made by hand
is. An empty BIN or number of employees leaves the registered one alone. A new
parent in a row without a date is a move as of today; a dated row after the
unit's last recorded change is a move on its date; both are made through
``changes.move_unit``. Placements the registry has already change nothing. A date
closed on an open unit liquidates it through the service's closing, which ends
its memberships in one statement; moves and closings are rare, so they run a unit
at a time, closings from the bottom of the tree up. Unchanged rows are not
written, so a file imported twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection

from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.audit.recording import record, record_bulk
from kasipodaq.orgtree import changes
from kasipodaq.orgtree.models import EventKind, OrgUnit, UnitStatus
from kasipodaq.orgtree.paths import SEGMENT
from kasipodaq.registry.imports.org_checks import TABLES
from kasipodaq.registry.imports.sequences import reserve_ids
from kasipodaq.registry.imports.staging import Column, StagingTable
from kasipodaq.registry.services.organizations import close_with_members

# The employers the file registers: each BIN with the row it is registered from.
NEW_EMPLOYERS = StagingTable(
    "import_org_new_employers",
    [Column("bin", "varchar(12) NOT NULL"), Column("row_number", "integer NOT NULL")],
)
SQL_PARTS = {
    **TABLES,
    "audit": AuditEvent._meta.db_table,
    "new_employers": NEW_EMPLOYERS.name,
}
UNIT_TYPE = str(OrgUnit._meta.model_name)
UNIT_FIELDS = ("name_ru", "name_kk", "employer")
# The units the file opens, each as ``u``.
NEW_UNITS = "FROM {facts} f JOIN {unit} u ON u.code = f.code WHERE f.is_new = 1"
EVENTS = """
    INSERT INTO {event} (unit_id, kind, effective_on, recorded_at, recorded_by_id,
        parent_before_id, parent_after_id, other_unit_id, note)
"""


@dataclass
class OrgMergeResult:
    units_created: int = 0
    units_updated: int = 0
    units_moved: int = 0
    units_closed: int = 0
    employers_created: int = 0
    rows_unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def merge_orgs(
    *, actor: Any, note: str, now: dt.datetime, today: dt.date
) -> OrgMergeResult:
    """Write the staged rows into the tree; run inside the import's transaction.

    ``actor`` is the importing user, or None for the command line.
    """
    return _Merger(actor=actor, note=note, now=now, today=today).run()


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _iso(expression: str) -> str:
    """A date as ISO text, as the audit trail keeps dates (SQLite keeps them so)."""
    return f"to_char({expression}, 'YYYY-MM-DD')" if _postgres() else expression


def _json(**values: str) -> str:
    """A JSON object of SQL expressions; the keys are constants of this module."""
    function = "jsonb_build_object" if _postgres() else "json_object"
    pairs = ", ".join(f"'{key}', {value}" for key, value in values.items())
    return f"{function}({pairs})"


def _segment(expression: str) -> str:
    """``paths.segment`` in SQL: the id as a run of SEGMENT digits."""
    if _postgres():
        return f"lpad(CAST({expression} AS text), {SEGMENT}, '0')"
    return f"substr('{'0' * SEGMENT}' || {expression}, -{SEGMENT})"


def _date(value: Any) -> dt.date:
    """A date read back from SQL (SQLite hands computed ones back as text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


class _Merger:
    def __init__(
        self, *, actor: Any, note: str, now: dt.datetime, today: dt.date
    ) -> None:
        self.actor = actor
        self.actor_id: int | None = getattr(actor, "pk", None)
        self.note = note
        self.now = now
        self.today = today
        self.result = OrgMergeResult()
        # The registered units written, by what was done to them.
        self.updated: set[int] = set()
        self.moved: set[int] = set()
        self.closed: set[int] = set()

    def run(self) -> OrgMergeResult:
        NEW_EMPLOYERS.create()
        try:
            self._create_employers()
            self._create_units()
            self._complete_new_units()
            self._update_units()
            self._update_employees()
            self._move_units()
            self._close_new_units()
            self._close_units()
        finally:
            NEW_EMPLOYERS.drop()
        self.result.units_updated = len(self.updated)
        self.result.units_moved = len(self.moved)
        self.result.rows_unchanged = self._rows_unchanged()
        return self.result

    def _rows_unchanged(self) -> int:
        """The rows of registered units the import did not touch.

        A unit with a history has several rows, all touched when it is.
        """
        registered = self._fetch("SELECT COUNT(*) FROM {facts} WHERE is_new = 0")[0][0]
        earlier = dict(
            self._fetch("""
                SELECT f.unit_id, COUNT(*) FROM {history} h
                JOIN {facts} f ON f.code = h.code
                WHERE f.is_new = 0 GROUP BY f.unit_id
            """)
        )
        touched = self.updated | self.moved | self.closed
        return (
            registered
            + sum(earlier.values())
            - sum(1 + earlier.get(unit_id, 0) for unit_id in touched)
        )

    def _execute(self, sql: str, params: list[Any] | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(**SQL_PARTS), params or [])
            return max(cursor.rowcount, 0)

    def _fetch(self, sql: str, params: list[Any] | None = None) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(**SQL_PARTS), params or [])
            return cursor.fetchall()

    def _audit_sql(self, after: str, source: str) -> str:
        """An INSERT of one ORG_CHANGED event per unit ``u`` of ``source``."""
        return f"""
            INSERT INTO {{audit}} (at, actor_id, action, object_type, object_id,
                person_id, before, after, note)
            SELECT %s, %s, '{AuditAction.ORG_CHANGED}', '{UNIT_TYPE}', u.id, NULL,
                NULL, {after}, %s
            {source}
        """

    def _audit_params(self) -> list[Any]:
        return [self.now, self.actor_id, self.note]

    # New employers and units.

    def _create_employers(self) -> None:
        self._execute("""
            INSERT INTO {new_employers}
            SELECT s.bin, MIN(s.row_number) FROM {stage} s
            WHERE s.bin <> '' AND s.sector <> ''
                AND NOT EXISTS (SELECT 1 FROM {employer} e WHERE e.bin = s.bin)
            GROUP BY s.bin
        """)
        self.result.employers_created = self._execute("""
            INSERT INTO {employer} (bin, name_ru, name_kk, sector)
            SELECT s.bin, s.name_ru, s.name_kk, s.sector
            FROM {new_employers} n JOIN {stage} s ON s.row_number = n.row_number
        """)

    def _create_units(self) -> None:
        """One INSERT per generation of the file's tree, parents first.

        The generation's ids are reserved before its rows are written, so that each
        row's path, the parent's path and its own id as a segment, is written with
        it and the new rows need no second pass. Each unit is written open, under
        the parent it opened under (its first row's); ``_close_new_units`` closes
        those the file closes once the moves are made.
        """
        generations = self._fetch(
            "SELECT generation, COUNT(*) FROM {facts} WHERE is_new = 1 "
            "GROUP BY generation ORDER BY generation"
        )
        for generation, count in generations:
            first_id = reserve_ids(OrgUnit, count)
            self.result.units_created += self._execute(
                f"""
                INSERT INTO {{unit}} (id, code, level, parent_id, path, name_ru,
                    name_kk, employer_id, region_code, address, status, opened_on,
                    closed_on, merged_into_id)
                SELECT n.new_id, n.code, n.level, n.parent_id,
                    COALESCE(n.parent_path, '') || {_segment("n.new_id")},
                    n.name_ru, n.name_kk, n.employer_id, n.region_code, '', %s,
                    n.opened, NULL, NULL
                FROM (
                    SELECT %s + ROW_NUMBER() OVER (ORDER BY f.row_number) AS new_id,
                        s.code, s.level, p.id AS parent_id,
                        p.path AS parent_path, s.name_ru, s.name_kk,
                        e.id AS employer_id,
                        COALESCE(p.region_code, '') AS region_code, f.opened
                    FROM {{facts}} f
                    JOIN {{stage}} s ON s.row_number = f.row_number
                    LEFT JOIN {{history}} h ON h.code = s.code AND h.seq = 1
                    LEFT JOIN {{unit}} p
                        ON p.code = COALESCE(h.parent_code, s.parent_code)
                    LEFT JOIN {{employer}} e ON e.bin = s.bin AND s.bin <> ''
                    WHERE f.is_new = 1 AND f.generation = %s
                ) n
                """,  # noqa: S608 (constant parts)
                [UnitStatus.ACTIVE, first_id - 1, generation],
            )

    def _complete_new_units(self) -> None:
        """The placements, events, employee counts and audit events of new units,
        open as created; ``_close_new_units`` ends what the file closes."""
        new = NEW_UNITS
        self._execute(
            "INSERT INTO {placement} (unit_id, parent_id, valid_from, valid_to) "
            f"SELECT u.id, u.parent_id, u.opened_on, NULL {new}"
        )
        self._execute(
            EVENTS + "SELECT u.id, %s, u.opened_on, %s, %s, NULL, u.parent_id, NULL, "
            f"'' {new}",
            [EventKind.CREATED, self.now, self.actor_id],
        )
        self._execute(
            "INSERT INTO {employees} (unit_id, counted_on, employees) "
            "SELECT u.id, u.opened_on, s.employees "
            "FROM {facts} f JOIN {unit} u ON u.code = f.code "
            "JOIN {stage} s ON s.row_number = f.row_number "
            "WHERE f.is_new = 1 AND s.employees IS NOT NULL"
        )
        self._execute(
            self._audit_sql(
                _json(
                    event=f"'{EventKind.CREATED}'",
                    parent="u.parent_id",
                    on=_iso("u.opened_on"),
                ),
                new,
            ),
            self._audit_params(),
        )
        # A registered employer is recorded on the unit it was registered for.
        self._execute(
            self._audit_sql(
                _json(
                    event="'employer'",
                    bin="e.bin",
                    name_ru="e.name_ru",
                    name_kk="e.name_kk",
                    sector="e.sector",
                ),
                "FROM {new_employers} n JOIN {stage} s ON s.row_number = n.row_number "
                "JOIN {unit} u ON u.code = s.code "
                "JOIN {employer} e ON e.bin = n.bin",
            ),
            self._audit_params(),
        )

    # Registered units.

    def _update_units(self) -> None:
        """Names and employer, audited field by field as ``update_organization``."""
        changed = self._fetch("""
            SELECT u.id, u.name_ru, u.name_kk, u.employer_id,
                s.name_ru, s.name_kk, COALESCE(e.id, u.employer_id)
            FROM {facts} f
            JOIN {stage} s ON s.row_number = f.row_number
            JOIN {unit} u ON u.id = f.unit_id
            LEFT JOIN {employer} e ON e.bin = s.bin AND s.bin <> ''
            WHERE f.mine = 1 AND (u.name_ru <> s.name_ru OR u.name_kk <> s.name_kk
                OR u.employer_id IS DISTINCT FROM COALESCE(e.id, u.employer_id))
        """)
        if not changed:
            return
        self._execute("""
            UPDATE {unit} AS u SET name_ru = s.name_ru, name_kk = s.name_kk,
                employer_id = COALESCE(e.id, u.employer_id)
            FROM {facts} f
            JOIN {stage} s ON s.row_number = f.row_number
            LEFT JOIN {employer} e ON e.bin = s.bin AND s.bin <> ''
            WHERE f.unit_id = u.id AND f.mine = 1 AND (u.name_ru <> s.name_ru
                OR u.name_kk <> s.name_kk
                OR u.employer_id IS DISTINCT FROM COALESCE(e.id, u.employer_id))
        """)
        record_bulk([self._change_event(row[0], row[1:4], row[4:7]) for row in changed])
        self.updated.update(row[0] for row in changed)

    def _change_event(
        self, unit_id: int, before: tuple[Any, ...], after: tuple[Any, ...]
    ) -> AuditEvent:
        fields = [
            (name, old, new)
            for name, old, new in zip(UNIT_FIELDS, before, after, strict=True)
            if old != new
        ]
        return AuditEvent(
            at=self.now,
            actor_id=self.actor_id,
            action=AuditAction.ORG_CHANGED,
            object_type=UNIT_TYPE,
            object_id=unit_id,
            before={name: old for name, old, _new in fields},
            after={name: new for name, _old, new in fields},
            note=self.note,
        )

    def _update_employees(self) -> None:
        """A number of employees that differs from the latest count, counted today."""
        latest = """(
            SELECT c.employees FROM {employees} c WHERE c.unit_id = f.unit_id
            ORDER BY c.counted_on DESC LIMIT 1
        )"""
        changed = self._fetch(
            f"""
            SELECT f.unit_id, s.employees FROM {{facts}} f
            JOIN {{stage}} s ON s.row_number = f.row_number
            WHERE f.mine = 1 AND s.employees IS NOT NULL
                AND ({latest} IS NULL OR {latest} <> s.employees)
            """  # noqa: S608 (constant parts)
        )
        if not changed:
            return
        # Today's count, when there is one, is the latest.
        self._execute(
            """
            UPDATE {employees} AS c SET employees = s.employees
            FROM {facts} f JOIN {stage} s ON s.row_number = f.row_number
            WHERE c.unit_id = f.unit_id AND c.counted_on = %s AND f.mine = 1
                AND s.employees IS NOT NULL AND c.employees <> s.employees
            """,
            [self.today],
        )
        self._execute(
            f"""
            INSERT INTO {{employees}} (unit_id, counted_on, employees)
            SELECT f.unit_id, %s, s.employees FROM {{facts}} f
            JOIN {{stage}} s ON s.row_number = f.row_number
            WHERE f.mine = 1 AND s.employees IS NOT NULL
                AND ({latest} IS NULL OR {latest} <> s.employees)
                AND NOT EXISTS (
                    SELECT 1 FROM {{employees}} c
                    WHERE c.unit_id = f.unit_id AND c.counted_on = %s
                )
            """,  # noqa: S608 (constant parts)
            [self.today, self.today],
        )
        counted_on = self.today.isoformat()
        record_bulk(
            [
                AuditEvent(
                    at=self.now,
                    actor_id=self.actor_id,
                    action=AuditAction.ORG_CHANGED,
                    object_type=UNIT_TYPE,
                    object_id=unit_id,
                    after={
                        "event": "employees",
                        "counted_on": counted_on,
                        "employees": employees,
                    },
                    note=self.note,
                )
                for unit_id, employees in changed
            ]
        )
        self.updated.update(unit_id for unit_id, _employees in changed)

    def _move_units(self) -> None:
        """Each move the file makes, through the primitive the move service uses.

        Dated moves are made in the order of their dates, then the rows without a
        date under a new parent move their units as of today.
        """
        rows = self._fetch("""
            SELECT c.code, c.parent_code, c.starts, c.is_new FROM {places} c
            WHERE c.moves = 1 ORDER BY c.starts, c.row_number
        """)
        rows += self._fetch("""
            SELECT f.code, f.parent_code, NULL, 0 FROM {facts} f
            WHERE f.moved = 1 ORDER BY f.row_number
        """)
        for code, parent_code, on, is_new in rows:
            # Read afresh: an earlier move may have changed either path.
            unit = OrgUnit.objects.get(code=code)
            new_parent = OrgUnit.objects.get(code=parent_code)
            before = unit.parent_id
            on = self.today if on is None else _date(on)
            changes.move_unit(
                unit=unit, new_parent=new_parent, on=on, recorded_by_id=self.actor_id
            )
            record(
                actor=self.actor,
                action=AuditAction.ORG_CHANGED,
                target=unit,
                after={
                    "event": EventKind.MOVED,
                    "parent_before": before,
                    "parent": new_parent.pk,
                    "on": on.isoformat(),
                },
                note=self.note,
            )
            if not is_new:
                self.moved.add(unit.pk)

    def _close_new_units(self) -> None:
        """Close the new units the file has closed, with their last placements.

        Set-based, as ``changes.close_subtree`` leaves each: liquidated on the
        file's date, the placement then in force ended on it, an event and an
        audit event.
        """
        closed = self._execute(
            """
            UPDATE {unit} AS u SET status = %s, closed_on = s.closed_on
            FROM {facts} f, {stage} s
            WHERE u.code = f.code AND s.row_number = f.row_number AND f.is_new = 1
                AND s.closed_on IS NOT NULL
            """,
            [UnitStatus.LIQUIDATED],
        )
        if not closed:
            return
        self._execute("""
            UPDATE {placement} AS pc SET valid_to = u.closed_on
            FROM {facts} f, {unit} u
            WHERE u.code = f.code AND f.is_new = 1 AND u.closed_on IS NOT NULL
                AND pc.unit_id = u.id AND pc.valid_to IS NULL
        """)
        closing = NEW_UNITS + " AND u.closed_on IS NOT NULL"
        self._execute(
            EVENTS + "SELECT u.id, %s, u.closed_on, %s, %s, u.parent_id, NULL, NULL, "
            f"'' {closing}",
            [EventKind.LIQUIDATED, self.now, self.actor_id],
        )
        self._execute(
            self._audit_sql(
                _json(
                    event=f"'{EventKind.LIQUIDATED}'", on=_iso("u.closed_on"), units="1"
                ),
                closing,
            ),
            self._audit_params(),
        )

    def _close_units(self) -> None:
        """Liquidate the units the file closes, deepest first, with their members."""
        rows = self._fetch("""
            SELECT f.unit_id, f.closed_on FROM {facts} f
            JOIN {unit} u ON u.id = f.unit_id
            WHERE f.closes = 1 ORDER BY LENGTH(u.path) DESC, f.row_number
        """)
        for unit_id, closed_on in rows:
            close_with_members(
                actor=self.actor,
                unit=OrgUnit.objects.select_related("parent").get(pk=unit_id),
                on=_date(closed_on),
                kind=EventKind.LIQUIDATED,
                note=self.note,
            )
        self.closed.update(unit_id for unit_id, _on in rows)
        self.result.units_closed = len(rows)
