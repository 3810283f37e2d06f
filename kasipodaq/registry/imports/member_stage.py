"""The staging table of a member file: one row per membership period, as parsed.

Its columns are those of ``MemberRow`` in the same order, so parsed rows are
written to it as they are.
"""

from __future__ import annotations

from django.db import connection

from kasipodaq.registry.imports.headers import ColumnMapping, Field
from kasipodaq.registry.imports.staging import Column, StagingTable, text
from kasipodaq.registry.imports.values import EMAIL_MAX, NAME_MAX, ORG_CODE_MAX
from kasipodaq.registry.models import Membership, Person

STAGE = StagingTable(
    "import_member_rows",
    [
        Column("row_number", "integer NOT NULL"),
        Column("iin", "varchar(12) NOT NULL"),
        text("last_name", NAME_MAX),
        text("first_name", NAME_MAX),
        text("patronymic", NAME_MAX),
        Column("birth_date", "date NOT NULL"),
        Column("sex", "varchar(1) NOT NULL"),
        text("phone", 20),
        text("email", EMAIL_MAX),
        text("org_code", ORG_CODE_MAX),
        Column("category", "varchar(16) NOT NULL"),
        Column("joined_on", "date NOT NULL"),
        Column("left_on", "date NULL"),
        text("leave_reason", 16),
    ],
)


# What a file without the column keeps from the registry: a period's category, and
# its end with the reason; a person's patronymic. The parser put defaults there
# (working; open; empty), which are right for new rows and wrong for known ones.
_REGISTERED_PERIOD = """
    UPDATE {stage} AS s SET {assignments}
    FROM {person} p JOIN {membership} m ON m.person_id = p.id
    WHERE p.iin = s.iin AND m.joined_on = s.joined_on
"""
_REGISTERED_PERSON = """
    UPDATE {stage} AS s SET patronymic = p.patronymic
    FROM {person} p WHERE p.iin = s.iin
"""


def keep_registered_values(mapping: ColumnMapping) -> None:
    """Give the staged rows of registered people and periods the registry's values
    of the fields the file has no column for, so that the merge leaves them be."""
    tables = {
        "stage": STAGE.name,
        "person": Person._meta.db_table,
        "membership": Membership._meta.db_table,
    }
    assignments = []
    if mapping.index(Field.CATEGORY) is None:
        assignments.append("category = m.category")
    if mapping.index(Field.LEFT_ON) is None:
        assignments += ["left_on = m.left_on", "leave_reason = m.leave_reason"]
    with connection.cursor() as cursor:
        if assignments:
            cursor.execute(
                _REGISTERED_PERIOD.format(assignments=", ".join(assignments), **tables)
            )
        if mapping.index(Field.PATRONYMIC) is None and (
            mapping.index(Field.FULL_NAME) is None
        ):
            cursor.execute(_REGISTERED_PERSON.format(**tables))
