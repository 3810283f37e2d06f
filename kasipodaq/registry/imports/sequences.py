"""Reserving a block of primary keys, so that rows can be written already linked.

A new person points to their latest membership and each membership to its person:
with the people's keys known before either is written, the memberships go in
first and the people after, each by one INSERT, with nothing to update after.

On PostgreSQL the table is locked against other writers (readers go on) for the
rest of the transaction, so no one else draws from the sequence while the block
is in use; the sequence is then moved past the block. On SQLite the write
transaction already excludes every other writer, and an explicit key above the
table's AUTOINCREMENT counter moves the counter itself.
"""

from __future__ import annotations

from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive free keys of ``model``'s table."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            (sequence,) = cursor.fetchone()
            cursor.execute("SELECT nextval(%s)", [sequence])
            (first,) = cursor.fetchone()
            if count > 1:
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
            return int(first)
        cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")  # noqa: S608
        (highest,) = cursor.fetchone()
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        counter = cursor.fetchone()
        return int(max(highest, counter[0] if counter else 0)) + 1
