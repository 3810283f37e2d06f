"""An organization file from start to finish: read, check, and write all of it or none.

Built as the member import is: the file is read once, each row parsed and the
good ones staged; the checks across rows and against the registry run in SQL;
then, in one transaction, the merge. By default a single problem anywhere means
nothing is written. With ``VALID_ROWS`` the rows with problems are left out, and
with them every row under them in the file's tree (a unit cannot be opened under
a parent that is not); since leaving rows out can fault others (a unit closed
while a sub-unit's closing was left out), the checks then run again, until what
remains is clean.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from kasipodaq.core.dates import today
from kasipodaq.registry.imports.headers import Field
from kasipodaq.registry.imports.member_checks import Scope
from kasipodaq.registry.imports.org_checks import check_orgs, drop_plan, split_history
from kasipodaq.registry.imports.org_merge import OrgMergeResult, merge_orgs
from kasipodaq.registry.imports.org_stage import HISTORY, REFUSED, STAGE
from kasipodaq.registry.imports.org_values import CODE_MAX, org_row_parser
from kasipodaq.registry.imports.pipeline import (
    CHECKING,
    WRITING,
    ImportOutcome,
    ImportRequest,
    Problems,
    Progress,
    no_progress,
    stream_rows,
)
from kasipodaq.registry.imports.reading import Row, open_table
from kasipodaq.registry.imports.staging import Column, StagingTable
from kasipodaq.registry.imports.values import (
    CODE_ROW_REFUSED,
    PARENT_REFUSED,
    RowProblem,
)
from kasipodaq.registry.models import ImportMode

OrgOutcome = ImportOutcome[OrgMergeResult]


def import_orgs(
    request: ImportRequest, *, now: dt.datetime, progress: Progress = no_progress
) -> OrgOutcome:
    """Check an organization file and, unless told only to check, write it."""
    table = open_table(request.path)
    outcome = OrgOutcome()
    on = today()
    refused: dict[str, int] = {}
    code_column = request.mapping.index(Field.CODE)

    def remember_code(row: Row) -> None:
        code = row.value(code_column) if code_column is not None else ""
        if code and len(code) <= CODE_MAX:
            refused.setdefault(code, row.number)

    STAGE.create()
    REFUSED.create()
    try:
        outcome.rows_read = stream_rows(
            table,
            org_row_parser(request.mapping, today=on),
            STAGE,
            outcome.problems,
            progress=progress,
            on_rejected=remember_code,
        )
        REFUSED.write(list(refused.items()))
        STAGE.index("code", analyze=False)
        STAGE.index("parent_code", analyze=False)
        STAGE.index("bin")
        split_history()
        progress(CHECKING, outcome.rows_read)
        with transaction.atomic():
            _without_jit()
            outcome.problems.add(check_orgs(request.scope, today=on))
            if request.mode == ImportMode.CHECK or (
                outcome.problems and request.mode != ImportMode.VALID_ROWS
            ):
                return outcome
            if outcome.problems:
                _leave_out_until_clean(outcome.problems, request.scope, on)
            progress(WRITING, outcome.rows_read)
            outcome.written = merge_orgs(
                actor=request.actor, note=request.note, now=now, today=on
            )
    finally:
        drop_plan()
        HISTORY.drop()
        STAGE.drop()
        REFUSED.drop()
    return outcome


def _without_jit() -> None:
    """No JIT compilation of queries on PostgreSQL, for this transaction.

    The row counts of recursive walks are guessed far too high, which makes
    PostgreSQL compile queries that take tens of milliseconds for half a second.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _leave_out_until_clean(problems: Problems, scope: Scope, on: dt.date) -> None:
    """Leave out refused rows and check what remains, until nothing more is found.

    The last check leaves the plan of the remaining rows for the merge.
    """
    while True:
        _leave_out_refused(problems)
        found = check_orgs(scope, today=on)
        if not found:
            return
        problems.add(found)


REJECTED_ROWS = StagingTable("import_rejected_rows", [Column("number", "integer")])


def _leave_out_refused(problems: Problems) -> None:
    """Unstage the rows with problems, the other rows of their codes, and every row
    under them in the file's tree.

    Under them means below, through the parent codes of any row, a refused row or
    a row that did not parse; those rows get a problem that says so, and so do
    the other rows of a refused unit's history.
    """
    REJECTED_ROWS.create()
    try:
        REJECTED_ROWS.write([(number,) for number in problems.rows])
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH RECURSIVE placed(row_number, code, parent_code) AS (
                    SELECT row_number, code, parent_code FROM {STAGE.name}
                    UNION ALL
                    SELECT row_number, code, parent_code FROM {HISTORY.name}
                ), down(code) AS (
                    SELECT code FROM placed
                    WHERE row_number IN (SELECT number FROM {REJECTED_ROWS.name})
                    UNION SELECT code FROM {REFUSED.name}
                    UNION
                    SELECT p.code FROM placed p JOIN down d ON p.parent_code = d.code
                )
                SELECT p.row_number,
                    CASE WHEN p.parent_code IN (SELECT code FROM down) THEN 1
                        ELSE 0 END
                FROM placed p
                WHERE p.code IN (SELECT code FROM down)
                    AND p.row_number NOT IN (SELECT number FROM {REJECTED_ROWS.name})
                """  # noqa: S608 (table names are constants)
            )
            left_out = cursor.fetchall()
            problems.add(
                RowProblem(number, Field.PARENT_CODE, PARENT_REFUSED)
                if under
                else RowProblem(number, Field.CODE, CODE_ROW_REFUSED)
                for number, under in left_out
            )
            REJECTED_ROWS.write([(number,) for number, _under in left_out])
            for table in (STAGE, HISTORY):
                cursor.execute(
                    f"""
                    DELETE FROM {table.name}
                    WHERE row_number IN (SELECT number FROM {REJECTED_ROWS.name})
                    """  # noqa: S608 (table names are constants)
                )
    finally:
        REJECTED_ROWS.drop()
