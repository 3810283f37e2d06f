"""A temporary table that holds a file's parsed rows while they are checked and merged.

The rows go in as they are parsed, in batches: through ``COPY … FROM STDIN`` on
PostgreSQL (psycopg formats each row in C), through ``executemany`` on SQLite. From
then on everything is SQL over the whole table. The table is temporary, so it
belongs to this connection alone and vanishes with it; ``drop`` removes it at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

TEMP_BUFFERS = "512MB"
# SQLite's page cache during an import (KiB): its default of 2 MB makes every index
# insertion of a million-row load a read from disk.
SQLITE_CACHE_KIB = 262_144


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str


def text(name: str, length: int) -> Column:
    return Column(name, f"varchar({length}) NOT NULL")


@contextmanager
def room_for_a_large_load() -> Iterator[None]:
    """On SQLite, a page cache that holds the tables' indexes while an import runs.

    PostgreSQL's shared buffers are the server's business; its staging tables get
    their room in ``StagingTable.create``.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


class StagingTable:
    """One temporary table, its columns in the order of the rows written to it."""

    def __init__(self, name: str, columns: Sequence[Column]) -> None:
        self.name = name
        self.columns = tuple(columns)

    def create(self) -> None:
        definitions = ", ".join(f"{c.name} {c.sql_type}" for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Temporary tables live in the session's own buffers (8 MB by
                # default), which a million rows would spill to disk. The setting
                # only takes before the session's first temporary table.
                cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.name} ({definitions})")

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append a batch of rows, each a tuple of the table's columns in order."""
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                self._copy(cursor, rows)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                insert = f"INSERT INTO {self.name} VALUES ({marks})"  # noqa: S608
                cursor.executemany(insert, rows)

    def _copy(self, cursor: CursorWrapper, rows: Iterable[Sequence[Any]]) -> None:
        names = ", ".join(c.name for c in self.columns)
        with cursor.cursor.copy(f"COPY {self.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def index(self, *columns: str, analyze: bool = True) -> None:
        """An index over the columns, made once the rows are in; statistics too.

        With several indexes, the statistics need gathering only with the last.
        """
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE INDEX {self.name}_{'_'.join(columns)} "
                f"ON {self.name} ({', '.join(columns)})"
            )
            if analyze:
                cursor.execute(f"ANALYZE {self.name}")

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
