"""The monthly accrual run: one charge per member per month, set-based.

For a month and a subtree, the run

1. finds each primary organization's rule in force on the month's first day (the
   nearest unit above it with one, or the union's default of 1 %), in Python over
   the units, and writes them to a temporary table;
2. gathers every liable member in one INSERT … SELECT into a second temporary
   table: the membership that counts is the person's latest one overlapping the
   month (a member transferred mid-month pays once, where they ended it), the
   salary their latest one from the employers' lists, an exemption overlapping
   the month makes it nothing, with the charge they already have, if any; one
   UPDATE of that table works out the amounts in whole tiyn (`money.py`), so the
   arithmetic is exact on both databases;
3. brings `dues_charge` in line: changed charges are updated (by id), new ones
   inserted, those of people no longer liable there removed — no statement reads
   the table it writes. Running it again changes only what the data changed
   since: it never duplicates.

All of it in one transaction, audited by one event with the run's figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record
from kasipodaq.orgtree.models import Level, OrgUnit
from kasipodaq.orgtree.paths import ancestor_ids
from kasipodaq.registry.imports.staging import Column, StagingTable
from kasipodaq.registry.models import Category

from ..errors import DuesRefusal
from ..models import ROUNDING_STEP, DuesRule, Rounding
from ..months import month_of, next_month

DEFAULT_PERCENT_BP = 100  # 1 % of the salary

RULES = StagingTable(
    "dues_unit_rules",
    [
        Column("unit_id", "bigint PRIMARY KEY"),
        Column("rule_id", "bigint NULL"),
        Column("percent_bp", "bigint NOT NULL"),
        Column("student", "bigint NOT NULL"),
        Column("pensioner", "bigint NOT NULL"),
        Column("non_working", "bigint NOT NULL"),
        Column("step", "bigint NOT NULL"),
    ],
)

# Every member liable under the run's units, with the values their charge needs
# and the charge they already have for the month, if any: computed once into the
# staging table, so that later statements never read the table they write.
LIABLE_SQL = """
SELECT l.person_id, l.org_unit_id, l.category,
    (SELECT s.amount_tiyn FROM dues_salarybase s
     WHERE s.person_id = l.person_id AND s.valid_from < %(next)s
     ORDER BY s.valid_from DESC LIMIT 1),
    CASE WHEN EXISTS (
        SELECT 1 FROM dues_exemption e
        WHERE e.person_id = l.person_id AND e.valid_from < %(next)s
            AND (e.valid_to IS NULL OR e.valid_to > %(month)s)
    ) THEN 1 ELSE 0 END,
    r.rule_id, r.percent_bp, r.student, r.pensioner, r.non_working, r.step, c.id, 0
FROM (
    SELECT m.person_id, m.org_unit_id, m.category,
        ROW_NUMBER() OVER (
            PARTITION BY m.person_id ORDER BY m.joined_on DESC, m.id DESC
        ) AS latest
    FROM registry_membership m
    WHERE m.joined_on < %(next)s AND (m.left_on IS NULL OR m.left_on > %(month)s)
        AND m.person_id IN (
            SELECT here.person_id FROM registry_membership here
            JOIN dues_unit_rules u ON u.unit_id = here.org_unit_id
            WHERE here.joined_on < %(next)s
                AND (here.left_on IS NULL OR here.left_on > %(month)s)
        )
) l
JOIN dues_unit_rules r ON r.unit_id = l.org_unit_id
LEFT JOIN dues_charge c ON c.person_id = l.person_id AND c.month = %(month)s
WHERE l.latest = 1
"""

# The amounts, in whole tiyn: exact on both databases.
AMOUNT_SQL = f"""
UPDATE dues_accrual SET amount = CASE
    WHEN exempt = 1 THEN 0
    WHEN category = '{Category.WORKING}' THEN
        CASE WHEN base IS NULL THEN 0
        ELSE ((base * percent_bp + 5000) / 10000 + step / 2) / step * step END
    WHEN category = '{Category.STUDENT}' THEN student
    WHEN category = '{Category.PENSIONER}' THEN pensioner
    ELSE non_working
END
"""  # noqa: S608 (the categories are our own constants)

ACCRUAL = StagingTable(
    "dues_accrual",
    [
        Column("person_id", "bigint PRIMARY KEY"),
        Column("org_unit_id", "bigint NOT NULL"),
        Column("category", "varchar(16) NOT NULL"),
        Column("base", "bigint NULL"),
        Column("exempt", "integer NOT NULL"),
        Column("rule_id", "bigint NULL"),
        Column("percent_bp", "bigint NOT NULL"),
        Column("student", "bigint NOT NULL"),
        Column("pensioner", "bigint NOT NULL"),
        Column("non_working", "bigint NOT NULL"),
        Column("step", "bigint NOT NULL"),
        Column("charge_id", "bigint NULL"),
        Column("amount", "bigint NOT NULL"),
    ],
)

UPDATE_SQL = """
UPDATE dues_charge SET org_unit_id = a.org_unit_id, category = a.category,
    base_tiyn = a.base, amount_tiyn = a.amount, exempt = (a.exempt = 1),
    rule_id = a.rule_id, updated_at = %(now)s
FROM dues_accrual a
WHERE dues_charge.id = a.charge_id
    AND (dues_charge.org_unit_id <> a.org_unit_id
        OR dues_charge.category <> a.category
        OR dues_charge.base_tiyn IS DISTINCT FROM a.base
        OR dues_charge.amount_tiyn <> a.amount
        OR dues_charge.exempt <> (a.exempt = 1)
        OR dues_charge.rule_id IS DISTINCT FROM a.rule_id)
"""

INSERT_SQL = """
INSERT INTO dues_charge (person_id, month, org_unit_id, category, base_tiyn,
    amount_tiyn, exempt, rule_id, updated_at)
SELECT a.person_id, %(month)s, a.org_unit_id, a.category, a.base, a.amount,
    (a.exempt = 1), a.rule_id, %(now)s
FROM dues_accrual a
WHERE a.charge_id IS NULL
"""

SUMMARY_SQL = """
SELECT COUNT(*), COALESCE(SUM(amount), 0),
    COALESCE(SUM(CASE WHEN category = %(working)s AND base IS NULL AND exempt = 0
        THEN 1 ELSE 0 END), 0)
FROM dues_accrual
"""

REMOVE_SQL = """
DELETE FROM dues_charge
WHERE month = %(month)s
    AND org_unit_id IN (SELECT unit_id FROM dues_unit_rules)
    AND NOT EXISTS (
        SELECT 1 FROM dues_accrual a WHERE a.person_id = dues_charge.person_id
    )
"""


@dataclass(frozen=True)
class Accrued:
    """What a run left for the month under its unit, and what it changed."""

    charges: int
    total_tiyn: int
    created: int
    updated: int
    removed: int
    # Working members without a salary on the employers' lists: charged nothing.
    without_salary: int


@transaction.atomic
def accrue_month(*, actor: Any, month: dt.date, unit: OrgUnit) -> Accrued:
    """Accrue (or correct) every charge of `month` under `unit`.

    ``actor`` None is the command line, which may accrue anywhere.
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    month = month_of(month)
    if month > month_of(timezone.localdate()):
        raise DuesRefusal(_("Dues cannot be accrued for a month to come."))
    params: dict[str, Any] = {
        "month": month,
        "next": next_month(month),
        "now": timezone.now(),
        "working": Category.WORKING.value,
    }
    # Created in the run's transaction: a failure takes them away with it.
    RULES.create()
    ACCRUAL.create()
    RULES.write(_unit_rules(unit, month))
    with connection.cursor() as cursor:
        names = ", ".join(c.name for c in ACCRUAL.columns)
        cursor.execute(
            f"INSERT INTO dues_accrual ({names}) {LIABLE_SQL}",
            params,
        )
        cursor.execute(AMOUNT_SQL)
        cursor.execute(UPDATE_SQL, params)
        updated = cursor.rowcount
        cursor.execute(INSERT_SQL, params)
        created = cursor.rowcount
        cursor.execute(REMOVE_SQL, params)
        removed = cursor.rowcount
        cursor.execute(SUMMARY_SQL, params)
        charges, total, without_salary = cursor.fetchone()
    RULES.drop()
    ACCRUAL.drop()
    accrued = Accrued(
        charges=int(charges),
        total_tiyn=int(total),
        created=created,
        updated=updated,
        removed=removed,
        without_salary=int(without_salary),
    )
    record(
        actor=actor,
        action=AuditAction.DUES_ACCRUED,
        target=unit,
        after={"month": month.isoformat(), **asdict(accrued)},
    )
    return accrued


def _unit_rules(unit: OrgUnit, month: dt.date) -> list[tuple[Any, ...]]:
    """Each primary organization under `unit` with the rule in force for it."""
    in_force: dict[int, DuesRule] = {}
    for started in DuesRule.objects.filter(valid_from__lte=month).order_by(
        "valid_from"
    ):
        in_force[started.unit_id] = started  # the latest start wins
    primaries = (
        OrgUnit.objects.in_subtree(unit)
        .filter(level=Level.PRIMARY)
        .values_list("pk", "path")
    )
    rows: list[tuple[Any, ...]] = []
    for unit_id, path in primaries:
        rule = next(
            (in_force[a] for a in reversed(ancestor_ids(path)) if a in in_force),
            None,
        )
        if rule is None:
            rows.append(
                (
                    unit_id,
                    None,
                    DEFAULT_PERCENT_BP,
                    0,
                    0,
                    0,
                    ROUNDING_STEP[Rounding.TIYN],
                )
            )
        else:
            rows.append(
                (
                    unit_id,
                    rule.pk,
                    rule.percent_bp,
                    rule.student_tiyn,
                    rule.pensioner_tiyn,
                    rule.non_working_tiyn,
                    ROUNDING_STEP[Rounding(rule.rounding)],
                )
            )
    return rows
