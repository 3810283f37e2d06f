"""What the registry knows about every organization on a date, rolled up the tree.

Three set-based queries do the counting: the tree as it stood on the date (from
the placement history), one grouped pass over the memberships active that day
joined to their people (members, working, students, pensioners, women, youth),
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
from typing import Any

from django.db import connection

from kasipodaq.orgtree.as_of import tree_as_of
from kasipodaq.orgtree.models import EmployeeCount, Level
from kasipodaq.registry.models import Category, Membership, Person, Sex

from .models import Measure

# The order of the figures in each unit's row.
MEASURES: tuple[str, ...] = tuple(Measure.values)
_INDEX = {measure: index for index, measure in enumerate(MEASURES)}

_MEMBERS_SQL = """
SELECT m.org_unit_id,
    COUNT(*),
    SUM(CASE WHEN m.category = %(working)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.category = %(student)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.category = %(pensioner)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN p.sex = %(female)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN p.birth_date > %(born_29)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN p.birth_date > %(born_35)s THEN 1 ELSE 0 END)
FROM {membership} m JOIN {person} p ON p.id = m.person_id
WHERE m.joined_on <= %(on)s AND (m.left_on IS NULL OR m.left_on > %(on)s){units}
GROUP BY m.org_unit_id
"""
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
_EMPLOYEES_SQL = """
SELECT e.unit_id, e.employees FROM {count} e
WHERE e.counted_on = (
    SELECT MAX(l.counted_on) FROM {count} l
    WHERE l.unit_id = e.unit_id AND l.counted_on <= %(on)s
){units}
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

    def children(self, unit_id: int) -> list[int]:
        return [unit for unit, parent in self.parents.items() if parent == unit_id]


def born_after(on: dt.date, years: int) -> dt.date:
    """People born after this day are at most `years` old on `on`."""
    try:
        return on.replace(year=on.year - years - 1)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years - 1, day=28)


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
        person=Person._meta.db_table,
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
    columns = [_INDEX[measure] for measure in _MEMBER_MEASURES]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit, *counts in cursor.fetchall():
            row = rows.get(unit)
            if row is None:  # a unit outside the subtrees asked for
                continue
            for column, count in zip(columns, counts, strict=True):
                row[column] += int(count)


def _add_employees(rows: dict[int, list[int]], on: dt.date, *, named: bool) -> None:
    column = _INDEX[Measure.EMPLOYEES]
    sql = _EMPLOYEES_SQL.format(
        count=EmployeeCount._meta.db_table,
        units=_units_clause("e.unit_id", rows, named),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"on": on})
        for unit, employees in cursor.fetchall():
            row = rows.get(unit)
            if row is not None:
                row[column] += int(employees)


def _roll_up(rows: dict[int, list[int]], parents: dict[int, int | None]) -> None:
    """Add every unit's figures into its parent's, the deepest units first."""
    depth: dict[int, int] = {}
    for unit in parents:
        chain = []
        node: int | None = unit
        while node is not None and node not in depth and node in parents:
            chain.append(node)
            node = parents[node]
        base = depth.get(node, -1) if node is not None else -1
        for offset, member in enumerate(reversed(chain), start=1):
            depth[member] = base + offset
    by_depth: dict[int, list[int]] = defaultdict(list)
    for unit, level in depth.items():
        by_depth[level].append(unit)
    for level in sorted(by_depth, reverse=True):
        for unit in by_depth[level]:
            parent = parents[unit]
            if parent is None or parent not in rows:
                continue
            into, own = rows[parent], rows[unit]
            for column, value in enumerate(own):
                if value:
                    into[column] += value
