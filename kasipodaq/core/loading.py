"""Writing many rows fast: COPY on PostgreSQL, executemany elsewhere.

PostgreSQL gets `COPY … FROM STDIN` through psycopg; SQLite gets `executemany`.
Rows are tuples in the order of the field names given, with the values as the
model's fields hold them (JSON fields take Python values). Nothing of the ORM's
per-object work is done: no defaults, no signals, no returned keys.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from psycopg.types.json import Jsonb


class Loader:
    """Inserts rows set-based: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def insert(
        self,
        model: type[models.Model],
        field_names: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> int:
        fields = [model._meta.get_field(name) for name in field_names]
        jsons = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        if jsons:
            rows = (_json(row, jsons, binary=self.copy) for row in rows)
        columns = [str(f.column) for f in fields]  # type: ignore[union-attr]
        table = model._meta.db_table
        quote = connection.ops.quote_name
        column_list = ", ".join(quote(c) for c in columns)
        count = 0
        with connection.cursor() as cursor:
            if self.copy:
                sql = f"COPY {quote(table)} ({column_list}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                stamps = [
                    i
                    for i, f in enumerate(fields)
                    if isinstance(f, models.DateTimeField)
                ]
                batch: list[Any] = [
                    _naive(row, stamps) if stamps else row for row in rows
                ]
                count = len(batch)
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({column_list}) "  # noqa: S608
                    f"VALUES ({placeholders})",
                    batch,
                )
        self.counts[table] = self.counts.get(table, 0) + count
        return count


def _json(row: Sequence[object], at: list[int], *, binary: bool) -> Sequence[object]:
    """JSON values as COPY (jsonb) or SQLite (text) takes them."""
    values = list(row)
    for i in at:
        if values[i] is not None:
            values[i] = Jsonb(values[i]) if binary else json.dumps(values[i])
    return values


def _naive(row: Sequence[object], stamps: list[int]) -> Sequence[object]:
    """Aware UTC datetimes as SQLite stores them (naive, in UTC)."""
    values = list(row)
    for i in stamps:
        value = values[i]
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            values[i] = value.astimezone(dt.UTC).replace(tzinfo=None)
    return values
