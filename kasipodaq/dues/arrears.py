"""Months of dues overdue per member: what suspends a card (KASIPODAQ_ARREARS_SOURCE).

Payments settle the oldest charges first, whatever month they name: a member's
months overdue on a day are the charged months already over whose dues their
payments, taken in order of the months, have not yet covered. One query with a
running sum, the same on both databases, for given people or for a subtree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db import connection

from kasipodaq.orgtree.paths import upper_bound

from .months import month_of

OVERDUE_SQL = """
SELECT owed.person_id, COUNT(*) AS months,
    MAX(owed.running) - COALESCE(MAX(paid.paid), 0) AS owed_tiyn
FROM (
    SELECT c.person_id,
        SUM(c.amount_tiyn) OVER (
            PARTITION BY c.person_id ORDER BY c.month
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS running
    FROM dues_charge c {people}
    WHERE c.month < %(month)s AND c.amount_tiyn > 0 AND {chosen}
) owed
LEFT JOIN (
    SELECT c.person_id, SUM(c.amount_tiyn) AS paid
    FROM dues_payment c {people}
    WHERE {chosen}
    GROUP BY c.person_id
) paid ON paid.person_id = owed.person_id
WHERE owed.running > COALESCE(paid.paid, 0)
GROUP BY owed.person_id
"""
# The people of a subtree: those whose record lies under a path.
_UNDER = """
    JOIN registry_person p ON p.id = c.person_id
    JOIN registry_membership m ON m.id = p.current_membership_id
    JOIN orgtree_orgunit u ON u.id = m.org_unit_id"""


# The same count for one card holder, `c.person_id` of the public check's query
# (cards.standing.arrears_source); a test holds it to months_overdue.
ONE_PERSON_SQL = """
SELECT COUNT(*) FROM (
    SELECT SUM(ch.amount_tiyn) OVER (
        ORDER BY ch.month ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS running
    FROM dues_charge ch
    WHERE ch.person_id = c.person_id AND ch.month < %s AND ch.amount_tiyn > 0
) owed
WHERE owed.running > (
    SELECT COALESCE(SUM(pa.amount_tiyn), 0) FROM dues_payment pa
    WHERE pa.person_id = c.person_id
)"""


def months_overdue(person_ids: Collection[int], on: dt.date) -> dict[int, int]:
    """{person id: months overdue on `on`} for those who owe any; a month is overdue
    once it is over."""
    ids = [int(pk) for pk in person_ids]
    if not ids:
        return {}
    params: dict[str, Any] = {f"p{i}": pk for i, pk in enumerate(ids)}
    chosen = "c.person_id IN ({})".format(
        ", ".join(f"%(p{i})s" for i in range(len(ids)))
    )
    rows = _overdue(OVERDUE_SQL.format(people="", chosen=chosen), params, on)
    return {person: months for person, months, _owed in rows}


def overdue_under(path: str, on: dt.date, *, limit: int) -> list[tuple[int, int]]:
    """(person, months overdue) of the members whose record lies under `path`,
    the longest overdue first, at most `limit` of them."""
    sql = OVERDUE_SQL.format(
        people=_UNDER, chosen="u.path >= %(low)s AND u.path < %(high)s"
    )
    rows = _overdue(
        f"{sql} ORDER BY months DESC, owed.person_id LIMIT %(limit)s",
        {"low": path, "high": upper_bound(path), "limit": limit},
        on,
    )
    return [(person, months) for person, months, _owed in rows]


def debtors_under(
    path: str, on: dt.date, *, min_months: int
) -> list[tuple[int, int, int]]:
    """(person, months overdue, tiyn owed) of the members with a record under
    `path` who are at least `min_months` overdue on `on`, by person."""
    sql = OVERDUE_SQL.format(
        people=_UNDER, chosen="u.path >= %(low)s AND u.path < %(high)s"
    )
    return _overdue(
        f"{sql} HAVING COUNT(*) >= %(least)s ORDER BY owed.person_id",
        {"low": path, "high": upper_bound(path), "least": min_months},
        on,
    )


def _overdue(
    sql: str, params: dict[str, Any], on: dt.date
) -> list[tuple[int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "month": month_of(on)})
        return [
            (int(person), int(months), int(owed))
            for person, months, owed in cursor.fetchall()
        ]


months_overdue.one_person_sql = ONE_PERSON_SQL  # type: ignore[attr-defined]
