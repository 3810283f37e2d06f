"""The checks of an organization file that need other rows or the registry, in SQL.

``plan_orgs`` first works out, over the staged rows, where each row stands in the
file's tree and what is known of it and of its parent (see ``org_stage``); the
checks are then plain queries over those facts. The same SQL runs on PostgreSQL
and SQLite.

Rows are matched to registered units by code. A unit outside the importer's
subtrees is someone else's: a row with its code is refused, and as a parent it
reads as unknown, exactly like a code that does not exist, so that a file tells
nobody what lies outside their subtrees. A new unit needs the right over its
parent, a change of a registered one the right over it, and closing one the right
over the unit above it, as when staff close one by hand.

What the registry holds is its history: an import adds to it (a unit opened or
closed, a move) and refuses what would rewrite it (another date opened or closed,
another level, another parent at a date already recorded).

A unit that moved has a row for each parent it stood under, each from its own date
(the first from the date it opened). Its names, dates and current parent are
those of its latest row; every placement is checked against its own parent, which
must be open over all of it. A row without a date under a new parent moves a
registered unit as of today, as it always has; a dated row after the unit's last
recorded change moves it on that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from kasipodaq.orgtree.models import (
    PARENT_LEVELS,
    EmployeeCount,
    Employer,
    Level,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
    UnitStatus,
)
from kasipodaq.registry.imports.headers import Field
from kasipodaq.registry.imports.member_checks import Scope
from kasipodaq.registry.imports.org_stage import (
    BLOCKED,
    EDGES,
    FACTS,
    HISTORY,
    PLACES,
    PLAN,
    REFUSED,
    STAGE,
)
from kasipodaq.registry.imports.values import (
    BIN_REPEATED,
    BIN_TAKEN,
    CENTRAL_EXISTS,
    CENTRAL_NOT_CLOSED,
    CLOSE_OUT_OF_SCOPE,
    CLOSED_BEFORE_LAST_CHANGE,
    CLOSED_CHANGED,
    CLOSED_NOT_AFTER_OPENED,
    CODE_OUT_OF_SCOPE,
    CODE_REPEATED,
    LEVEL_CHANGED,
    MEMBERS_AFTER_CLOSING,
    MOVE_CLOSED,
    MOVE_SAME_DAY,
    OPENED_BEFORE_PARENT,
    OPENED_CHANGED,
    PARENT_CLOSED,
    PARENT_CYCLE,
    PARENT_LEVEL,
    PARENT_UNKNOWN,
    PLACED_AFTER_CLOSED,
    PLACED_OPENED,
    PLACED_REPEATED,
    PLACED_SAME_PARENT,
    PLACEMENT_CHANGED,
    REQUIRED,
    SECTOR_REQUIRED,
    SUBUNITS_OPEN,
    RowProblem,
)
from kasipodaq.registry.models import Membership

TABLES = {
    "stage": STAGE.name,
    "plan": PLAN.name,
    "facts": FACTS.name,
    "refused": REFUSED.name,
    "blocked": BLOCKED.name,
    "history": HISTORY.name,
    "places": PLACES.name,
    "unit": OrgUnit._meta.db_table,
    "placement": OrgPlacement._meta.db_table,
    "event": OrgEvent._meta.db_table,
    "employees": EmployeeCount._meta.db_table,
    "employer": Employer._meta.db_table,
    "membership": Membership._meta.db_table,
}
CENTRAL: str = Level.CENTRAL.value
PRIMARY: str = Level.PRIMARY.value
ACTIVE: str = UnitStatus.ACTIVE.value


def _execute(sql: str, params: Sequence[Any] = (), **tables: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**TABLES, **tables), params)
        return max(cursor.rowcount, 0)


def _fetch(
    sql: str, params: Sequence[Any] = (), **tables: str
) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**TABLES, **tables), params)
        return cursor.fetchall()


def split_history() -> None:
    """Move the rows before each unit's latest placement from ``STAGE`` to ``HISTORY``.

    Made once, when the file is read. Only a unit whose rows are distinct
    placements is split: at most one row without a date, no date twice, and no
    row of its code that did not parse. The rows of any other repeated code stay
    in ``STAGE``, where they are refused as repeated.
    """
    HISTORY.create()
    split = _execute("""
        INSERT INTO {history} (row_number, code, parent_code, placed_from, seq)
        SELECT o.row_number, o.code, o.parent_code, o.placed_from, o.seq FROM (
            SELECT s.row_number, s.code, s.parent_code, s.placed_from,
                ROW_NUMBER() OVER (
                    PARTITION BY s.code
                    ORDER BY CASE WHEN s.placed_from IS NULL THEN 0 ELSE 1 END,
                        s.placed_from
                ) AS seq,
                COUNT(*) OVER (PARTITION BY s.code) AS placements
            FROM {stage} s
            WHERE s.code IN (
                SELECT code FROM {stage} GROUP BY code
                HAVING COUNT(*) > 1 AND COUNT(*) - COUNT(placed_from) <= 1
                    AND COUNT(DISTINCT placed_from) = COUNT(placed_from)
            ) AND s.code NOT IN (SELECT code FROM {refused})
        ) o
        WHERE o.seq < o.placements
    """)
    if split:
        _execute(
            "DELETE FROM {stage} WHERE row_number IN (SELECT row_number FROM {history})"
        )
    HISTORY.index("code", analyze=False)


def _edges() -> str:
    """The table whose rows the walk down follows, each to the parent opened under."""
    return EDGES.name if _fetch("SELECT 1 FROM {history} LIMIT 1") else STAGE.name


def drop_plan() -> None:
    """Drop the tables ``plan_orgs`` fills (the staged rows and history stay)."""
    for table in (PLAN, FACTS, PLACES, EDGES, BLOCKED):
        table.drop()


def plan_orgs(scope: Scope) -> None:
    """Fill ``PLAN``, ``FACTS`` and ``PLACES`` from the staged rows (again, after
    rows left)."""
    drop_plan()
    BLOCKED.create()
    _execute("""
        INSERT INTO {blocked}
        SELECT code FROM {stage} GROUP BY code HAVING COUNT(*) > 1
        UNION SELECT code FROM {refused}
    """)
    BLOCKED.index("code", analyze=False)
    edges = _edges()
    if edges == EDGES.name:
        EDGES.create()
        _execute(
            """
            INSERT INTO {edges} (row_number, code, parent_code, opened_on)
            SELECT s.row_number, s.code, COALESCE(h.parent_code, s.parent_code),
                s.opened_on
            FROM {stage} s LEFT JOIN {history} h ON h.code = s.code AND h.seq = 1
        """,
            edges=edges,
        )
        EDGES.index("code", analyze=False)
        EDGES.index("parent_code")
    PLAN.create()
    _walk_down(scope, edges)
    PLAN.index("row_number", analyze=False)
    FACTS.create()
    _collect_facts(scope)
    PLACES.create()
    _collect_places(scope)


def _walk_down(scope: Scope, edges: str) -> None:
    """Each row reachable down the file's tree, its generation and its date opened.

    The walk starts at the rows whose parent code is not a code of the file and
    goes from parent to children, never through a blocked code: rows in a circle
    of parents, or under one, or under a blocked code, are not reached. A unit
    with a history is reached through the parent it opened under, which is the one
    it is created under. A row's date opened is the registry's for a unit the
    importer manages, else the one in the file, else its parent's: a unit without
    a date opened with its parent.
    """
    unit_scope, unit_params = scope.condition("u.path")
    parent_scope, parent_params = scope.condition("p.path")
    sql = f"""
        WITH RECURSIVE walk(row_number, code, generation, opened) AS (
            SELECT s.row_number, s.code, 1,
                COALESCE(u.opened_on, s.opened_on, p.opened_on)
            FROM {{edges}} s
            LEFT JOIN {{unit}} u ON u.code = s.code AND {unit_scope}
            LEFT JOIN {{unit}} p ON p.code = s.parent_code AND {parent_scope}
            WHERE s.parent_code NOT IN (SELECT code FROM {{stage}})
                AND s.parent_code NOT IN (SELECT code FROM {{blocked}})
            UNION ALL
            SELECT s.row_number, s.code, w.generation + 1,
                COALESCE(u.opened_on, s.opened_on, w.opened)
            FROM walk w
            JOIN {{edges}} s ON s.parent_code = w.code
            LEFT JOIN {{unit}} u ON u.code = s.code AND {unit_scope}
            WHERE w.code NOT IN (SELECT code FROM {{blocked}})
        )
        INSERT INTO {{plan}} SELECT row_number, generation, opened FROM walk
    """  # noqa: S608 (the scope conditions are built from placeholders)
    _execute(sql, [*unit_params, *parent_params, *unit_params], edges=edges)


def _collect_facts(scope: Scope) -> None:
    """One statement: each row's own facts, then its parent's beside them.

    The parent is the file's row of the parent code when the code is there once
    and is not someone else's unit, else the registered unit of that code that the
    importer manages; a blocked parent code is not followed at all.
    """
    unit_scope, unit_params = scope.condition("u.path")
    above_scope, above_params = scope.condition("rp.path")
    parent_scope, parent_params = scope.condition("p.path")
    sql = f"""
        WITH own AS (
            SELECT s.row_number, s.code, s.parent_code, s.level, s.bin,
                s.opened_on, s.closed_on, s.placed_from, pl.generation, pl.opened,
                u.id AS unit_id,
                CASE WHEN u.id IS NOT NULL AND {unit_scope} THEN 1 ELSE 0 END AS mine,
                CASE WHEN u.id IS NULL THEN 1 ELSE 0 END AS is_new,
                u.level AS unit_level, u.opened_on AS unit_opened,
                u.closed_on AS unit_closed,
                (SELECT MAX(pc.valid_from) FROM {{placement}} pc
                 WHERE pc.unit_id = u.id) AS unit_since,
                rp.code AS unit_parent_code,
                CASE WHEN rp.id IS NOT NULL AND {above_scope} THEN 1 ELSE 0 END
                    AS unit_parent_mine,
                CASE WHEN s.parent_code IN (SELECT code FROM {{blocked}}) THEN 1
                    ELSE 0 END AS parent_blocked
            FROM {{stage}} s
            LEFT JOIN {{plan}} pl ON pl.row_number = s.row_number
            LEFT JOIN {{unit}} u ON u.code = s.code
            LEFT JOIN {{unit}} rp ON rp.id = u.parent_id
        ), fact AS (
            -- What the file changes of a registered unit of the importer's; a
            -- row without a date under another parent moves it as of today.
            SELECT own.*,
                CASE WHEN mine = 1 THEN COALESCE(unit_closed, closed_on)
                    ELSE closed_on END AS closed,
                CASE WHEN mine = 1 AND placed_from IS NULL
                    AND parent_code <> COALESCE(unit_parent_code, '')
                    THEN 1 ELSE 0 END AS moved,
                CASE WHEN mine = 1 AND unit_closed IS NULL AND closed_on IS NOT NULL
                    THEN 1 ELSE 0 END AS closes
            FROM own
        )
        INSERT INTO {{facts}} ({", ".join(c.name for c in FACTS.columns)})
        SELECT c.row_number, c.code, c.parent_code, c.level, c.bin, c.opened_on,
            c.closed_on, c.generation, c.opened, c.closed, c.unit_id, c.mine,
            c.is_new, c.unit_level, c.unit_opened, c.unit_closed, c.unit_since,
            c.unit_parent_code, c.unit_parent_mine, c.moved, c.closes,
            c.parent_blocked, f.row_number, p.id, COALESCE(f.level, p.level),
            CASE WHEN f.row_number IS NULL THEN p.opened_on ELSE f.opened END,
            CASE WHEN f.row_number IS NULL THEN p.closed_on ELSE f.closed END,
            c.placed_from
        FROM fact c
        LEFT JOIN fact f ON f.code = c.parent_code AND c.parent_blocked = 0
            AND (f.is_new = 1 OR f.mine = 1)
        LEFT JOIN {{unit}} p ON p.code = c.parent_code AND c.parent_blocked = 0
            AND {parent_scope}
    """  # noqa: S608 (the scope conditions are built from placeholders)
    _execute(sql, [*unit_params, *above_params, *parent_params])
    FACTS.index("row_number", analyze=False)
    FACTS.index("code", analyze=False)
    FACTS.index("bin")


def _collect_places(scope: Scope) -> None:
    """One statement: each dated placement, its unit's facts and its parent's.

    The rows of a unit are its ``HISTORY`` and its row in ``STAGE``, in the order
    of their dates; a placement runs from its date (the first from the date the
    unit opened) to the next one's, the last to the date the unit closed. The
    parent is found as ``_collect_facts`` finds it. A registered unit's placement
    is in the registry when one of the same parent starts on the same day.
    """
    parent_scope, parent_params = scope.condition("p.path")
    sql = f"""
        WITH placed AS (
            SELECT h.row_number, h.code, h.parent_code, h.placed_from, h.seq,
                0 AS is_last
            FROM {{history}} h
            UNION ALL
            SELECT s.row_number, s.code, s.parent_code, s.placed_from,
                1 + (SELECT COUNT(*) FROM {{history}} h WHERE h.code = s.code), 1
            FROM {{stage}} s
            WHERE s.placed_from IS NOT NULL
                AND s.code NOT IN (SELECT code FROM {{blocked}})
        ), ordered AS (
            SELECT placed.*,
                LAG(parent_code) OVER unit_rows AS prev_parent,
                LAG(placed_from) OVER unit_rows AS prev_from,
                LEAD(placed_from) OVER unit_rows AS next_from
            FROM placed
            WINDOW unit_rows AS (PARTITION BY code ORDER BY seq)
        ), dated AS (
            SELECT o.row_number, o.code, o.parent_code, o.placed_from, o.seq,
                o.is_last,
                CASE WHEN o.placed_from IS NULL THEN u.opened ELSE o.placed_from END
                    AS starts,
                CASE WHEN o.is_last = 1 THEN u.closed ELSE o.next_from END AS ends,
                CASE WHEN u.is_new = 1 OR o.prev_from > u.unit_since
                    THEN o.prev_parent ELSE u.unit_parent_code END AS before_parent,
                u.unit_id, u.mine, u.is_new, u.unit_closed, u.unit_since, u.opened,
                u.closed, u.level,
                CASE WHEN o.parent_code IN (SELECT code FROM {{blocked}}) THEN 1
                    ELSE 0 END AS parent_blocked
            FROM ordered o JOIN {{facts}} u ON u.code = o.code
        )
        INSERT INTO {{places}} ({", ".join(c.name for c in PLACES.columns)})
        SELECT d.row_number, d.code, d.parent_code, d.placed_from, d.seq, d.is_last,
            d.starts, d.ends, d.before_parent, d.unit_id, d.mine, d.is_new,
            d.unit_closed, d.opened, d.closed, d.level, d.parent_blocked,
            f.row_number, p.id, COALESCE(f.level, p.level),
            CASE WHEN f.row_number IS NULL THEN p.opened_on ELSE f.opened END,
            CASE WHEN f.row_number IS NULL THEN p.closed_on ELSE f.closed END,
            p.closed_on,
            CASE WHEN d.is_new = 1 OR (d.mine = 1 AND d.starts > d.unit_since)
                THEN 1 ELSE 0 END,
            CASE WHEN (d.is_new = 1 AND d.seq > 1)
                OR (d.mine = 1 AND d.starts > d.unit_since) THEN 1 ELSE 0 END,
            CASE WHEN d.mine = 1 AND EXISTS (
                SELECT 1 FROM {{placement}} rp JOIN {{unit}} ru ON ru.id = rp.parent_id
                WHERE rp.unit_id = d.unit_id AND rp.valid_from = d.starts
                    AND ru.code = d.parent_code
            ) THEN 1 ELSE 0 END
        FROM dated d
        LEFT JOIN {{facts}} f ON f.code = d.parent_code AND d.parent_blocked = 0
            AND (f.is_new = 1 OR f.mine = 1)
        LEFT JOIN {{unit}} p ON p.code = d.parent_code AND d.parent_blocked = 0
            AND {parent_scope}
    """  # noqa: S608 (the scope conditions are built from placeholders)
    _execute(sql, parent_params)


def check_orgs(scope: Scope, *, today: dt.date) -> list[RowProblem]:
    """Every problem of the staged rows found across rows or against the registry.

    Builds the plan first; it stays for the merge until ``drop_plan``.
    """
    plan_orgs(scope)
    return [
        *_repeated_codes(),
        *_simple_checks(today),
        *_placement_checks(),
        *_parent_levels(),
        *_cycles(),
        *_open_subunits(),
        *_members_after_closing(),
        *_repeated_bins(),
        *_bins_taken(),
        *_sectors_required(),
    ]


def _problems(
    field: Field, code: str, rows: Iterable[tuple[Any, ...]]
) -> list[RowProblem]:
    return [
        RowProblem(row[0], field, code, row[1] if len(row) > 1 else 0) for row in rows
    ]


def _repeated_codes() -> list[RowProblem]:
    """Every row of a code found more than once, naming another row of it.

    Rows of one code are the placements of a unit that moved, each from its own
    date: two without a date, or two of the same date, cannot both be. A row that
    did not parse still holds its code: a good row of the same code is refused
    too, since which of them is meant is unknown.
    """
    return [
        *_problems(
            Field.CODE,
            CODE_REPEATED,
            _fetch("""
                SELECT c.row_number, MIN(o.row_number)
                FROM {stage} c
                JOIN (
                    SELECT code, row_number, 0 AS refused, placed_from FROM {stage}
                    UNION ALL SELECT code, row_number, 1, NULL FROM {refused}
                ) o ON o.code = c.code AND o.row_number <> c.row_number
                WHERE o.refused = 1
                    OR (c.placed_from IS NULL AND o.placed_from IS NULL)
                GROUP BY c.row_number
            """),
        ),
        *_problems(
            Field.PLACED_FROM,
            PLACED_REPEATED,
            _fetch("""
                SELECT c.row_number, MIN(o.row_number)
                FROM {stage} c
                JOIN {stage} o ON o.code = c.code AND o.row_number <> c.row_number
                    AND o.placed_from = c.placed_from
                GROUP BY c.row_number
            """),
        ),
    ]


# Conditions on one row of the facts: (field, problem code, condition).
ROW_CHECKS: tuple[tuple[Field, str, str], ...] = (
    (Field.CODE, CODE_OUT_OF_SCOPE, "unit_id IS NOT NULL AND mine = 0"),
    (Field.LEVEL, LEVEL_CHANGED, "mine = 1 AND unit_level <> level"),
    (
        Field.LEVEL,
        CENTRAL_EXISTS,
        f"""is_new = 1 AND level = '{CENTRAL}' AND (
            EXISTS (SELECT 1 FROM {{unit}} WHERE level = '{CENTRAL}')
            OR EXISTS (
                SELECT 1 FROM {{stage}} o
                WHERE o.level = '{CENTRAL}' AND o.code <> c.code
                    AND o.row_number < c.row_number
            )
        )""",  # noqa: S608 (constant conditions)
    ),
    (
        Field.OPENED_ON,
        OPENED_CHANGED,
        "mine = 1 AND opened_on IS NOT NULL AND opened_on <> unit_opened",
    ),
    (
        Field.OPENED_ON,
        REQUIRED,
        f"is_new = 1 AND level = '{CENTRAL}' AND opened_on IS NULL",
    ),
    (
        Field.OPENED_ON,
        OPENED_BEFORE_PARENT,
        "is_new = 1 AND placed_from IS NULL AND opened_on IS NOT NULL "
        "AND opened_on < par_opened",
    ),
    (
        Field.CLOSED_ON,
        CLOSED_CHANGED,
        "mine = 1 AND unit_closed IS NOT NULL "
        "AND (closed_on IS NULL OR closed_on <> unit_closed)",
    ),
    (
        Field.CLOSED_ON,
        CENTRAL_NOT_CLOSED,
        f"level = '{CENTRAL}' AND closed_on IS NOT NULL AND (is_new = 1 OR mine = 1)",
    ),
    (
        Field.CLOSED_ON,
        CLOSED_NOT_AFTER_OPENED,
        "is_new = 1 AND opened_on IS NULL AND closed_on <= opened",
    ),
    (
        Field.CLOSED_ON,
        CLOSE_OUT_OF_SCOPE,
        f"closes = 1 AND level <> '{CENTRAL}' AND unit_parent_mine = 0",
    ),
    (Field.CLOSED_ON, CLOSED_BEFORE_LAST_CHANGE, "closes = 1 AND closed <= unit_since"),
    (
        Field.PARENT_CODE,
        PARENT_UNKNOWN,
        f"""level <> '{CENTRAL}' AND parent_blocked = 0 AND parent_row IS NULL
            AND parent_unit_id IS NULL AND placed_from IS NULL
            AND (is_new = 1 OR moved = 1)""",
    ),
    (
        Field.PARENT_CODE,
        PARENT_CLOSED,
        """par_closed IS NOT NULL AND placed_from IS NULL AND (
            moved = 1 OR (is_new = 1 AND (closed IS NULL OR closed > par_closed))
        )""",
    ),
    (
        Field.PARENT_CODE,
        MOVE_CLOSED,
        "moved = 1 AND (unit_closed IS NOT NULL OR closed_on IS NOT NULL)",
    ),
    (
        Field.PARENT_CODE,
        MOVE_SAME_DAY,
        "moved = 1 AND unit_closed IS NULL AND closed_on IS NULL AND unit_since >= %s",
    ),
)


def _simple_checks(today: dt.date) -> list[RowProblem]:
    found: list[RowProblem] = []
    for field, code, condition in ROW_CHECKS:
        params = [today] if "%s" in condition else []
        rows = _fetch(
            f"SELECT c.row_number FROM {{facts}} c WHERE {condition}",  # noqa: S608
            params,
        )
        found.extend(_problems(field, code, rows))
    return found


# Conditions on one dated placement: (field, problem code, condition). Only a
# placement the import writes (``fresh``) is judged against its parent; one of a
# registered unit up to its last change must be in the registry already.
PLACE_CHECKS: tuple[tuple[Field, str, str], ...] = (
    (
        Field.PLACED_FROM,
        PLACED_OPENED,
        """opened IS NOT NULL AND placed_from IS NOT NULL AND (
            placed_from < opened OR (seq > 1 AND placed_from <= opened)
            OR (is_new = 1 AND seq = 1 AND placed_from <> opened)
        )""",
    ),
    (
        Field.PLACED_FROM,
        PLACED_AFTER_CLOSED,
        """is_last = 1 AND placed_from IS NOT NULL AND closed IS NOT NULL
            AND placed_from >= closed AND (opened IS NULL OR placed_from > opened)""",
    ),
    (
        Field.PLACED_FROM,
        PLACEMENT_CHANGED,
        "mine = 1 AND fresh = 0 AND matched = 0 AND placed_from IS NOT NULL",
    ),
    (
        Field.PARENT_CODE,
        PLACEMENT_CHANGED,
        "mine = 1 AND fresh = 0 AND matched = 0 AND placed_from IS NULL",
    ),
    (
        Field.PARENT_CODE,
        PLACED_SAME_PARENT,
        "moves = 1 AND parent_code = before_parent",
    ),
    (
        Field.PARENT_CODE,
        MOVE_CLOSED,
        "mine = 1 AND fresh = 1 AND unit_closed IS NOT NULL",
    ),
    (
        Field.PARENT_CODE,
        PARENT_UNKNOWN,
        """fresh = 1 AND parent_blocked = 0 AND parent_row IS NULL
            AND parent_unit_id IS NULL""",
    ),
    (
        Field.PLACED_FROM,
        OPENED_BEFORE_PARENT,
        "fresh = 1 AND placed_from IS NOT NULL AND starts < par_opened",
    ),
    (
        Field.OPENED_ON,
        OPENED_BEFORE_PARENT,
        "fresh = 1 AND placed_from IS NULL AND starts < par_opened",
    ),
    # A move is made into an open parent: one the registry has closed is refused
    # even for a period before it closed.
    (
        Field.PARENT_CODE,
        PARENT_CLOSED,
        """fresh = 1 AND (
            (par_closed IS NOT NULL AND (ends IS NULL OR ends > par_closed))
            OR (moves = 1 AND par_gone IS NOT NULL)
        )""",
    ),
)


def _placement_checks() -> list[RowProblem]:
    found: list[RowProblem] = []
    for field, code, condition in PLACE_CHECKS:
        rows = _fetch(
            f"SELECT c.row_number FROM {{places}} c WHERE {condition}"  # noqa: S608
        )
        found.extend(_problems(field, code, rows))
    return found


def _parent_levels() -> list[RowProblem]:
    """New or moved rows and placements under a parent whose level may not hold
    theirs."""
    allowed = []
    params: list[str] = []
    for level, parents in PARENT_LEVELS.items():
        if parents:
            marks = ", ".join(["%s"] * len(parents))
            allowed.append(f"(c.level = %s AND c.par_level IN ({marks}))")
            params.extend([level, *sorted(parents)])
    levels = " OR ".join(allowed)
    sql = f"""
        SELECT c.row_number FROM {{facts}} c
        WHERE (c.is_new = 1 OR c.moved = 1) AND c.placed_from IS NULL
            AND c.par_level IS NOT NULL AND NOT ({levels})
        UNION ALL
        SELECT c.row_number FROM {{places}} c
        WHERE c.fresh = 1 AND c.par_level IS NOT NULL AND NOT ({levels})
    """  # noqa: S608 (the conditions are built from placeholders)
    return _problems(Field.PARENT_CODE, PARENT_LEVEL, _fetch(sql, params + params))


def _cycles() -> list[RowProblem]:
    """Rows the walk down did not reach, whose parents lead round in a circle.

    Going up from such a row, through the parents units opened under and the
    other rows not reached either, ends at a blocked code (the row is under a
    repeated code or a row that did not parse, which carry their own problems) or
    goes round for ever: then the row is in a circle of parents, or under one.
    """
    return _problems(
        Field.PARENT_CODE,
        PARENT_CYCLE,
        _fetch(
            """
            WITH RECURSIVE up(start_row, code) AS (
                SELECT f.row_number, e.parent_code
                FROM {facts} f JOIN {edges} e ON e.row_number = f.row_number
                WHERE f.generation IS NULL
                UNION
                SELECT up.start_row, e.parent_code
                FROM up JOIN {edges} e ON e.code = up.code
                JOIN {facts} f ON f.row_number = e.row_number
                WHERE f.generation IS NULL
            )
            SELECT c.row_number FROM {facts} c
            WHERE c.generation IS NULL AND NOT EXISTS (
                SELECT 1 FROM up
                WHERE up.start_row = c.row_number
                    AND up.code IN (SELECT code FROM {blocked})
            )
            """,
            edges=_edges(),
        ),
    )


def _open_subunits() -> list[RowProblem]:
    """Registered units the file closes while units under them stay open longer.

    A sub-unit closes with its parent or earlier, or the file moves it away by
    then; one moved away by a row without a date is moved today, so it too would
    have stood under a closed parent until then.
    """
    return _problems(
        Field.CLOSED_ON,
        SUBUNITS_OPEN,
        _fetch("""
            SELECT c.row_number FROM {facts} c
            WHERE c.closes = 1 AND EXISTS (
                SELECT 1 FROM {unit} k LEFT JOIN {stage} kf ON kf.code = k.code
                WHERE k.parent_id = c.unit_id
                    AND (COALESCE(k.closed_on, kf.closed_on) IS NULL
                        OR COALESCE(k.closed_on, kf.closed_on) > c.closed)
                    AND (kf.placed_from IS NULL OR kf.parent_code = c.code
                        OR kf.placed_from > c.closed)
            )
        """),
    )


def _members_after_closing() -> list[RowProblem]:
    """A closing ends the unit's memberships, which must have begun before it."""
    return _problems(
        Field.CLOSED_ON,
        MEMBERS_AFTER_CLOSING,
        _fetch("""
            SELECT c.row_number FROM {facts} c
            WHERE c.closes = 1 AND EXISTS (
                SELECT 1 FROM {membership} m
                WHERE m.org_unit_id = c.unit_id AND m.left_on IS NULL
                    AND m.joined_on >= c.closed
            )
        """),
    )


def _open_primary(alias: str) -> str:
    """The condition that a row of the facts is an open primary with a BIN."""
    return (
        f"{alias}.level = '{PRIMARY}' AND {alias}.bin <> '' AND {alias}.closed IS NULL"
    )


def _repeated_bins() -> list[RowProblem]:
    """Open primary organizations of the file at one employer, naming another row.

    An employer has at most one open primary organization (as when staff open
    one); closed ones may share it, which is how a history is loaded.
    """
    return _problems(
        Field.BIN,
        BIN_REPEATED,
        _fetch(
            f"""
            SELECT c.row_number, MIN(o.row_number)
            FROM {{facts}} c
            JOIN {{facts}} o ON o.bin = c.bin AND o.row_number <> c.row_number
            WHERE {_open_primary("c")} AND {_open_primary("o")}
            GROUP BY c.row_number
            """  # noqa: S608 (constant conditions)
        ),
    )


def _bins_taken() -> list[RowProblem]:
    """Open primaries at an employer that has another one, which the file keeps."""
    return _problems(
        Field.BIN,
        BIN_TAKEN,
        _fetch(
            f"""
            SELECT c.row_number FROM {{facts}} c
            WHERE {_open_primary("c")} AND (c.is_new = 1 OR c.mine = 1)
                AND EXISTS (
                    SELECT 1 FROM {{unit}} k
                    JOIN {{employer}} e ON e.id = k.employer_id
                    WHERE e.bin = c.bin AND k.level = '{PRIMARY}'
                        AND k.status = '{ACTIVE}' AND k.code <> c.code
                        AND NOT EXISTS (
                            SELECT 1 FROM {{stage}} kf
                            WHERE kf.code = k.code AND (
                                kf.closed_on IS NOT NULL
                                OR (kf.bin <> '' AND kf.bin <> c.bin)
                            )
                        )
                )
            """  # noqa: S608 (constant conditions)
        ),
    )


def _sectors_required() -> list[RowProblem]:
    """Rows of a BIN no employer has, when no row of that BIN names a sector."""
    return _problems(
        Field.SECTOR,
        SECTOR_REQUIRED,
        _fetch("""
            SELECT s.row_number FROM {stage} s
            WHERE s.bin <> '' AND s.sector = ''
                AND NOT EXISTS (SELECT 1 FROM {employer} e WHERE e.bin = s.bin)
                AND NOT EXISTS (
                    SELECT 1 FROM {stage} o WHERE o.bin = s.bin AND o.sector <> ''
                )
        """),
    )
