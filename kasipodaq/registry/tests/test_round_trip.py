"""Moving a registry: what is exported and imported into an empty install is the same.

The files carry the organizations (code, parent, level, names, employer's BIN and
sector, latest number of employees, dates opened and closed, and every parent each
stood under, from when to when) and every membership period of every person; after
`export-orgs` and `export-members` here and `import-orgs` and `import-members` into
an empty database, all of that is equal, so the tree of any past date is too.
Phones are compared as digits: the import keeps them in one written form.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F

from kasipodaq.audit.models import AuditEvent
from kasipodaq.orgtree.as_of import subtree_ids_as_of
from kasipodaq.orgtree.models import (
    EmployeeCount,
    OrgPlacement,
    OrgUnit,
)
from kasipodaq.registry.demo.builder import DemoSpec, build_demo
from kasipodaq.registry.demo.loading import wipe
from kasipodaq.registry.models import ImportJob, ImportStatus, Membership, Person
from kasipodaq.registry.tests.conftest import NEW_REGION_ON, TAKEN_OVER_ON, History

NON_DIGITS = re.compile(r"\D")


def _registry() -> dict[str, Any]:
    # Later counts overwrite earlier ones: each unit's latest.
    latest_employees = dict(
        EmployeeCount.objects.order_by("unit_id", "counted_on").values_list(
            "unit_id", "employees"
        )
    )
    units = sorted(
        (
            unit.code,
            unit.parent.code if unit.parent else "",
            unit.level,
            unit.name_ru,
            unit.name_kk,
            unit.employer.bin if unit.employer else "",
            unit.employer.sector if unit.employer else "",
            latest_employees.get(unit.pk),
            unit.opened_on,
            unit.closed_on,
        )
        for unit in OrgUnit.objects.select_related("parent", "employer")
    )
    people = sorted(
        (
            p.iin,
            p.last_name,
            p.first_name,
            p.patronymic,
            p.birth_date,
            p.sex,
            NON_DIGITS.sub("", p.phone),
            p.email,
            p.current_membership.joined_on if p.current_membership else None,
        )
        for p in Person.objects.select_related("current_membership")
    )
    memberships = sorted(
        Membership.objects.values_list(
            "person__iin",
            "org_unit__code",
            "joined_on",
            "left_on",
            "category",
            "leave_reason",
        )
    )
    placements = sorted(
        OrgPlacement.objects.values_list(
            "unit__code", "parent__code", "valid_from", "valid_to"
        ),
        key=lambda row: (row[0], row[2]),
    )
    return {
        "units": units,
        "placements": placements,
        "people": people,
        "memberships": memberships,
    }


def _empty_the_database() -> None:
    """The registry and all that hangs on it (cards, dues…), as the demo wipes it."""
    ImportJob.objects.all().delete()
    wipe()


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_an_export_imported_into_an_empty_database_gives_the_same_registry(
    history: History, tmp_path: Path, extension: str
) -> None:
    orgs = tmp_path / f"orgs.{extension}"
    members = tmp_path / f"members.{extension}"
    call_command("export_orgs", str(orgs), stdout=StringIO())
    call_command("export_members", str(members), stdout=StringIO())
    before = _registry()
    _empty_the_database()
    assert not OrgUnit.objects.exists()

    call_command("import_orgs", str(orgs), stdout=StringIO(), stderr=StringIO())
    call_command("import_members", str(members), stdout=StringIO(), stderr=StringIO())

    after = _registry()
    assert after["units"] == before["units"]
    assert after["placements"] == before["placements"]
    assert after["memberships"] == before["memberships"]
    assert after["people"] == before["people"]
    # The district the new region took over stood under the old one before.
    district = OrgUnit.objects.get(code=history.tree.districts[3].code)
    old_region = OrgUnit.objects.get(code=history.tree.regions[1].code)
    assert history.new_region is not None
    new_region = OrgUnit.objects.get(code=history.new_region.code)
    assert district.pk in subtree_ids_as_of(old_region, NEW_REGION_ON)
    assert district.pk not in subtree_ids_as_of(new_region, NEW_REGION_ON)
    assert district.pk in subtree_ids_as_of(new_region, TAKEN_OVER_ON)
    assert district.pk not in subtree_ids_as_of(old_region, TAKEN_OVER_ON)


def test_importing_the_export_again_changes_nothing(
    history: History, tmp_path: Path
) -> None:
    orgs, members = tmp_path / "orgs.xlsx", tmp_path / "members.xlsx"
    call_command("export_orgs", str(orgs), stdout=StringIO())
    call_command("export_members", str(members), stdout=StringIO())
    before = _registry()
    events = AuditEvent.objects.count()

    out = StringIO()
    call_command("import_orgs", str(orgs), stdout=out, stderr=StringIO())
    call_command("import_members", str(members), stdout=out, stderr=StringIO())

    assert _registry() == before
    # Only the two exports' own events were added: the imports changed nothing.
    assert AuditEvent.objects.count() == events


def test_the_demo_exported_imports_into_an_empty_database(
    db: None, tmp_path: Path
) -> None:
    """The demo union, with its regions of 2022, its merger and the region that
    left, comes back whole from its own files: no row refused, the same units
    and placements, the same memberships."""
    build_demo(DemoSpec(members=500), reset=True)
    orgs, members = tmp_path / "orgs.csv", tmp_path / "members.csv"
    call_command("export_orgs", str(orgs), stdout=StringIO())
    call_command("export_members", str(members), stdout=StringIO())
    before = _registry()
    moved = OrgPlacement.objects.exclude(valid_from=F("unit__opened_on"))
    assert moved.filter(unit__code__startswith="10-").exists()
    assert len(before["units"]) > 100
    _empty_the_database()

    for command, path in (("import_orgs", orgs), ("import_members", members)):
        # A refused row would fail the command.
        call_command(command, str(path), stdout=StringIO(), stderr=StringIO())
        job = ImportJob.objects.latest("pk")
        assert (job.status, job.rows_rejected) == (ImportStatus.DONE, 0)

    after = _registry()
    assert after["units"] == before["units"]
    assert after["placements"] == before["placements"]
    assert after["memberships"] == before["memberships"]
