"""The staging table of a member file: one row per membership period, as parsed.

Its columns are those of ``MemberRow`` in the same order, so parsed rows are
written to it as they are.
"""

from __future__ import annotations

from kasipodaq.registry.imports.staging import Column, StagingTable, text
from kasipodaq.registry.imports.values import EMAIL_MAX, NAME_MAX, ORG_CODE_MAX

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
