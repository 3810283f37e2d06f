"""The tree as it was on a date, from the placement history.

Today's paths answer questions about today; a past date needs the placements
valid on it. One recursive query walks them down from a root, on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL

from .models import OrgPlacement, OrgUnit

_SUBTREE_SQL = """
WITH RECURSIVE subtree(id) AS (
    SELECT CAST(%s AS BIGINT)
    UNION
    SELECT p.unit_id
    FROM {placement} p JOIN subtree s ON p.parent_id = s.id
    WHERE p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to > %s)
)
SELECT s.id FROM subtree s JOIN {unit} u ON u.id = s.id
WHERE u.opened_on <= %s AND (u.closed_on IS NULL OR u.closed_on > %s)
"""


def subtree_as_of(root: OrgUnit, on: dt.date) -> RawSQL:
    """The ids of a root's subtree on a date, as a subquery for `…__in=`."""
    sql = _SUBTREE_SQL.format(
        placement=OrgPlacement._meta.db_table, unit=OrgUnit._meta.db_table
    )
    # Table names come from the models; every value is a query parameter.
    return RawSQL(sql, (root.pk, on, on, on, on))  # noqa: S611


def subtree_ids_as_of(root: OrgUnit, on: dt.date) -> list[int]:
    """Ids of the units open on `on` that then stood under `root` (itself included)."""
    subquery = subtree_as_of(root, on)
    with connection.cursor() as cursor:
        cursor.execute(subquery.sql, subquery.params)
        return [row[0] for row in cursor.fetchall()]


def parents_as_of(on: dt.date) -> dict[int, int | None]:
    """The whole tree on a date: every unit open then, mapped to its parent then."""
    open_ids = set(OrgUnit.objects.open_on(on).values_list("pk", flat=True))
    return {
        unit_id: parent_id
        for unit_id, parent_id in OrgPlacement.objects.valid_on(on).values_list(
            "unit_id", "parent_id"
        )
        if unit_id in open_ids
    }


_TREE_SQL = """
SELECT p.unit_id, p.parent_id, u.level
FROM {placement} p JOIN {unit} u ON u.id = p.unit_id
WHERE p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to > %s)
    AND u.opened_on <= %s AND (u.closed_on IS NULL OR u.closed_on > %s)
"""
_SUBTREES_SQL = """
WITH RECURSIVE subtree(id, parent_id) AS (
    SELECT u.id, CAST(NULL AS BIGINT) FROM {unit} u WHERE u.id IN ({roots})
    UNION
    SELECT p.unit_id, p.parent_id
    FROM {placement} p JOIN subtree s ON p.parent_id = s.id
    WHERE p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to > %s)
)
SELECT s.id, s.parent_id, u.level FROM subtree s JOIN {unit} u ON u.id = s.id
WHERE u.opened_on <= %s AND (u.closed_on IS NULL OR u.closed_on > %s)
"""


def tree_as_of(
    on: dt.date, roots: list[int] | None = None
) -> dict[int, tuple[int | None, str]]:
    """Units open on `on` with their parent then and their level, in one query.

    The whole tree, or the subtrees then below `roots` (a root's parent is None
    unless it also stood below another of the roots).
    """
    tables = {
        "placement": OrgPlacement._meta.db_table,
        "unit": OrgUnit._meta.db_table,
    }
    params: list[Any]
    if roots is None:
        sql, params = _TREE_SQL.format(**tables), [on, on, on, on]
    elif not roots:
        return {}
    else:
        marks = ", ".join(["%s"] * len(roots))
        sql = _SUBTREES_SQL.format(roots=marks, **tables)
        params = [*roots, on, on, on, on]
    tree: dict[int, tuple[int | None, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit_id, parent_id, level in cursor.fetchall():
            if parent_id is not None or unit_id not in tree:
                tree[unit_id] = (parent_id, level)
    return tree
