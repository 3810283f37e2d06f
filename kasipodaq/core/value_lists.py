"""Many values as one query parameter, for ``field__in=``.

A lookup by 100,000 IINs written as ``IN (%s, %s, …)`` needs as many parameters,
more than PostgreSQL takes in one statement, and chunks of them cost a round trip
and a plan each. ``one_of`` passes the values as a single parameter that the
database unpacks itself: an array on PostgreSQL (``unnest``), a JSON list on
SQLite (``json_each``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection

from django.db import connection
from django.db.models.expressions import RawSQL

# The PostgreSQL array type of each kind of value.
_ARRAY = {int: "bigint[]", str: "text[]", dt.date: "date[]"}


def one_of(values: Collection[int | str | dt.date], *, kind: type) -> RawSQL:
    """A subquery yielding `values` (all of `kind`: int, str or date)."""
    # Constant SQL (the type comes from _ARRAY); the values are one parameter.
    if connection.vendor == "postgresql":
        sql = f"SELECT unnest(%s::{_ARRAY[kind]})"
        return RawSQL(sql, (list(values),))  # noqa: S611
    listed = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(listed),))
