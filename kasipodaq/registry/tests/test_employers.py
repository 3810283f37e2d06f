"""Opening a unit in an employer found by BIN, or registered when new."""

from __future__ import annotations

import datetime as dt

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.orgtree.errors import TreeChangeRefused
from kasipodaq.orgtree.models import Employer, Level, OrgUnit, Sector
from kasipodaq.registry.errors import RegistryRefusal
from kasipodaq.registry.services.employers import (
    EmployerDetails,
    create_organization_at_employer,
)
from kasipodaq.registry.services.organizations import UnitDetails
from kasipodaq.registry.tests.factories import Tree, grant, valid_bin

pytestmark = pytest.mark.django_db

OPENED = dt.date(2024, 1, 1)


def open_primary(tree: Tree, employer: EmployerDetails | None, *, actor=None, code="P"):
    return create_organization_at_employer(
        actor=actor or tree.admin,
        parent=tree.districts[0],
        level=Level.PRIMARY,
        details=UnitDetails(code=code, name_ru="Школа", name_kk="Мектеп"),
        employer=employer,
        opened_on=OPENED,
    )


def test_a_new_bin_registers_the_employer_and_audits_it(tree):
    """An unknown BIN registers a new employer with the names and sector given."""
    bin_ = valid_bin()
    unit = open_primary(
        tree, EmployerDetails(bin_, "КГУ Школа", "Мектеп КММ", Sector.SCHOOL)
    )
    employer = Employer.objects.get(bin=bin_)
    assert unit.employer == employer
    assert (employer.name_ru, employer.sector) == ("КГУ Школа", Sector.SCHOOL)
    registered = AuditEvent.objects.get(
        action=AuditAction.ORG_CHANGED, object_id=unit.pk, after__event="employer"
    )
    assert (registered.after or {})["bin"] == bin_


def test_a_known_bin_reuses_the_employer_as_it_is(tree):
    """A known BIN reuses its employer; names typed on the form do not overwrite it."""
    known = Employer.objects.create(
        bin=valid_bin(), name_ru="Колледж", sector=Sector.COLLEGE
    )
    unit = open_primary(tree, EmployerDetails(known.bin, "Другое имя", "", ""))
    assert unit.employer == known
    known.refresh_from_db()
    assert known.name_ru == "Колледж"
    assert Employer.objects.filter(bin=known.bin).count() == 1


def test_a_bad_bin_is_refused_on_its_field(tree):
    """A BIN whose check digit is wrong is refused before anything is written."""
    bad = valid_bin()
    bad = bad[:-1] + str((int(bad[-1]) + 1) % 10)
    units = OrgUnit.objects.count()
    with pytest.raises(RegistryRefusal) as exc:
        open_primary(tree, EmployerDetails(bad, "Школа", "", Sector.SCHOOL))
    assert exc.value.field == "employer_bin"
    assert OrgUnit.objects.count() == units
    assert not Employer.objects.filter(bin=bad).exists()


@pytest.mark.parametrize(
    ("name", "sector", "field"),
    [("", Sector.SCHOOL, "employer_name_ru"), ("Школа", "", "employer_sector")],
)
def test_a_new_employer_needs_a_name_and_a_sector(tree, name, sector, field):
    """Registering an employer needs its name and sector."""
    with pytest.raises(RegistryRefusal) as exc:
        open_primary(tree, EmployerDetails(valid_bin(), name, "", sector))
    assert exc.value.field == field
    assert not OrgUnit.objects.filter(code="P").exists()


def test_a_primary_needs_an_employer(tree):
    """A primary organization without an employer's BIN is refused."""
    with pytest.raises(RegistryRefusal) as exc:
        open_primary(tree, None)
    assert exc.value.field == "employer_bin"


def test_an_employer_has_one_open_primary(tree):
    """A second open primary organization in the same employer is refused."""
    taken = tree.primaries[0].employer
    with pytest.raises(RegistryRefusal) as exc:
        open_primary(tree, EmployerDetails(taken.bin))
    assert exc.value.field == "employer_bin"
    assert not OrgUnit.objects.filter(code="P").exists()


def test_a_unit_refused_by_the_tree_leaves_no_new_employer(tree):
    """When the unit itself is refused (code taken), the new employer is rolled back."""
    bin_ = valid_bin()
    with pytest.raises(TreeChangeRefused):
        open_primary(
            tree,
            EmployerDetails(bin_, "Школа", "", Sector.SCHOOL),
            code=tree.primaries[3].code,
        )
    assert not Employer.objects.filter(bin=bin_).exists()


def test_someone_without_the_right_registers_nothing(tree):
    """A chair of another district is refused and no employer is registered."""
    outsider = grant(Role.CHAIR, tree.districts[1])
    bin_ = valid_bin()
    with pytest.raises(PermissionRefused):
        open_primary(
            tree, EmployerDetails(bin_, "Школа", "", Sector.SCHOOL), actor=outsider
        )
    assert not Employer.objects.filter(bin=bin_).exists()


def test_a_group_sits_in_its_primarys_employer(tree):
    """A union group without a BIN takes its primary organization's employer."""
    primary = tree.primaries[0]
    group = create_organization_at_employer(
        actor=tree.admin,
        parent=primary,
        level=Level.GROUP,
        details=UnitDetails(code="G", name_ru="Группа", name_kk="Топ"),
        employer=None,
        opened_on=OPENED,
    )
    assert group.employer == primary.employer
