"""Writing many rows fast, and wiping what the demo replaces.

PostgreSQL gets `COPY … FROM STDIN` through psycopg; SQLite gets `executemany` in
one transaction. Rows are tuples in the order of the field names given; the
caller hands out the primary keys, and `reset_sequences` moves the databases'
counters past them afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models

from kasipodaq.access.models import RoleGrant
from kasipodaq.audit.models import AuditEvent
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Employer,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
)
from kasipodaq.registry.models import Membership, Person

# What the demo replaces: the registry, the tree, the grants on it and the trail
# of changes to them. Models of other apps that point at these are wiped with them.
WIPED_MODELS: tuple[type[models.Model], ...] = (
    AuditEvent,
    RoleGrant,
    Membership,
    Person,
    EmployeeCount,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
    Employer,
)


def models_to_wipe() -> list[type[models.Model]]:
    """WIPED_MODELS and every model that points at one of them, however far."""
    found = list(WIPED_MODELS)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in found:
                continue
            if any(
                field.is_relation
                and (field.many_to_one or field.one_to_one)
                and field.related_model in found
                for field in model._meta.concrete_fields
            ):
                found.insert(0, model)
                changed = True
    return found


def has_data() -> bool:
    """Whether the database holds a union already: organizations or people."""
    return any(
        model._default_manager.exists()
        for model in (OrgUnit, Employer, Person, Membership)
    )


def wipe() -> None:
    """Empty the registry, the tree and what hangs on them (call in a transaction)."""
    wiped = models_to_wipe()
    tables = [model._meta.db_table for model in wiped]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses while foreign-key checks of this transaction wait.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "TRUNCATE {} RESTART IDENTITY CASCADE".format(
                    ", ".join(quote(t) for t in tables)
                )
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        # Foreign keys are checked at commit, so the order does not matter.
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
        if connection.vendor == "sqlite":
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"DELETE FROM sqlite_sequence WHERE name IN ({placeholders})",  # noqa: S608
                tables,
            )


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


def _naive(row: Sequence[object], stamps: list[int]) -> Sequence[object]:
    """Aware UTC datetimes as SQLite stores them (naive, in UTC)."""
    values = list(row)
    for i in stamps:
        value = values[i]
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            values[i] = value.astimezone(dt.UTC).replace(tzinfo=None)
    return values


def reset_sequences(model_list: Sequence[type[models.Model]]) -> None:
    """Move the id counters past the ids the loader wrote."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze(model_list: Sequence[type[models.Model]]) -> None:
    """Fresh planner statistics for the tables just filled."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in model_list:
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


def vacuum(model_list: Sequence[type[models.Model]]) -> bool:
    """VACUUM ANALYZE freshly loaded PostgreSQL tables, outside any transaction.

    Rows written by COPY are not yet marked all-visible, so index-only scans would
    still visit the table; VACUUM sets the visibility map. False when not done
    (another database, or inside a transaction, as in tests).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"VACUUM ANALYZE {quote(model._meta.db_table)}")
    return True
