"""Reads of the organization tree for the staff pages, always through the scoping.

Each function answers in a fixed number of queries, however many units it returns:
the tree browser and the organization page must stay fast with 60,000 units.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from kasipodaq.access.perms import Perm
from kasipodaq.access.policy import home_unit_ids
from kasipodaq.access.scoping import scope
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import PARENT_LEVELS, Level, OrgEvent, OrgUnit
from kasipodaq.orgtree.paths import SEGMENT, ancestor_ids, depth
from kasipodaq.orgtree.querysets import subtree_filter

from .models import Membership
from .selectors import count_members_by_child

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class UnitRow:
    """A unit as the tree and tables show it."""

    unit: OrgUnit
    members: int  # active members of its whole subtree
    open_children: int  # active units directly below it

    @property
    def expandable(self) -> bool:
        return self.open_children > 0


def _with_child_counts(units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    return units.select_related("employer").annotate(
        open_children=Count("children", filter=Q(children__status="active"))
    )


def count_members_in_subtrees(
    units: list[OrgUnit], on: dt.date | None = None
) -> dict[int, int]:
    """Active members below each of `units`, by unit id.

    One grouped query per depth among the units (at most the five levels of the
    tree), however many units there are.
    """
    by_length: dict[int, list[OrgUnit]] = defaultdict(list)
    for unit in units:
        by_length[len(unit.path)].append(unit)
    counts: dict[int, int] = {}
    for length, group in sorted(by_length.items()):
        reach = reduce(
            or_, (subtree_filter("org_unit__path", unit.path) for unit in group)
        )
        rows = (
            Membership.objects.active_on(on or today())
            .filter(reach)
            .annotate(root=Substr("org_unit__path", 1, length))
            .values("root")
            .annotate(n=Count("pk"))
        )
        found = {row["root"]: row["n"] for row in rows}
        counts.update({unit.pk: found.get(unit.path, 0) for unit in group})
    return counts


def _rows(units: list[OrgUnit], members: dict[int, int]) -> list[UnitRow]:
    return [
        UnitRow(unit, members.get(unit.pk, 0), getattr(unit, "open_children", 0))
        for unit in units
    ]


def list_home_rows(user: Any) -> list[UnitRow]:
    """The top nodes of the user's grants, where the tree browser starts."""
    ids = home_unit_ids(user)
    units = {
        u.pk: u
        for u in _with_child_counts(
            scope(OrgUnit.objects.filter(pk__in=ids), user, Perm.ORG_VIEW)
        )
    }
    ordered = [units[i] for i in ids if i in units]
    return _rows(ordered, count_members_in_subtrees(ordered))


def list_child_rows(
    user: Any,
    parent: OrgUnit,
    *,
    include_closed: bool = False,
    members_by_child: dict[str, int] | None = None,
) -> list[UnitRow]:
    """The units directly below `parent` that the user may see, with member counts.

    Two queries whatever the number of children: the units, and the members of all
    of them at once.
    """
    children = scope(OrgUnit.objects.filter(parent=parent), user, Perm.ORG_VIEW)
    if not include_closed:
        children = children.active()
    units = list(_with_child_counts(children).order_by("name_ru", "pk"))
    if not units:
        return []
    by_path = (
        count_members_by_child(parent) if members_by_child is None else members_by_child
    )
    return [
        UnitRow(u, by_path.get(u.path, 0), getattr(u, "open_children", 0))
        for u in sorted(units, key=lambda u: not u.is_active)
    ]


def search_unit_rows(user: Any, text: str) -> list[UnitRow]:
    """Units in scope whose code, name or employer's BIN matches, the first 50."""
    if not text.strip():
        return []
    units = list(
        _with_child_counts(
            scope(OrgUnit.objects.all(), user, Perm.ORG_VIEW).search(text)
        ).order_by("path")[:SEARCH_LIMIT]
    )
    return _rows(units, count_members_in_subtrees(units))


def list_ancestors_in_scope(user: Any, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors, top first, leaving out those above the user's grants."""
    ids = ancestor_ids(unit.path)[:-1]
    if not ids:
        return []
    return list(
        scope(OrgUnit.objects.filter(pk__in=ids), user, Perm.ORG_VIEW).order_by("path")
    )


def list_unit_events(unit: OrgUnit) -> list[OrgEvent]:
    """The recorded history of a unit the caller already obtained, oldest first."""
    return list(
        OrgEvent.objects.filter(unit=unit).select_related(
            "recorded_by", "parent_before", "parent_after", "other_unit"
        )
    )


def visible_unit_ids(
    user: Any, ids: set[int | None], perm: Perm = Perm.ORG_VIEW
) -> set[int]:
    """Which of these unit ids the user may open (one query); None is skipped."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return set()
    return set(
        scope(OrgUnit.objects.filter(pk__in=wanted), user, perm).values_list(
            "pk", flat=True
        )
    )


def find_unit_by_code(user: Any, code: str, perm: Perm) -> OrgUnit | None:
    """The unit with this code if the user holds `perm` on it, else None."""
    code = code.strip()
    if not code:
        return None
    return (
        scope(OrgUnit.objects.filter(code__iexact=code), user, perm)
        .select_related("parent", "employer")
        .first()
    )


def levels_under(parent: OrgUnit) -> list[str]:
    """The levels a new unit may have directly under `parent`."""
    return [level for level in Level.values if parent.level in PARENT_LEVELS[level]]


def list_parent_choices(user: Any, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Open units the user manages, near `unit`, that it could be moved under.

    "Near" is below the unit's grandparent (another district of the same region,
    say), so the list stays short enough to choose from on a phone; any other
    unit is reached by its code. Leaves out the unit's own subtree and its
    current parent.
    """
    candidates = (
        scope(OrgUnit.objects.active(), user, Perm.ORG_MANAGE)
        .filter(level__in=PARENT_LEVELS[unit.level])
        .exclude(subtree_filter("path", unit.path))
    )
    if depth(unit.path) > 2:
        candidates = candidates.filter(
            subtree_filter("path", unit.path[: -2 * SEGMENT])
        )
    if unit.parent_id is not None:
        candidates = candidates.exclude(pk=unit.parent_id)
    return candidates.order_by("path")
