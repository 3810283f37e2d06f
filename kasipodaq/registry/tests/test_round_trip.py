"""Moving a registry: what is exported and imported into an empty install is the same.

The files carry the organizations (code, parent, level, names, employer's BIN and
sector, latest number of employees, dates opened and closed) and every membership
period of every person; after `export-orgs` and `export-members` here and
`import-orgs` and `import-members` into an empty database, all of that is equal.
Phones are compared as digits: the import keeps them in one written form.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from kasipodaq.access.models import RoleGrant
from kasipodaq.audit.models import AuditEvent
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Employer,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
)
from kasipodaq.registry.models import ImportJob, Membership, Person
from kasipodaq.registry.tests.conftest import History

NON_DIGITS = re.compile(r"\D")


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


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
    return {"units": units, "people": people, "memberships": memberships}


def _empty_the_database() -> None:
    AuditEvent.objects.all().delete()
    ImportJob.objects.all().delete()
    RoleGrant.objects.all().delete()
    Person.objects.update(current_membership=None)
    Membership.objects.update(transferred_from=None)
    Membership.objects.all().delete()
    Person.objects.all().delete()
    EmployeeCount.objects.all().delete()
    OrgEvent.objects.all().delete()
    OrgPlacement.objects.all().delete()
    OrgUnit.objects.update(parent=None, merged_into=None)
    OrgUnit.objects.all().delete()
    Employer.objects.all().delete()


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
    assert after["memberships"] == before["memberships"]
    assert after["people"] == before["people"]


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
