"""Wiping what the demo replaces, and the databases' housekeeping after a load.

The rows themselves go in through `kasipodaq.core.loading.Loader`; the demo hands
out the primary keys, and `reset_sequences` moves the databases' counters past
them afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

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
