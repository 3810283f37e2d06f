"""Merging checked member rows into the registry with set-based SQL.

People are matched by IIN and memberships by person and date joined. A person's
name and contacts come from their latest period in the file; an empty phone or
email in the file leaves the registry's value alone. New people and memberships
are inserted by one statement each, changed ones updated by one statement each,
and unchanged ones are not touched, so importing a file twice changes nothing the
second time. Every change is in the audit trail: one event per new person (their
periods are part of it), one per new period of a person already registered, and
for every update the fields before and after, as any edit records them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection

from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.audit.recording import record_bulk
from kasipodaq.registry.imports.bulk_load import (
    indexes_rebuilt_after,
    worth_rebuilding,
)
from kasipodaq.registry.imports.member_checks import TABLES
from kasipodaq.registry.imports.member_stage import STAGE
from kasipodaq.registry.imports.sequences import reserve_ids
from kasipodaq.registry.imports.staging import Column, StagingTable
from kasipodaq.registry.models import JoinMethod, Membership, Person

# The latest period of each IIN in the file: the person's details.
PERSON_COLUMNS = (
    "iin",
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "sex",
    "phone",
    "email",
)
PEOPLE = StagingTable(
    "import_member_people",
    [
        *(column for column in STAGE.columns if column.name in PERSON_COLUMNS),
        Column("is_new", "integer NOT NULL"),
        # The registered person's key, or the key reserved for a new one.
        Column("person_id", "bigint NOT NULL"),
        # A new person's latest period: the key reserved for it.
        Column("latest_membership_id", "bigint NULL"),
    ],
)
# A registered phone as the import writes phones: the separators a phone may be
# typed with (see registry.models.phone_validator) taken out.
REGISTERED_PHONE = (
    "REPLACE(REPLACE(REPLACE(REPLACE(p.phone, ' ', ''), '-', ''), '(', ''), ')', '')"
)
# What makes a registered person or membership differ from its row in the file.
PERSON_DIFFERS = """
    (p.last_name <> l.last_name OR p.first_name <> l.first_name
     OR p.patronymic <> l.patronymic
     OR (l.phone <> '' AND {registered_phone} <> l.phone)
     OR (l.email <> '' AND p.email <> l.email))
"""
MEMBERSHIP_DIFFERS = """
    (m.org_unit_id <> u.id OR m.category <> s.category
     OR m.left_on IS DISTINCT FROM s.left_on
     OR m.leave_reason <> s.leave_reason)
"""
SQL_PARTS = {
    **TABLES,
    "people": PEOPLE.name,
    "audit": AuditEvent._meta.db_table,
    "person_differs": PERSON_DIFFERS.format(registered_phone=REGISTERED_PHONE),
    # The file's phone, unless it is empty or the registered one written otherwise.
    "new_phone": (
        f"CASE WHEN l.phone = '' OR {REGISTERED_PHONE} = l.phone "
        "THEN p.phone ELSE l.phone END"
    ),
    "membership_differs": MEMBERSHIP_DIFFERS,
}
# Each IIN's latest period with the IIN's number of periods, read in the order of
# the staging index (IIN, date joined), where that date is unique within an IIN.
# PostgreSQL walks the index once with a window; SQLite, slow at windows, groups by
# the index and looks each latest row up in it.
LATEST_PERIODS = {
    "postgresql": """
        SELECT * FROM (
            SELECT s.*, ROW_NUMBER() OVER periods AS position,
                COUNT(*) OVER periods AS periods
            FROM {stage} s
            WINDOW periods AS (
                PARTITION BY s.iin ORDER BY s.joined_on
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            )
        ) numbered
        WHERE position = periods
    """,
    "sqlite": """
        SELECT s.*, last.periods
        FROM (
            SELECT iin, MAX(joined_on) AS joined_on, COUNT(*) AS periods
            FROM {stage} GROUP BY iin
        ) last
        JOIN {stage} s ON s.iin = last.iin AND s.joined_on = last.joined_on
    """,
}
PERSON_FIELDS = ("last_name", "first_name", "patronymic", "phone", "email")
MEMBERSHIP_FIELDS = ("org_unit", "category", "left_on", "leave_reason")


@dataclass
class MergeResult:
    people_created: int = 0
    people_updated: int = 0
    memberships_created: int = 0
    memberships_updated: int = 0
    rows_unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def merge_members(*, actor_id: int | None, note: str, now: dt.datetime) -> MergeResult:
    """Write the staged rows into the registry; run inside the import's transaction."""
    merger = _Merger(actor_id=actor_id, note=note, now=now)
    return merger.run()


class _Merger:
    def __init__(self, *, actor_id: int | None, note: str, now: dt.datetime) -> None:
        self.actor_id = actor_id
        self.note = note
        self.now = now
        self.result = MergeResult()
        self.first_person_id = self.first_membership_id = 0

    def run(self) -> MergeResult:
        staged = self._scalar("SELECT COUNT(*) FROM {stage}")
        new_people, new_people_periods = self._collect_people()
        # By what the load adds: a file the registry already holds rewrites no
        # index, and locks no table against readers. (A registered person's new
        # periods are not counted: a file of mostly those is not a first load.)
        rebuilt = [
            model
            for model, rows in (
                (Person, new_people),
                (Membership, new_people_periods),
                (AuditEvent, new_people),
            )
            if worth_rebuilding(model, rows)
        ]
        # Made in the import's transaction: a failure rolls PEOPLE back with the
        # rest (dropping it then would hide the failure behind another).
        with indexes_rebuilt_after(rebuilt):
            self._update_people()
            self._update_memberships()
            self._insert_memberships()
            self._insert_people()
            self._point_to_latest_memberships()
        PEOPLE.drop()
        self.result.rows_unchanged = (
            staged - self.result.memberships_created - self.result.memberships_updated
        )
        return self.result

    def _execute(self, sql: str, params: list[Any] | None = None, **parts: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(**SQL_PARTS, **parts), params or [])
            return max(cursor.rowcount, 0)

    def _fetch(self, sql: str, params: list[Any] | None = None) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(**SQL_PARTS), params or [])
            return cursor.fetchall()

    def _scalar(self, sql: str) -> int:
        return int(self._fetch(sql)[0][0])

    def _collect_people(self) -> tuple[int, int]:
        """One row per IIN: the latest period's details, and the person's key.

        The checks have made a date joined unique within an IIN, so the latest
        period is the last in the order of the staging index.

        New people get keys in the order of their IINs, and their periods keys in
        the order of IIN and date joined, reserved here: a new person's latest
        period is then the last key of the person's block, and the person can be
        written pointing to it. The number of new people, and of their periods.
        """
        new, new_periods = self._fetch("""
            SELECT COUNT(DISTINCT s.iin), COUNT(*) FROM {stage} s
            WHERE NOT EXISTS (SELECT 1 FROM {person} p WHERE p.iin = s.iin)
        """)[0]
        self.first_person_id = reserve_ids(Person, new) if new else 0
        self.first_membership_id = (
            reserve_ids(Membership, new_periods) if new_periods else 0
        )
        PEOPLE.create()
        self._execute(
            """
            INSERT INTO {people}
            SELECT iin, last_name, first_name, patronymic, birth_date, sex, phone,
                email, is_new,
                CASE WHEN is_new = 1
                    THEN %s - 1 + SUM(is_new) OVER in_iin_order
                    ELSE registered_id
                END,
                CASE WHEN is_new = 1
                    THEN %s - 1 + SUM(is_new * periods) OVER in_iin_order
                END
            FROM (
                SELECT latest.iin, latest.last_name, latest.first_name,
                    latest.patronymic, latest.birth_date, latest.sex, latest.phone,
                    latest.email, latest.periods, p.id AS registered_id,
                    CASE WHEN p.id IS NULL THEN 1 ELSE 0 END AS is_new
                FROM ({latest_periods}) latest
                LEFT JOIN {person} p ON p.iin = latest.iin
            ) people
            WINDOW in_iin_order AS (ORDER BY iin ROWS UNBOUNDED PRECEDING)
            """,
            [self.first_person_id, self.first_membership_id],
            latest_periods=LATEST_PERIODS[connection.vendor].format(stage=STAGE.name),
        )
        PEOPLE.index("iin")
        return int(new), int(new_periods)

    def _insert_people(self) -> None:
        """New people, each pointing to their latest membership, inserted before
        under the key reserved for it."""
        self.result.people_created = self._execute(
            """
            INSERT INTO {person} (id, iin, last_name, first_name, patronymic,
                birth_date, sex, phone, email, position, consent_text_version,
                current_membership_id, created_at, updated_at)
            SELECT l.person_id, l.iin, l.last_name, l.first_name, l.patronymic,
                l.birth_date, l.sex, l.phone, l.email, '', '',
                l.latest_membership_id, %s, %s
            FROM {people} l
            WHERE l.is_new = 1
            """,
            [self.now, self.now],
        )
        self._execute(
            """
            INSERT INTO {audit} (at, actor_id, action, object_type, object_id,
                person_id, note)
            SELECT %s, %s, %s, 'person', l.person_id, l.person_id, %s
            FROM {people} l
            WHERE l.is_new = 1
            """,
            [self.now, self.actor_id, AuditAction.PERSON_CREATED, self.note],
        )

    def _update_people(self) -> None:
        changed = self._fetch(
            """
            SELECT p.id, p.last_name, p.first_name, p.patronymic, p.phone, p.email,
                l.last_name, l.first_name, l.patronymic,
                {new_phone},
                CASE WHEN l.email = '' THEN p.email ELSE l.email END
            FROM {person} p JOIN {people} l ON l.person_id = p.id
            WHERE l.is_new = 0 AND {person_differs}
            """
        )
        if not changed:
            return
        self._execute(
            """
            UPDATE {person} AS p SET last_name = l.last_name,
                first_name = l.first_name, patronymic = l.patronymic,
                phone = {new_phone},
                email = CASE WHEN l.email = '' THEN p.email ELSE l.email END,
                updated_at = %s
            FROM {people} l
            WHERE l.person_id = p.id AND l.is_new = 0 AND {person_differs}
            """,
            [self.now],
        )
        self.result.people_updated = len(changed)
        record_bulk(
            [
                self._change_event(
                    AuditAction.PERSON_UPDATED,
                    "person",
                    row[0],
                    row[0],
                    PERSON_FIELDS,
                    row[1:6],
                    row[6:11],
                )
                for row in changed
            ]
        )

    def _update_memberships(self) -> None:
        changed = self._fetch(
            """
            SELECT m.id, p.id, m.org_unit_id, m.category, m.left_on,
                m.leave_reason, u.id, s.category, s.left_on, s.leave_reason
            FROM {stage} s
            JOIN {person} p ON p.iin = s.iin
            JOIN {membership} m ON m.person_id = p.id AND m.joined_on = s.joined_on
            JOIN {unit} u ON u.code = s.org_code
            WHERE {membership_differs}
            """
        )
        if not changed:
            return
        # Ended periods first: a period reopened in the same statement could
        # otherwise meet the one-active-membership rule before the other closes.
        for ended in ("s.left_on IS NOT NULL", "s.left_on IS NULL"):
            self._execute(
                """
                UPDATE {membership} AS m SET org_unit_id = u.id,
                    category = s.category, left_on = s.left_on,
                    leave_reason = s.leave_reason
                FROM {stage} s
                JOIN {person} p ON p.iin = s.iin
                JOIN {unit} u ON u.code = s.org_code
                WHERE m.person_id = p.id AND m.joined_on = s.joined_on
                    AND {ended} AND {membership_differs}
                """,
                ended=ended,
            )
        self.result.memberships_updated = len(changed)
        record_bulk(
            [
                self._change_event(
                    AuditAction.MEMBERSHIP_UPDATED,
                    "membership",
                    row[0],
                    row[1],
                    MEMBERSHIP_FIELDS,
                    row[2:6],
                    row[6:10],
                )
                for row in changed
            ]
        )

    def _insert_memberships(self) -> None:
        """Periods not registered yet, with the holder's sex and birth date as the
        IIN gives them (the people are written after): a new person's periods,
        all new, under the keys reserved for them; a registered person's that the
        registry lacks."""
        self.result.memberships_created = self._execute(
            """
            INSERT INTO {membership} (id, person_id, org_unit_id, joined_on, left_on,
                category, join_method, leave_reason, created_at, sex, birth_date)
            SELECT %s - 1 + ROW_NUMBER() OVER (
                    ORDER BY s.iin, s.joined_on
                ),
                l.person_id, u.id, s.joined_on, s.left_on, s.category, %s,
                s.leave_reason, %s, s.sex, s.birth_date
            FROM {stage} s
            JOIN {people} l ON l.iin = s.iin
            JOIN {unit} u ON u.code = s.org_code
            WHERE l.is_new = 1
            """,
            [self.first_membership_id, JoinMethod.IMPORT, self.now],
        ) + self._execute(
            """
            INSERT INTO {membership} (person_id, org_unit_id, joined_on, left_on,
                category, join_method, leave_reason, created_at, sex, birth_date)
            SELECT l.person_id, u.id, s.joined_on, s.left_on, s.category, %s,
                s.leave_reason, %s, s.sex, s.birth_date
            FROM {stage} s
            JOIN {people} l ON l.iin = s.iin
            JOIN {unit} u ON u.code = s.org_code
            LEFT JOIN {membership} m
                ON m.person_id = l.person_id AND m.joined_on = s.joined_on
            WHERE l.is_new = 0 AND m.id IS NULL
            """,
            [JoinMethod.IMPORT, self.now],
        )
        # A new person's event covers their periods; a known person gets one per
        # new period.
        self._execute(
            """
            INSERT INTO {audit} (at, actor_id, action, object_type, object_id,
                person_id, note)
            SELECT %s, %s, %s, 'membership', m.id, m.person_id, %s
            FROM {people} l
            JOIN {membership} m ON m.person_id = l.person_id
            WHERE l.is_new = 0 AND m.created_at = %s AND m.join_method = %s
            """,
            [
                self.now,
                self.actor_id,
                AuditAction.MEMBERSHIP_STARTED,
                self.note,
                self.now,
                JoinMethod.IMPORT,
            ],
        )

    def _point_to_latest_memberships(self) -> None:
        """Each registered person of the file points to their latest membership."""
        self._execute("""
            UPDATE {person} AS p SET current_membership_id = latest.membership_id
            FROM (
                SELECT person_id, membership_id FROM (
                    SELECT m.person_id, m.id AS membership_id, ROW_NUMBER() OVER (
                        PARTITION BY m.person_id ORDER BY m.joined_on DESC, m.id DESC
                    ) AS position
                    FROM {people} l
                    JOIN {membership} m ON m.person_id = l.person_id
                    WHERE l.is_new = 0
                ) ranked
                WHERE position = 1
            ) latest
            WHERE p.id = latest.person_id
                AND p.current_membership_id IS DISTINCT FROM latest.membership_id
        """)

    def _change_event(
        self,
        action: AuditAction,
        object_type: str,
        object_id: int,
        person_id: int,
        fields: tuple[str, ...],
        before: tuple[Any, ...],
        after: tuple[Any, ...],
    ) -> AuditEvent:
        changed = [
            (name, old, new)
            for name, old, new in zip(fields, before, after, strict=True)
            if _plain(old) != _plain(new)
        ]
        return AuditEvent(
            at=self.now,
            actor_id=self.actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            person_id=person_id,
            before={name: _plain(old) for name, old, _new in changed},
            after={name: _plain(new) for name, _old, new in changed},
            note=self.note,
        )


def _plain(value: Any) -> Any:
    """Dates as ISO text, as the trail keeps them (SQLite hands them back as text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
