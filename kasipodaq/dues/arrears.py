"""Months of dues overdue per member: what suspends a card (KASIPODAQ_ARREARS_SOURCE).

Payments settle the oldest charges first, whatever month they name: a member's
months overdue on a day are the charged months already over whose dues their
payments, taken in order of the months, have not yet covered. One query with a
running sum, the same on both databases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import connection

from .months import month_of

OVERDUE_SQL = """
SELECT owed.person_id, COUNT(*)
FROM (
    SELECT c.person_id,
        SUM(c.amount_tiyn) OVER (
            PARTITION BY c.person_id ORDER BY c.month
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS running
    FROM dues_charge c
    WHERE c.person_id IN ({people}) AND c.month < %s AND c.amount_tiyn > 0
) owed
LEFT JOIN (
    SELECT p.person_id, SUM(p.amount_tiyn) AS paid
    FROM dues_payment p WHERE p.person_id IN ({people})
    GROUP BY p.person_id
) paid ON paid.person_id = owed.person_id
WHERE owed.running > COALESCE(paid.paid, 0)
GROUP BY owed.person_id
"""


def months_overdue(person_ids: Collection[int], on: dt.date) -> dict[int, int]:
    """{person id: months overdue on `on`} for those who owe any; a month is overdue
    once it is over."""
    ids = [int(pk) for pk in person_ids]
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            OVERDUE_SQL.format(people=marks),
            [*ids, month_of(on), *ids],
        )
        return {int(person): int(months) for person, months in cursor.fetchall()}
