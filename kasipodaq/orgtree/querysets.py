"""Composable filters over the organization tree."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models

from kasipodaq.core.dates import active_on_q

from .paths import upper_bound

if TYPE_CHECKING:
    from .models import OrgPlacement, OrgUnit  # noqa: F401 (quoted in base classes)


def subtree_filter(field: str, path: str) -> models.Q:
    """Rows whose `field` (a path) lies in the subtree rooted at `path`."""
    return models.Q(**{f"{field}__gte": path, f"{field}__lt": upper_bound(path)})


class OrgUnitQuerySet(models.QuerySet["OrgUnit"]):
    def union_root(self) -> OrgUnit | None:
        """The top of the tree: the central committee (the oldest, should there be
        more than one parentless unit)."""
        return self.filter(parent__isnull=True).order_by("pk").first()

    def in_subtree(self, unit: OrgUnit) -> OrgUnitQuerySet:
        """The unit and every unit below it in today's tree."""
        return self.filter(subtree_filter("path", unit.path))

    def below(self, unit: OrgUnit) -> OrgUnitQuerySet:
        return self.in_subtree(unit).exclude(pk=unit.pk)

    def active(self) -> OrgUnitQuerySet:
        return self.filter(status="active")

    def open_on(self, on: dt.date) -> OrgUnitQuerySet:
        return self.filter(active_on_q(on, start="opened_on", end="closed_on"))

    def primary(self) -> OrgUnitQuerySet:
        return self.filter(level="primary")

    def search(self, text: str) -> OrgUnitQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            models.Q(code__iexact=text)
            | models.Q(name_ru__icontains=text)
            | models.Q(name_kk__icontains=text)
            | models.Q(employer__bin=text)
        )


class PlacementQuerySet(models.QuerySet["OrgPlacement"]):
    def valid_on(self, on: dt.date) -> PlacementQuerySet:
        return self.filter(active_on_q(on, start="valid_from", end="valid_to"))
