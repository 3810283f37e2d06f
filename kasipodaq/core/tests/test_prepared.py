"""A hot query planned once per connection: the same rows as the query itself,
prepared once, and prepared again when the connection has lost it."""

from __future__ import annotations

import pytest
from django.db import connection

from kasipodaq.core.prepared import fetch_one
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.tests.factories import Tree

SQL = (
    "SELECT u.code, u.level AS test_prepared FROM orgtree_orgunit u "
    "WHERE u.id = %s AND u.level = %s"
)
MARK = "AS test_prepared"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's"
)


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_row_is_the_querys_own(tree: Tree) -> None:
    unit = tree.regions[1]
    assert fetch_one(SQL, [unit.pk, unit.level]) == (unit.code, unit.level)
    assert fetch_one(SQL, [unit.pk, "primary"]) is None
    central = tree.central
    assert fetch_one(SQL, [central.pk, "central"]) == (central.code, "central")


@on_postgresql
def test_a_connection_prepares_the_statement_once(tree: Tree) -> None:
    for unit in OrgUnit.objects.all():
        assert fetch_one(SQL, [unit.pk, unit.level]) == (unit.code, unit.level)
    prepared = [s for s in _prepared_statements() if MARK in s]
    assert len(prepared) == 1
    assert "u.id = $1 AND u.level = $2" in prepared[0]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_the_connection_lost_is_prepared_again(tree: Tree) -> None:
    unit = tree.districts[0]
    assert fetch_one(SQL, [unit.pk, unit.level]) == (unit.code, unit.level)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler resetting the session
    assert fetch_one(SQL, [unit.pk, unit.level]) == (unit.code, unit.level)
    assert any(MARK in s for s in _prepared_statements())


def test_a_literal_percent_is_refused(tree: Tree) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("only a prepared statement cares")
    with pytest.raises(ValueError, match="literal %"):
        fetch_one("SELECT 100 %% 7 WHERE 1 = %s", [1])
