"""The staging tables of an organization file: its rows as parsed, and their facts.

``STAGE`` has the columns of ``OrgRow`` in the same order, so parsed rows are
written to it as they are. A unit that moved has a row for each parent it stood
under; once the file is read, ``org_checks.split_history`` leaves in ``STAGE``
only the row of its latest placement, which gives the unit's names, dates and
current parent, and keeps the rows before it in ``HISTORY``. ``PLAN``, ``FACTS``
and ``PLACES`` are derived from them in SQL by ``org_checks.plan_orgs``: where
each row stands in the file's tree, and what the registry and the rest of the file
say about it, about its parent and about each placement. The checks read the
facts, and so does the merge.
"""

from __future__ import annotations

from kasipodaq.registry.imports.org_values import (
    BIN_LENGTH,
    CODE_MAX,
    ORG_NAME_MAX,
)
from kasipodaq.registry.imports.staging import Column, StagingTable, text

LEVEL = 16

STAGE = StagingTable(
    "import_org_rows",
    [
        Column("row_number", "integer NOT NULL"),
        text("code", CODE_MAX),
        text("parent_code", CODE_MAX),
        Column("level", f"varchar({LEVEL}) NOT NULL"),
        text("name_ru", ORG_NAME_MAX),
        text("name_kk", ORG_NAME_MAX),
        text("bin", BIN_LENGTH),
        text("sector", 16),
        Column("employees", "integer NULL"),
        Column("opened_on", "date NULL"),
        Column("closed_on", "date NULL"),
        Column("placed_from", "date NULL"),
    ],
)

# The rows of a unit's placements before its latest, each numbered in the order of
# its dates (``seq`` 1 for the first, whose date is the unit's date opened).
# Only units whose rows each have a date of their own are split so.
HISTORY = StagingTable(
    "import_org_history",
    [
        Column("row_number", "integer NOT NULL"),
        text("code", CODE_MAX),
        text("parent_code", CODE_MAX),
        Column("placed_from", "date NULL"),
        Column("seq", "integer NOT NULL"),
    ],
)

# When some units have a history: each staged row with the parent the unit opened
# under, which is the one it is created under. Without a history the walk down
# the file's tree reads ``STAGE`` itself.
EDGES = StagingTable(
    "import_org_edges",
    [
        Column("row_number", "integer NOT NULL"),
        text("code", CODE_MAX),
        text("parent_code", CODE_MAX),
        Column("opened_on", "date NULL"),
    ],
)

# The rows reached going down the file's tree from the rows whose parent is not in
# the file: how far down (1 for those), and the date each opened, given or
# inherited from its parent.
PLAN = StagingTable(
    "import_org_plan",
    [
        Column("row_number", "integer NOT NULL"),
        Column("generation", "integer NOT NULL"),
        Column("opened", "date NULL"),
    ],
)

# The codes of the rows that did not parse, each with the first such row: the
# file holds them, so rows under them are not "under an unknown parent".
REFUSED = StagingTable(
    "import_org_refused",
    [
        Column("code", f"varchar({CODE_MAX}) NOT NULL"),
        Column("row_number", "integer NOT NULL"),
    ],
)

# Codes the file's tree is not followed through: those repeated in the file and
# those of rows that did not parse. Which of the rows is meant is unknown.
BLOCKED = StagingTable(
    "import_org_blocked", [Column("code", f"varchar({CODE_MAX}) NOT NULL")]
)

# One row per staged row. ``unit_*`` describe the registered unit of the same
# code; ``mine`` says it is inside the importer's subtrees. ``parent_blocked`` says
# the parent's code is a blocked one, so the parent is not judged. ``parent_row``
# is the file's row of the parent (when its code is there once and it is not
# someone else's), ``parent_unit_id`` the registered parent the importer manages;
# ``par_*`` are the parent's level and dates, from the file when it is there, else
# the registry.
FACTS = StagingTable(
    "import_org_facts",
    [
        Column("row_number", "integer NOT NULL"),
        Column("code", f"varchar({CODE_MAX}) NOT NULL"),
        Column("parent_code", f"varchar({CODE_MAX}) NOT NULL"),
        Column("level", f"varchar({LEVEL}) NOT NULL"),
        Column("bin", f"varchar({BIN_LENGTH}) NOT NULL"),
        Column("opened_on", "date NULL"),
        Column("closed_on", "date NULL"),
        Column("generation", "integer NULL"),
        Column("opened", "date NULL"),
        Column("closed", "date NULL"),
        Column("unit_id", "bigint NULL"),
        Column("mine", "integer NOT NULL"),
        Column("is_new", "integer NOT NULL"),
        Column("unit_level", f"varchar({LEVEL}) NULL"),
        Column("unit_opened", "date NULL"),
        Column("unit_closed", "date NULL"),
        Column("unit_since", "date NULL"),
        Column("unit_parent_code", f"varchar({CODE_MAX}) NULL"),
        Column("unit_parent_mine", "integer NOT NULL"),
        Column("moved", "integer NOT NULL"),
        Column("closes", "integer NOT NULL"),
        Column("parent_blocked", "integer NOT NULL"),
        Column("parent_row", "integer NULL"),
        Column("parent_unit_id", "bigint NULL"),
        Column("par_level", f"varchar({LEVEL}) NULL"),
        Column("par_opened", "date NULL"),
        Column("par_closed", "date NULL"),
        Column("placed_from", "date NULL"),
    ],
)

# One row per row of a dated placement: every row of a unit with a history, and a
# single row that has a date of its own. ``seq`` orders a unit's placements,
# ``is_last`` marks the latest (the row left in ``STAGE``); ``starts`` and ``ends`` are
# the dates the placement runs over, ``ends`` NULL while it lasts. The unit's facts
# are copied from ``FACTS``, the parent's found as ``FACTS`` finds them, and
# ``par_gone`` is the date a registered parent closed. ``fresh`` says the
# placement is not in the registry yet and is to be written: every placement of a
# new unit, and one of a registered unit that starts after its last change;
# ``moves`` says it is written by a move (all but a new unit's first); ``matched``
# that a registered unit has this placement already; ``before_parent`` is the
# parent the unit stands under until the placement starts.
PLACES = StagingTable(
    "import_org_places",
    [
        Column("row_number", "integer NOT NULL"),
        Column("code", f"varchar({CODE_MAX}) NOT NULL"),
        Column("parent_code", f"varchar({CODE_MAX}) NOT NULL"),
        Column("placed_from", "date NULL"),
        Column("seq", "integer NOT NULL"),
        Column("is_last", "integer NOT NULL"),
        Column("starts", "date NULL"),
        Column("ends", "date NULL"),
        Column("before_parent", f"varchar({CODE_MAX}) NULL"),
        Column("unit_id", "bigint NULL"),
        Column("mine", "integer NOT NULL"),
        Column("is_new", "integer NOT NULL"),
        Column("unit_closed", "date NULL"),
        Column("opened", "date NULL"),
        Column("closed", "date NULL"),
        Column("level", f"varchar({LEVEL}) NOT NULL"),
        Column("parent_blocked", "integer NOT NULL"),
        Column("parent_row", "integer NULL"),
        Column("parent_unit_id", "bigint NULL"),
        Column("par_level", f"varchar({LEVEL}) NULL"),
        Column("par_opened", "date NULL"),
        Column("par_closed", "date NULL"),
        Column("par_gone", "date NULL"),
        Column("fresh", "integer NOT NULL"),
        Column("moves", "integer NOT NULL"),
        Column("matched", "integer NOT NULL"),
    ],
)
