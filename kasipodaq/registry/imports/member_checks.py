"""The checks of a member file that need other rows or the registry, in SQL.

They run over the staging table (see ``member_stage``) once every row is in, and
each returns the rows it faults as ``RowProblem``s: organizations that are unknown,
outside the importer's subtrees, not primary or not open over the period; one IIN
with overlapping periods in the file; a period overlapping a membership of the
same person already in the registry (one with the same date joined is the same
membership, updated, not another); a person who belongs to an organization the
importer does not manage. The same SQL runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection

from kasipodaq.orgtree.models import Level, OrgUnit
from kasipodaq.orgtree.paths import upper_bound
from kasipodaq.registry.imports.headers import Field
from kasipodaq.registry.imports.member_stage import STAGE
from kasipodaq.registry.imports.values import (
    IIN_REPEATED,
    ORG_CLOSED,
    ORG_NOT_OPEN,
    ORG_NOT_PRIMARY,
    ORG_UNKNOWN,
    PERIOD_OVERLAPS_REGISTRY,
    PERSON_OUT_OF_SCOPE,
    RowProblem,
)
from kasipodaq.registry.models import Membership, Person

# Stands for "not ended" when periods are compared.
NEVER = dt.date(9999, 12, 31)

TABLES = {
    "stage": STAGE.name,
    "unit": OrgUnit._meta.db_table,
    "person": Person._meta.db_table,
    "membership": Membership._meta.db_table,
}


class Scope:
    """The subtrees an importer may write to, as an SQL condition on a path column.

    ``roots`` of None means the whole tree (an import from the command line).
    """

    def __init__(self, roots: Sequence[str] | None) -> None:
        self.roots = roots

    def condition(self, column: str) -> tuple[str, list[Any]]:
        if self.roots is None:
            return "1 = 1", []
        if not self.roots:
            return "1 = 0", []
        parts = [f"({column} >= %s AND {column} < %s)" for _ in self.roots]
        params = [value for root in self.roots for value in (root, upper_bound(root))]
        return "(" + " OR ".join(parts) + ")", params


def check_members(scope: Scope) -> list[RowProblem]:
    """Every problem of the staged rows found across rows or against the registry."""
    return [
        *_organization_problems(scope),
        *_repeated_iins(),
        *_registry_overlaps(),
        *_people_out_of_scope(scope),
    ]


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**TABLES), params)
        return cursor.fetchall()


def _organization_problems(scope: Scope) -> list[RowProblem]:
    in_scope, params = scope.condition("u.path")
    sql = f"""
        SELECT s.row_number, CASE
            WHEN u.id IS NULL OR NOT {in_scope} THEN %s
            WHEN u.level <> %s THEN %s
            WHEN s.joined_on < u.opened_on THEN %s
            ELSE %s
        END
        FROM {{stage}} s LEFT JOIN {{unit}} u ON u.code = s.org_code
        WHERE u.id IS NULL OR NOT {in_scope} OR u.level <> %s
            OR s.joined_on < u.opened_on
            OR (u.closed_on IS NOT NULL
                AND (s.left_on IS NULL OR s.left_on > u.closed_on))
    """  # noqa: S608 (the scope condition is built from placeholders)
    rows = _fetch(
        sql,
        [
            *params,
            ORG_UNKNOWN,
            Level.PRIMARY,
            ORG_NOT_PRIMARY,
            ORG_NOT_OPEN,
            ORG_CLOSED,
            *params,
            Level.PRIMARY,
        ],
    )
    return [RowProblem(number, Field.ORG_CODE, code) for number, code in rows]


def _repeated_iins() -> list[RowProblem]:
    """Rows whose period overlaps an earlier period of the same IIN in the file.

    Periods are ordered by date joined; a row overlaps an earlier one exactly when
    one of the earlier ones ends after this one starts.
    """
    sql = """
        SELECT row_number, previous_row FROM (
            SELECT s.row_number, s.joined_on,
                MAX(COALESCE(s.left_on, %s)) OVER (
                    PARTITION BY s.iin ORDER BY s.joined_on, s.row_number
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                ) AS earlier_end,
                LAG(s.row_number) OVER (
                    PARTITION BY s.iin ORDER BY s.joined_on, s.row_number
                ) AS previous_row
            FROM {stage} s
            WHERE s.iin IN (SELECT iin FROM {stage} GROUP BY iin HAVING COUNT(*) > 1)
        ) periods
        WHERE earlier_end > joined_on
    """
    return [
        RowProblem(number, Field.IIN, IIN_REPEATED, other)
        for number, other in _fetch(sql, [NEVER])
    ]


def _registry_overlaps() -> list[RowProblem]:
    sql = """
        SELECT DISTINCT s.row_number
        FROM {stage} s
        JOIN {person} p ON p.iin = s.iin
        JOIN {membership} m ON m.person_id = p.id
        WHERE m.joined_on < COALESCE(s.left_on, %s)
            AND s.joined_on < COALESCE(m.left_on, %s)
            AND NOT EXISTS (
                SELECT 1 FROM {stage} same
                WHERE same.iin = s.iin AND same.joined_on = m.joined_on
            )
    """
    return [
        RowProblem(number, Field.JOINED_ON, PERIOD_OVERLAPS_REGISTRY)
        for (number,) in _fetch(sql, [NEVER, NEVER])
    ]


def _people_out_of_scope(scope: Scope) -> list[RowProblem]:
    """Rows of people the importer may not change.

    A person is someone else's when their latest membership, or the membership a
    row would update, lies in an organization outside the importer's subtrees.
    """
    if scope.roots is None:
        return []
    in_scope, params = scope.condition("u.path")
    sql = f"""
        SELECT DISTINCT s.row_number
        FROM {{stage}} s
        JOIN {{person}} p ON p.iin = s.iin
        JOIN {{membership}} m ON m.person_id = p.id
            AND (m.id = p.current_membership_id OR m.joined_on = s.joined_on)
        JOIN {{unit}} u ON u.id = m.org_unit_id
        WHERE NOT {in_scope}
    """  # noqa: S608 (the scope condition is built from placeholders)
    return [
        RowProblem(number, Field.IIN, PERSON_OUT_OF_SCOPE)
        for (number,) in _fetch(sql, params)
    ]
