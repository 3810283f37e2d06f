"""Primitive, dated changes of the tree: open, move, close.

These know nothing of members or permissions; the actor-facing services in
`kasipodaq.registry.services.organizations` check access, move members and audit,
and call these inside their transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from .errors import TreeChangeRefused
from .models import (
    PARENT_LEVELS,
    EmployeeCount,
    Employer,
    EventKind,
    Level,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
    UnitStatus,
)
from .paths import child_path
from .querysets import subtree_filter
from .signals import unit_opened


def check_parent(*, level: str, parent: OrgUnit | None, on: dt.date) -> None:
    """Refuse a parent that a unit of `level` cannot sit under on `on`."""
    if parent is None:
        if level != Level.CENTRAL:
            raise TreeChangeRefused(
                _("Only the central committee stands without a parent."), field="parent"
            )
        return
    if parent.level not in PARENT_LEVELS[level]:
        raise TreeChangeRefused(
            _("A %(level)s cannot be placed under a %(parent_level)s.")
            % {
                "level": Level(level).label,
                "parent_level": Level(parent.level).label,
            },
            field="parent",
        )
    if not parent.is_active or not parent.is_open_on(on):
        raise TreeChangeRefused(
            _("%(parent)s is not open on %(date)s.") % {"parent": parent, "date": on},
            field="parent",
        )


def open_unit(
    *,
    parent: OrgUnit | None,
    level: str,
    code: str,
    name_ru: str,
    name_kk: str,
    opened_on: dt.date,
    employer: Employer | None = None,
    region_code: str = "",
    address: str = "",
    employees: int | None = None,
    recorded_by_id: int | None = None,
) -> OrgUnit:
    check_parent(level=level, parent=parent, on=opened_on)
    if OrgUnit.objects.filter(code=code).exists():
        raise TreeChangeRefused(
            _("An organization with code %(code)s already exists.") % {"code": code},
            field="code",
        )
    if not region_code and parent is not None:
        region_code = parent.region_code
    unit = OrgUnit.objects.create(
        parent=parent,
        level=level,
        code=code,
        path=f"~{code}",  # replaced below once the primary key is known
        name_ru=name_ru,
        name_kk=name_kk,
        employer=employer,
        region_code=region_code,
        address=address,
        opened_on=opened_on,
    )
    unit.path = child_path(parent.path if parent else "", unit.pk)
    unit.save(update_fields=["path"])
    OrgPlacement.objects.create(unit=unit, parent=parent, valid_from=opened_on)
    if employees is not None:
        EmployeeCount.objects.create(
            unit=unit, counted_on=opened_on, employees=employees
        )
    OrgEvent.objects.create(
        unit=unit,
        kind=EventKind.CREATED,
        effective_on=opened_on,
        parent_after=parent,
        recorded_by_id=recorded_by_id,
    )
    unit_opened.send(sender=OrgUnit, unit=unit)
    return unit


def _current_placement(unit: OrgUnit) -> OrgPlacement:
    return OrgPlacement.objects.get(unit=unit, valid_to__isnull=True)


def _check_not_before_history(unit: OrgUnit, on: dt.date) -> OrgPlacement:
    placement = _current_placement(unit)
    if on <= placement.valid_from:
        raise TreeChangeRefused(
            _(
                "The date must be after %(date)s, the last change of %(unit)s: "
                "history is added, never rewritten."
            )
            % {"date": placement.valid_from, "unit": unit},
            field="on",
        )
    return placement


def move_unit(
    *,
    unit: OrgUnit,
    new_parent: OrgUnit,
    on: dt.date,
    recorded_by_id: int | None = None,
) -> OrgUnit:
    """Place a unit, with its whole subtree, under another parent from `on`."""
    if not unit.is_active:
        raise TreeChangeRefused(_("%(unit)s is closed.") % {"unit": unit})
    if new_parent.path.startswith(unit.path):
        raise TreeChangeRefused(
            _("%(unit)s cannot be moved under itself or its own sub-organization.")
            % {"unit": unit},
            field="parent",
        )
    if new_parent.pk == unit.parent_id:
        raise TreeChangeRefused(
            _("%(unit)s already stands under %(parent)s.")
            % {"unit": unit, "parent": new_parent},
            field="parent",
        )
    check_parent(level=unit.level, parent=new_parent, on=on)
    placement = _check_not_before_history(unit, on)
    placement.valid_to = on
    placement.save(update_fields=["valid_to"])
    OrgPlacement.objects.create(unit=unit, parent=new_parent, valid_from=on)

    old_path, new_path = unit.path, child_path(new_parent.path, unit.pk)
    OrgUnit.objects.filter(subtree_filter("path", old_path)).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    OrgEvent.objects.create(
        unit=unit,
        kind=EventKind.MOVED,
        effective_on=on,
        parent_before_id=unit.parent_id,
        parent_after=new_parent,
        recorded_by_id=recorded_by_id,
    )
    unit.parent, unit.path = new_parent, new_path
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    return unit


def close_subtree(
    *,
    unit: OrgUnit,
    on: dt.date,
    status: UnitStatus,
    kind: EventKind,
    merged_into: OrgUnit | None = None,
    recorded_by_id: int | None = None,
) -> list[int]:
    """Close a unit and every open unit below it on `on`; the ids closed."""
    if not unit.is_active:
        raise TreeChangeRefused(_("%(unit)s is already closed.") % {"unit": unit})
    if unit.parent_id is None:
        raise TreeChangeRefused(_("The central committee cannot be closed."))
    _check_not_before_history(unit, on)
    ids = list(OrgUnit.objects.in_subtree(unit).active().values_list("pk", flat=True))
    late = OrgPlacement.objects.filter(
        unit_id__in=ids, valid_to__isnull=True, valid_from__gte=on
    )
    if late.exists():
        raise TreeChangeRefused(
            _("A sub-organization changed on or after %(date)s: choose a later date.")
            % {"date": on},
            field="on",
        )
    OrgPlacement.objects.filter(unit_id__in=ids, valid_to__isnull=True).update(
        valid_to=on
    )
    OrgUnit.objects.filter(pk__in=ids).update(status=status, closed_on=on)
    OrgUnit.objects.filter(pk=unit.pk).update(merged_into=merged_into)
    OrgEvent.objects.create(
        unit=unit,
        kind=kind,
        effective_on=on,
        parent_before_id=unit.parent_id,
        other_unit=merged_into,
        recorded_by_id=recorded_by_id,
    )
    unit.refresh_from_db()
    return ids


def record_employees(
    *, unit: OrgUnit, counted_on: dt.date, employees: int
) -> EmployeeCount:
    count, _created = EmployeeCount.objects.update_or_create(
        unit=unit, counted_on=counted_on, defaults={"employees": employees}
    )
    return count
