"""Composable filters over people and memberships."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models

from kasipodaq.core.dates import active_on_q
from kasipodaq.orgtree.as_of import subtree_as_of
from kasipodaq.orgtree.querysets import subtree_filter

if TYPE_CHECKING:
    from kasipodaq.orgtree.models import OrgUnit

    from .models import Membership, Person  # noqa: F401 (quoted in base classes)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active_on(self, on: dt.date) -> MembershipQuerySet:
        """Memberships whose [joined, left) contains `on`: exact for any past date."""
        return self.filter(active_on_q(on, start="joined_on", end="left_on"))

    def current(self) -> MembershipQuerySet:
        return self.filter(left_on__isnull=True)

    def in_subtree(self, unit: OrgUnit) -> MembershipQuerySet:
        return self.filter(subtree_filter("org_unit__path", unit.path))

    def in_subtree_as_of(self, unit: OrgUnit, on: dt.date) -> MembershipQuerySet:
        """Memberships active on `on` in the units that then stood under `unit`.

        With today's tree a moved district would count where it is now; this asks
        the placement history instead, so a past year's figures stay as they were.
        """
        return self.active_on(on).filter(org_unit_id__in=subtree_as_of(unit, on))


class PersonQuerySet(models.QuerySet["Person"]):
    def in_subtree(self, unit: OrgUnit) -> PersonQuerySet:
        return self.filter(
            subtree_filter("current_membership__org_unit__path", unit.path)
        )

    def with_membership(self) -> PersonQuerySet:
        return self.select_related("current_membership__org_unit")
