"""Recording an employer's list of salaries: the base of the members' dues.

The whole list is checked before anything is written: a line that cannot be read,
a month to come, a negative or absurd salary, the same IIN and month twice, or an
IIN of nobody under the organization — and the list is refused with every
problem named by line and column, and nothing is written. It is all set-based:
the lines go to a temporary table (COPY on PostgreSQL, executemany on SQLite),
one statement finds their people by IIN under the organization, and a few more
update the salaries that changed, insert the new ones and write an audit row per
person whose salary changed, all in one transaction. The same list recorded
again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.audit.recording import record
from kasipodaq.core.loading import Loader
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.paths import upper_bound
from kasipodaq.registry.imports.staging import Column, StagingTable

from ..errors import DuesRefusal
from ..models import SalaryBase, SalaryList
from ..months import month_of
from ..payroll_file import Problem
from ..salary_file import SalaryLine, read_salaries

# No monthly salary is above this: a larger one is a typing error.
LARGEST_SALARY_TIYN = 100_000_000_00  # 100 million tenge
PROBLEMS_KEPT = 500

# The lines as read, then each with its person and the salary already on record.
READ = StagingTable(
    "dues_salary_read",
    [
        Column("line", "integer NOT NULL"),
        Column("iin", "varchar(12) NOT NULL"),
        Column("valid_from", "date NOT NULL"),
        Column("amount", "bigint NOT NULL"),
    ],
)
LINES = StagingTable(
    "dues_salary_lines",
    [
        Column("line", "integer NOT NULL"),
        Column("person_id", "bigint NULL"),
        Column("valid_from", "date NOT NULL"),
        Column("amount", "bigint NOT NULL"),
        Column("salary_id", "bigint NULL"),
        Column("old", "bigint NULL"),
    ],
)

# Each line's person (the one with its IIN whose current membership lies under
# the organization: a range of paths) and salary of the month, in one pass.
LINES_SQL = """
INSERT INTO dues_salary_lines (line, person_id, valid_from, amount, salary_id, old)
SELECT r.line, h.id, r.valid_from, r.amount, s.id, s.amount_tiyn
FROM dues_salary_read r
LEFT JOIN (
    SELECT p.id, p.iin FROM registry_person p
    JOIN registry_membership m ON m.id = p.current_membership_id
    JOIN orgtree_orgunit u ON u.id = m.org_unit_id
    WHERE u.path >= %(low)s AND u.path < %(high)s
) h ON h.iin = r.iin
LEFT JOIN dues_salarybase s ON s.person_id = h.id AND s.valid_from = r.valid_from
"""

UNKNOWN_SQL = "SELECT line FROM dues_salary_lines WHERE person_id IS NULL ORDER BY line"

UPDATE_SQL = """
UPDATE dues_salarybase SET amount_tiyn = l.amount
FROM dues_salary_lines l
WHERE dues_salarybase.id = l.salary_id AND l.old <> l.amount
"""

INSERT_SQL = """
INSERT INTO dues_salarybase (person_id, valid_from, amount_tiyn, created_at)
SELECT person_id, valid_from, amount, %(now)s
FROM dues_salary_lines
WHERE salary_id IS NULL
"""

CHANGED_SQL = """
SELECT l.person_id, l.valid_from, l.amount, l.old, s.id
FROM dues_salary_lines l
JOIN dues_salarybase s
    ON s.person_id = l.person_id AND s.valid_from = l.valid_from
WHERE l.salary_id IS NULL OR l.old <> l.amount
"""


class SalaryListRefused(DuesRefusal):
    """A list with problems: nothing of it was written."""

    code = "salary_list_refused"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            ngettext(
                "The list was refused: %(count)s problem, nothing was recorded.",
                "The list was refused: %(count)s problems, nothing was recorded.",
                len(problems),
            )
            % {"count": len(problems)},
            field="file",
        )
        ordered = sorted(problems, key=lambda p: p.line)
        self.problems = ordered[:PROBLEMS_KEPT]
        self.more = len(ordered) - len(self.problems)


def import_salaries(
    *, actor: Any, unit: OrgUnit, path: Path, original_name: str
) -> SalaryList:
    """Check and record a list of salaries of members under `unit`.

    ``actor`` None is the command line, which may record for any organization.
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    lines, problems = read_salaries(
        path,
        latest_month=month_of(timezone.localdate()),
        largest_tiyn=LARGEST_SALARY_TIYN,
    )
    if not lines and not problems:
        raise DuesRefusal(_("The list has no lines."), field="file")
    if not lines:
        raise SalaryListRefused(problems)
    with transaction.atomic():
        # A refusal rolls the transaction back, and the staging table with it.
        unknown = _stage(unit, lines)
        problems += [
            Problem(
                line,
                _("IIN"),
                _("No member of %(unit)s has this IIN.") % {"unit": unit.name},
            )
            for line in unknown
        ]
        if problems:
            raise SalaryListRefused(problems)
        return _record(actor, unit, original_name, lines)


def _stage(unit: OrgUnit, lines: list[SalaryLine]) -> list[int]:
    """The lines in the staging table with their people and salaries on record;
    the numbers of the lines whose IIN names nobody under `unit`."""
    READ.create()
    LINES.create()
    READ.write(
        [(line.number, line.iin, line.month, line.amount_tiyn) for line in lines]
    )
    READ.index("iin")
    with connection.cursor() as cursor:
        cursor.execute(LINES_SQL, {"low": unit.path, "high": upper_bound(unit.path)})
        cursor.execute(UNKNOWN_SQL)
        unknown = [int(line) for (line,) in cursor.fetchall()]
    READ.drop()
    return unknown


def _record(
    actor: Any, unit: OrgUnit, original_name: str, lines: list[SalaryLine]
) -> SalaryList:
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    with connection.cursor() as cursor:
        cursor.execute(UPDATE_SQL)
        updated = cursor.rowcount
        cursor.execute(INSERT_SQL, {"now": now})
        created = cursor.rowcount
        # The staging table keeps each line's old salary: the changes can be
        # read after the writes, with the ids of the new rows.
        cursor.execute(CHANGED_SQL)
        changed = cursor.fetchall()
    LINES.drop()
    months = [line.month for line in lines]
    salaries = SalaryList.objects.create(
        original_name=original_name[:255],
        unit=unit,
        uploaded_by_id=actor_id,
        lines=len(lines),
        created=created,
        updated=updated,
        unchanged=len(lines) - created - updated,
        first_month=min(months),
        last_month=max(months),
    )
    Loader().insert(
        AuditEvent,
        (
            "at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "person_id",
            "before",
            "after",
            "note",
        ),
        (
            (
                now,
                actor_id,
                AuditAction.DUES_SALARY_SET,
                SalaryBase._meta.model_name,
                salary_id,
                person_id,
                None if old is None else {"amount_tiyn": old},
                {"valid_from": _iso(month), "amount_tiyn": amount},
                "",
            )
            for person_id, month, amount, old, salary_id in changed
        ),
    )
    record(
        actor=actor,
        action=AuditAction.DUES_SALARIES_IMPORTED,
        target=salaries,
        after={
            "file": salaries.original_name,
            "unit": unit.pk,
            "lines": salaries.lines,
            "created": created,
            "updated": updated,
            "unchanged": salaries.unchanged,
        },
    )
    return salaries


def _iso(month: dt.date | str) -> str:
    """A month read back from SQL (a date, or text on SQLite) as ISO text."""
    return month if isinstance(month, str) else month.isoformat()
