"""Many values as one query parameter: ``field__one_of=values``.

A lookup by 100,000 IINs written as ``IN (%s, %s, …)`` needs as many parameters,
more than PostgreSQL takes in one statement, and chunks of them cost a round trip
and a plan each. ``one_of`` passes the values as a single parameter that the
database unpacks itself: ``= ANY(array)`` on PostgreSQL — which the planner sizes
by the array and reads as one index scan, twice as fast at 100,000 IINs as
``IN (SELECT unnest(…))``, which it guesses at 200 rows — and a JSON list on SQLite
(``json_each``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.db.models import Field, ForeignObject, Lookup


class OneOf(Lookup):
    lookup_name = "one_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[Any]:
        if not isinstance(self.rhs, Iterable) or isinstance(self.rhs, (str, bytes)):
            raise TypeError("one_of takes a collection of values")
        prep = self.lhs.output_field.get_prep_value
        return [prep(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [
            field.get_db_prep_value(value, connection, prepared=True)
            for value in self.rhs
        ]
        if connection.vendor == "postgresql":
            # The column's own type (a key's is its target's): constant SQL.
            array = field.db_type(connection)
            return f"{lhs} = ANY(%s::{array}[])", (*lhs_params, values)
        listed = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
        return (
            f"{lhs} IN (SELECT value FROM json_each(%s))",  # noqa: S608 (a column)
            (*lhs_params, json.dumps(listed)),
        )


# Keys have their own lookups (a foreign key does not inherit a field's).
Field.register_lookup(OneOf)
ForeignObject.register_lookup(OneOf)
