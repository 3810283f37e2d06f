"""What the registry knows about every organization on a date, rolled up the tree.

Three set-based queries do the counting: the tree as it stood on the date (from
the placement history), one grouped pass over the memberships active that day
(members, working, students, pensioners, and — from the holder's sex and birth
date each membership carries — women and youth),
and the latest count of employees of each workplace. The roll-up then adds each
unit's figures into its parent's, deepest level first, in memory: at most five
levels and one addition per unit and figure, so 60,000 units take milliseconds
where joining every unit to every descendant would take seconds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import add
from typing import Any

from django.db import connection

from kasipodaq.orgtree.as_of import tree_as_of
from kasipodaq.orgtree.models import EmployeeCount, Level
from kasipodaq.registry.models import Category, Membership, Sex
from kasipodaq.registry.selectors import born_after

from .models import Measure

# The columns of _MEMBERS_SQL after the unit, as measures.
_MEMBER_MEASURES = (
    Measure.MEMBERS,
    Measure.WORKING,
    Measure.STUDENTS,
    Measure.PENSIONERS,
    Measure.WOMEN,
    Measure.YOUTH_29,
    Measure.YOUTH_35,
)
_MEMBER_COLUMNS = len(_MEMBER_MEASURES)
# The order of the figures in each unit's row: those of _MEMBERS_SQL first.
MEASURES: tuple[str, ...] = (
    *_MEMBER_MEASURES,
    Measure.PRIMARY_ORGS,
    Measure.EMPLOYEES,
)
_INDEX = {measure: index for index, measure in enumerate(MEASURES)}

_MEMBERS_SQL = """
SELECT m.org_unit_id,
    COUNT(*),
    SUM(CASE WHEN m.category = %(working)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.category = %(student)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.category = %(pensioner)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.sex = %(female)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.birth_date > %(born_29)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.birth_date > %(born_35)s THEN 1 ELSE 0 END)
FROM {membership} m
WHERE m.joined_on <= %(on)s AND (m.left_on IS NULL OR m.left_on > %(on)s){units}
GROUP BY m.org_unit_id
"""
# Each workplace's latest count by the date: joined to the latest dates, grouped in
# one pass (a subquery per row took twice as long at 60,000 units).
_EMPLOYEES_SQL = """
SELECT e.unit_id, e.employees FROM {count} e
JOIN (
    SELECT l.unit_id, MAX(l.counted_on) AS latest FROM {count} l
    WHERE l.counted_on <= %(on)s{latest_units}
    GROUP BY l.unit_id
) latest ON latest.unit_id = e.unit_id AND e.counted_on = latest.latest
"""
# Up to this many units, the queries name them; past it, they scan every row once
# and the units outside are skipped as the rows come (cheaper than a long IN list).
NAMED_UNITS_MAX = 2000


@dataclass
class TreeFigures:
    """Every measure of every unit's subtree on one date."""

    on: dt.date
    parents: dict[int, int | None]
    rows: dict[int, list[int]]

    def of(self, unit_id: int) -> dict[str, int]:
        row = self.rows.get(unit_id)
        return dict(zip(MEASURES, row or [0] * len(MEASURES), strict=True))

    def column(self, measure: str) -> list[int]:
        """Every unit's figure of one measure, in the order of `rows`."""
        index = _INDEX[measure]
        return [row[index] for row in self.rows.values()]

    def children(self, unit_id: int) -> list[int]:
        return [unit for unit, parent in self.parents.items() if parent == unit_id]


def compute_registry_figures(
    *, on: dt.date, roots: Iterable[int] | None = None
) -> TreeFigures:
    """The figures of every unit open on `on` (or of the subtrees then below `roots`),
    each covering its whole subtree as it stood that day."""
    tree = tree_as_of(on, None if roots is None else list(roots))
    rows: dict[int, list[int]] = {unit: [0] * len(MEASURES) for unit in tree}
    named = roots is not None and len(rows) <= NAMED_UNITS_MAX
    _add_members(rows, on, named=named)
    _add_employees(rows, on, named=named)
    primary = _INDEX[Measure.PRIMARY_ORGS]
    for unit, (_parent, level) in tree.items():
        if level == Level.PRIMARY:
            rows[unit][primary] = 1
    parents = {unit: parent for unit, (parent, _level) in tree.items()}
    _roll_up(rows, parents)
    return TreeFigures(on=on, parents=parents, rows=rows)


def _units_clause(column: str, rows: dict[int, list[int]], named: bool) -> str:
    """`AND column IN (…)` naming the units (ids are integers), or nothing."""
    if not named:
        return ""
    ids = ", ".join(str(int(unit)) for unit in rows) or "NULL"
    return f"\n    AND {column} IN ({ids})"


def _add_members(rows: dict[int, list[int]], on: dt.date, *, named: bool) -> None:
    sql = _MEMBERS_SQL.format(
        membership=Membership._meta.db_table,
        units=_units_clause("m.org_unit_id", rows, named),
    )
    params: dict[str, Any] = {
        "on": on,
        "working": Category.WORKING,
        "student": Category.STUDENT,
        "pensioner": Category.PENSIONER,
        "female": Sex.FEMALE,
        "born_29": born_after(on, 29),
        "born_35": born_after(on, 35),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # One row per unit (grouped), whose counts are the row's first columns.
        for unit, *counts in cursor.fetchall():
            row = rows.get(unit)
            if row is not None:  # else a unit outside the subtrees asked for
                row[:_MEMBER_COLUMNS] = map(int, counts)


def _add_employees(rows: dict[int, list[int]], on: dt.date, *, named: bool) -> None:
    column = _INDEX[Measure.EMPLOYEES]
    sql = _EMPLOYEES_SQL.format(
        count=EmployeeCount._meta.db_table,
        latest_units=_units_clause("l.unit_id", rows, named),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"on": on})
        for unit, employees in cursor.fetchall():
            row = rows.get(unit)
            if row is not None:
                row[column] += int(employees)


def _roll_up(rows: dict[int, list[int]], parents: dict[int, int | None]) -> None:
    """Add every unit's figures into its parent's, the deepest units first: the
    units listed level by level from the top (those whose parent is not among
    them), then taken from the bottom of the list."""
    below: dict[int | None, list[int]] = defaultdict(list)
    for unit, parent in parents.items():
        below[parent if parent in parents else None].append(unit)
    order: list[int] = []
    level = below[None]
    while level:
        order.extend(level)
        level = [child for unit in level for child in below.get(unit, ())]
    for unit in reversed(order):
        parent = parents[unit]
        if parent is not None and parent in rows:
            rows[parent] = list(map(add, rows[parent], rows[unit]))
