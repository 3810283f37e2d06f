"""The employers that organizations sit in: found by BIN, created when new."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record, snapshot
from kasipodaq.orgtree.bin import validate_bin
from kasipodaq.orgtree.models import Employer, Level, OrgUnit, Sector

from ..errors import RegistryRefusal
from .organizations import UnitDetails, create_organization

EMPLOYER_FIELDS = ["bin", "name_ru", "name_kk", "sector"]


@dataclass(frozen=True)
class EmployerDetails:
    """What staff enter about a workplace. Names and sector matter only when new."""

    bin: str
    name_ru: str = ""
    name_kk: str = ""
    sector: str = ""


def _employer_for(details: EmployerDetails) -> tuple[Employer, bool]:
    """The employer with this BIN, or a new one from the details; and whether new."""
    bin_ = details.bin.strip()
    try:
        validate_bin(bin_)
    except ValidationError as exc:
        raise RegistryRefusal(exc.messages[0], field="employer_bin") from None
    existing = Employer.objects.select_for_update().filter(bin=bin_).first()
    if existing is not None:
        return existing, False
    if not details.name_ru.strip():
        raise RegistryRefusal(
            _("No employer has this BIN yet: enter its name to register it."),
            field="employer_name_ru",
        )
    if details.sector not in Sector.values:
        raise RegistryRefusal(
            _("No employer has this BIN yet: choose its sector to register it."),
            field="employer_sector",
        )
    employer = Employer.objects.create(
        bin=bin_,
        name_ru=details.name_ru.strip(),
        name_kk=details.name_kk.strip(),
        sector=details.sector,
    )
    return employer, True


@transaction.atomic
def create_organization_at_employer(
    *,
    actor: Any,
    parent: OrgUnit,
    level: str,
    details: UnitDetails,
    employer: EmployerDetails | None,
    opened_on: dt.date,
    employees: int | None = None,
) -> OrgUnit:
    """Open a unit under `parent` in the employer with the given BIN.

    The employer is reused when its BIN is known and registered otherwise. A
    primary organization must name its employer, and an employer has at most one
    open primary organization; a union group sits in its primary's employer
    unless told otherwise.
    """
    policy.require(actor, Perm.ORG_MANAGE, unit=parent)
    workplace: Employer | None = None
    created = False
    if employer is not None and employer.bin.strip():
        workplace, created = _employer_for(employer)
    elif level == Level.PRIMARY:
        raise RegistryRefusal(
            _("A primary organization sits in an employer: enter the employer's BIN."),
            field="employer_bin",
        )
    elif level == Level.GROUP:
        workplace = parent.employer
    if (
        level == Level.PRIMARY
        and workplace is not None
        and not created
        and workplace.units.filter(level=Level.PRIMARY).active().exists()
    ):
        raise RegistryRefusal(
            _("This employer already has an open primary organization."),
            field="employer_bin",
        )
    unit = create_organization(
        actor=actor,
        parent=parent,
        level=level,
        details=replace(details, employer=workplace),
        opened_on=opened_on,
        employees=employees,
    )
    if created and workplace is not None:
        record(
            actor=actor,
            action=AuditAction.ORG_CHANGED,
            target=unit,
            after={"event": "employer", **snapshot(workplace, EMPLOYER_FIELDS)},
        )
    return unit
