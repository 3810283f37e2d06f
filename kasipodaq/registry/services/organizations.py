"""Changes of the organization tree made by staff: checked, audited, members moved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import diff, record, snapshot
from kasipodaq.core.dates import today
from kasipodaq.orgtree import changes
from kasipodaq.orgtree.errors import TreeChangeRefused
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Employer,
    EventKind,
    Level,
    OrgUnit,
    UnitStatus,
)

from ..models import LeaveReason
from .transfers import end_all_memberships, move_all_members

UNIT_DETAIL_FIELDS = ["name_ru", "name_kk", "employer", "region_code", "address"]


@dataclass(frozen=True)
class UnitDetails:
    code: str
    name_ru: str
    name_kk: str
    employer: Employer | None = None
    region_code: str = ""
    address: str = ""


def _require_manage(actor: Any, *units: OrgUnit) -> None:
    for unit in units:
        policy.require(actor, Perm.ORG_MANAGE, unit=unit)


def _require_manage_above(actor: Any, unit: OrgUnit) -> None:
    """Closing a unit is decided above it: a grant on the unit itself is not enough."""
    if unit.parent is None:
        raise TreeChangeRefused(_("The central committee cannot be closed."))
    _require_manage(actor, unit.parent)


def _require_past_or_today(on: dt.date) -> None:
    if on > today():
        raise TreeChangeRefused(_("The date cannot be in the future."), field="on")


def _audit(actor: Any, unit: OrgUnit, kind: str, **after: Any) -> None:
    record(
        actor=actor,
        action=AuditAction.ORG_CHANGED,
        target=unit,
        after={"event": kind, **after},
    )


@transaction.atomic
def create_organization(
    *,
    actor: Any,
    parent: OrgUnit,
    level: str,
    details: UnitDetails,
    opened_on: dt.date,
    employees: int | None = None,
) -> OrgUnit:
    _require_manage(actor, parent)
    _require_past_or_today(opened_on)
    unit = changes.open_unit(
        parent=parent,
        level=level,
        code=details.code.strip(),
        name_ru=details.name_ru,
        name_kk=details.name_kk,
        employer=details.employer,
        region_code=details.region_code,
        address=details.address,
        opened_on=opened_on,
        employees=employees,
        recorded_by_id=actor.pk,
    )
    _audit(actor, unit, EventKind.CREATED, parent=parent.pk, on=opened_on.isoformat())
    return unit


@transaction.atomic
def update_organization(*, actor: Any, unit: OrgUnit, details: UnitDetails) -> OrgUnit:
    """Correct a unit's names, employer, region code or address."""
    _require_manage(actor, unit)
    before = snapshot(unit, UNIT_DETAIL_FIELDS)
    for name in UNIT_DETAIL_FIELDS:
        setattr(unit, name, getattr(details, name))
    old, new = diff(before, snapshot(unit, UNIT_DETAIL_FIELDS))
    if new:
        unit.save(update_fields=list(new))
        record(
            actor=actor,
            action=AuditAction.ORG_CHANGED,
            target=unit,
            before=old,
            after=new,
        )
    return unit


@transaction.atomic
def set_employees(
    *, actor: Any, unit: OrgUnit, counted_on: dt.date, employees: int
) -> EmployeeCount:
    _require_manage(actor, unit)
    _require_past_or_today(counted_on)
    count = changes.record_employees(
        unit=unit, counted_on=counted_on, employees=employees
    )
    _audit(
        actor, unit, "employees", counted_on=counted_on.isoformat(), employees=employees
    )
    return count


@transaction.atomic
def move_organization(
    *, actor: Any, unit: OrgUnit, new_parent: OrgUnit, on: dt.date
) -> OrgUnit:
    _require_manage(actor, unit, new_parent)
    _require_past_or_today(on)
    before = unit.parent_id
    changes.move_unit(unit=unit, new_parent=new_parent, on=on, recorded_by_id=actor.pk)
    _audit(actor, unit, EventKind.MOVED, parent_before=before, parent=new_parent.pk)
    return unit


@transaction.atomic
def merge_organization(
    *, actor: Any, unit: OrgUnit, into: OrgUnit, on: dt.date
) -> OrgUnit:
    """Merge a unit into another of its level: its sub-units and members move there."""
    _require_manage_above(actor, unit)
    _require_manage(actor, into)
    _require_past_or_today(on)
    if into.pk == unit.pk or into.level != unit.level:
        raise TreeChangeRefused(
            _("An organization merges only into another of the same level."),
            field="into",
        )
    if not into.is_active or not into.is_open_on(on):
        raise TreeChangeRefused(
            _("%(unit)s is not open on %(date)s.") % {"unit": into, "date": on},
            field="into",
        )
    note = _("Merged into %(unit)s") % {"unit": into.code}
    for child in OrgUnit.objects.filter(parent=unit).active():
        changes.move_unit(unit=child, new_parent=into, on=on, recorded_by_id=actor.pk)
    if unit.level == Level.PRIMARY:
        move_all_members(actor=actor, from_unit=unit, to_unit=into, on=on, note=note)
    changes.close_subtree(
        unit=unit,
        on=on,
        status=UnitStatus.MERGED,
        kind=EventKind.MERGED,
        merged_into=into,
        recorded_by_id=actor.pk,
    )
    _audit(actor, unit, EventKind.MERGED, into=into.pk, on=on.isoformat())
    return unit


@transaction.atomic
def liquidate_organization(*, actor: Any, unit: OrgUnit, on: dt.date) -> OrgUnit:
    """Close a unit that has no open sub-organizations; its members leave."""
    _require_manage_above(actor, unit)
    _require_past_or_today(on)
    if OrgUnit.objects.filter(parent=unit).active().exists():
        raise TreeChangeRefused(
            _("Move or merge its sub-organizations first: %(unit)s still has some.")
            % {"unit": unit}
        )
    return close_with_members(
        actor=actor,
        unit=unit,
        on=on,
        kind=EventKind.LIQUIDATED,
        note=_("Organization %(code)s liquidated") % {"code": unit.code},
    )


@transaction.atomic
def leave_union(*, actor: Any, unit: OrgUnit, on: dt.date) -> OrgUnit:
    """A unit leaves the union with its whole subtree; every membership in it ends."""
    _require_manage_above(actor, unit)
    _require_past_or_today(on)
    return close_with_members(
        actor=actor,
        unit=unit,
        on=on,
        kind=EventKind.LEFT_UNION,
        note=_("Organization %(code)s left the union") % {"code": unit.code},
    )


_CLOSINGS = {
    EventKind.LIQUIDATED: (UnitStatus.LIQUIDATED, LeaveReason.ORG_LIQUIDATED),
    EventKind.LEFT_UNION: (UnitStatus.LEFT, LeaveReason.ORG_LEFT_UNION),
}


def close_with_members(
    *, actor: Any, unit: OrgUnit, on: dt.date, kind: EventKind, note: str
) -> OrgUnit:
    """Close the unit's open subtree on `on`, ending every membership in it.

    The caller has checked the actor's right and the date: the services above, or
    an organization import, which checks a whole file first. ``actor`` None is the
    command line.
    """
    status, reason = _CLOSINGS[kind]
    ids = list(OrgUnit.objects.in_subtree(unit).active().values_list("pk", flat=True))
    end_all_memberships(actor=actor, unit_ids=ids, on=on, reason=reason, note=note)
    changes.close_subtree(
        unit=unit,
        on=on,
        status=status,
        kind=kind,
        recorded_by_id=getattr(actor, "pk", None),
    )
    _audit(actor, unit, kind, on=on.isoformat(), units=len(ids))
    return unit
