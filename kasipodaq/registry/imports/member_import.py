"""A member file from start to finish: read, check, and write all of it or none.

The file is read once, each row parsed and the good ones staged; then the checks
across rows and against the registry run, and only then, in one transaction, the
merge. By default a single problem anywhere means nothing is written. With
``VALID_ROWS`` the rows with problems are left out, and with them every other row
of the same IIN, so that no one's history is loaded in part.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from kasipodaq.core.dates import today
from kasipodaq.registry.imports.headers import Field
from kasipodaq.registry.imports.member_checks import check_members
from kasipodaq.registry.imports.member_merge import MergeResult, merge_members
from kasipodaq.registry.imports.member_stage import STAGE, keep_registered_values
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
from kasipodaq.registry.imports.staging import (
    Column,
    StagingTable,
    room_for_a_large_load,
)
from kasipodaq.registry.imports.values import (
    OTHER_ROW_REJECTED,
    RowProblem,
    clean_iin,
    member_row_parser,
)
from kasipodaq.registry.models import ImportMode, Membership, Person
from kasipodaq.registry.signals import memberships_imported

MemberOutcome = ImportOutcome[MergeResult]


def import_members(
    request: ImportRequest, *, now: dt.datetime, progress: Progress = no_progress
) -> MemberOutcome:
    """Check a member file and, unless told only to check, write it."""
    with room_for_a_large_load():
        return _import_members(request, now=now, progress=progress)


def _import_members(
    request: ImportRequest, *, now: dt.datetime, progress: Progress
) -> MemberOutcome:
    table = open_table(request.path)
    outcome = MemberOutcome()
    rejected_iins: set[str] = set()
    iin_column = request.mapping.index(Field.IIN)

    def remember_iin(row: Row) -> None:
        if iin_column is not None:
            cleaned = clean_iin(row.value(iin_column))
            if not isinstance(cleaned, str):
                rejected_iins.add(cleaned[0])

    STAGE.create()
    try:
        outcome.rows_read = stream_rows(
            table,
            member_row_parser(request.mapping, today=today()),
            STAGE,
            outcome.problems,
            progress=progress,
            on_rejected=remember_iin,
        )
        STAGE.index("iin", "joined_on")
        keep_registered_values(request.mapping)
        progress(CHECKING, outcome.rows_read)
        with transaction.atomic():
            if request.mode != ImportMode.CHECK:
                _hold_the_registry()
            outcome.problems.add(check_members(request.scope))
            if request.mode == ImportMode.CHECK or (
                outcome.problems and request.mode != ImportMode.VALID_ROWS
            ):
                return outcome
            if outcome.problems:
                _leave_out_rejected(outcome.problems, rejected_iins)
            progress(WRITING, outcome.rows_read)
            outcome.written = merge_members(
                actor_id=request.actor_id, note=request.note, now=now
            )
            if outcome.written.memberships_created:
                memberships_imported.send(sender=Membership, roots=request.scope.roots)
    finally:
        STAGE.drop()
    return outcome


def _hold_the_registry() -> None:
    """Keep other writers of people and memberships out until the import commits.

    What the checks find (who is whose, which periods exist) must still hold when
    the merge writes; readers go on meanwhile. On SQLite the write transaction
    already excludes every other writer.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(model._meta.db_table for model in (Person, Membership))
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


REJECTED_ROWS = StagingTable("import_rejected_rows", [Column("number", "integer")])
REJECTED_IINS = StagingTable("import_rejected_iins", [Column("iin", "varchar(12)")])


def _leave_out_rejected(problems: Problems, rejected_iins: set[str]) -> None:
    """Unstage the rows with problems and every other row of their IINs."""
    REJECTED_ROWS.create()
    REJECTED_IINS.create()
    REJECTED_ROWS.write([(number,) for number in problems.rows])
    REJECTED_IINS.write([(iin,) for iin in rejected_iins])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {REJECTED_IINS.name}
            SELECT s.iin FROM {STAGE.name} s
            WHERE s.row_number IN (SELECT number FROM {REJECTED_ROWS.name})
            """  # noqa: S608 (table names are constants)
        )
        left_out = f"""
            FROM {STAGE.name}
            WHERE iin IN (SELECT iin FROM {REJECTED_IINS.name})
                AND row_number NOT IN (SELECT number FROM {REJECTED_ROWS.name})
        """  # noqa: S608
        cursor.execute("SELECT row_number " + left_out)
        problems.add(
            RowProblem(number, Field.IIN, OTHER_ROW_REJECTED)
            for (number,) in cursor.fetchall()
        )
        cursor.execute(
            f"""
            DELETE FROM {STAGE.name}
            WHERE iin IN (SELECT iin FROM {REJECTED_IINS.name})
                OR row_number IN (SELECT number FROM {REJECTED_ROWS.name})
            """  # noqa: S608
        )
    # In the import's transaction, as the staging of the rejected: a failure rolls
    # them back.
    REJECTED_ROWS.drop()
    REJECTED_IINS.drop()
