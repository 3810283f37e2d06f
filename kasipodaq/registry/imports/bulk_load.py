"""Loading many rows into a table at once: indexes built after, not kept up row by row.

On PostgreSQL every index and foreign key of a table costs each inserted row a
B-tree descent or a trigger; for a first registry of a million members that is most
of the import. When a load at least doubles a table (and is large), its secondary
indexes, unique constraints and outgoing foreign keys are dropped inside the import's
transaction and made again after the rows are in: an index is then built by one
sort, a foreign key checked by one join, and a duplicate still fails the whole
transaction. The definitions come from the catalog, so whatever the migrations
made is made again. The tables stay locked (ACCESS EXCLUSIVE) until commit, which
is what a first load can afford and a day-to-day import of a few rows never meets.

On SQLite indexes are cheap enough to keep, and nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, models

# Below this many new rows the indexes are kept whatever the table's size.
BULK_MIN_ROWS = 50_000

_CONSTRAINTS = """
    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = %s::regclass AND contype IN ('u', 'f')
    ORDER BY contype DESC, conname
"""
_INDEXES = """
    SELECT i.relname, pg_get_indexdef(i.oid)
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    ORDER BY i.relname
"""


@dataclass
class _Dropped:
    table: str
    constraints: list[tuple[str, str]] = field(default_factory=list)
    indexes: list[tuple[str, str]] = field(default_factory=list)


def worth_rebuilding(model: type[models.Model], new_rows: int) -> bool:
    """Whether loading ``new_rows`` into the model's table is cheaper with rebuilt
    indexes: on PostgreSQL, for a large load at least the table's present size (a
    load of nothing never is, not even into an empty table)."""
    if connection.vendor != "postgresql" or not new_rows or new_rows < BULK_MIN_ROWS:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        (present,) = cursor.fetchone()
    return new_rows >= max(present, 0)


@contextmanager
def indexes_rebuilt_after(
    models_: Sequence[type[models.Model]],
) -> Iterator[None]:
    """Drop the tables' secondary indexes and constraints; make them again on exit."""
    if not models_:
        yield
        return
    dropped = []
    with connection.cursor() as cursor:
        # Checks of rows written earlier in the transaction are made now, so that
        # the tables carry no pending trigger events when altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for model in models_:
            table = _Dropped(model._meta.db_table)
            cursor.execute(_CONSTRAINTS, [table.table])
            table.constraints = cursor.fetchall()
            cursor.execute(_INDEXES, [table.table])
            table.indexes = cursor.fetchall()
            dropped.append(table)
        for table in dropped:
            for name, _definition in table.constraints:
                cursor.execute(f'ALTER TABLE {table.table} DROP CONSTRAINT "{name}"')
            for name, _definition in table.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        # The checks that remain wait for commit again, as the merge's order of
        # inserts (memberships before their people) needs.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in dropped:
            for _name, definition in table.indexes:
                cursor.execute(definition)
            for name, definition in table.constraints:
                cursor.execute(
                    f'ALTER TABLE {table.table} ADD CONSTRAINT "{name}" {definition}'
                )
            cursor.execute(f"ANALYZE {table.table}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
