"""Who receives which share of a payment: the regulation in force, and the units.

A `Plan` is worked out once per primary organization and date (two queries), then
applied to any number of payments collected there, in Python: a payroll list of
100,000 lines needs a plan per organization, not per line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kasipodaq.orgtree.models import Level, OrgUnit
from kasipodaq.orgtree.paths import ancestor_ids

from .models import DistributionRule
from .money import split

LEVELS: tuple[str, ...] = (
    Level.PRIMARY.value,
    Level.DISTRICT.value,
    Level.REGION.value,
    Level.CENTRAL.value,
)
# Nearest the root first: a level missing in a chain gives its share upwards.
_HEIGHT = {level: i for i, level in enumerate(reversed(LEVELS))}


@dataclass(frozen=True)
class Plan:
    """The receiving units of a primary organization's payments, with their level
    and weight (hundredths of a percent)."""

    shares: tuple[tuple[int, str, int], ...]

    def apply(self, amount_tiyn: int) -> list[tuple[int, str, int]]:
        """(unit id, level, tiyn) of each share of a payment; they add up to it."""
        parts = split(amount_tiyn, [weight for _u, _l, weight in self.shares])
        return [
            (unit_id, level, part)
            for (unit_id, level, _w), part in zip(self.shares, parts, strict=True)
            if part
        ]


def shares_for(unit: OrgUnit, on: dt.date) -> dict[str, int]:
    """The shares (hundredths of a percent) by level for members of `unit` on `on`:
    the regulation of the nearest unit above it that has one in force."""
    chain = ancestor_ids(unit.path)
    rules = {
        rule.unit_id: rule
        for rule in DistributionRule.objects.filter(
            unit_id__in=chain, valid_from__lte=on
        ).order_by("valid_from")
    }
    rule = next((rules[a] for a in reversed(chain) if a in rules), None)
    if rule is None:  # until a regulation is set, all stays with the primary
        return {Level.PRIMARY.value: 10000}
    return {level: bp for level, bp in rule.shares.items() if bp}


def plan_for(primary: OrgUnit, on: dt.date) -> Plan:
    """The plan of payments collected at `primary` on `on`. A level missing above
    it (no district, say) passes its share to the nearest unit above."""
    shares = shares_for(primary, on)
    ancestors = {
        u.pk: u
        for u in OrgUnit.objects.filter(pk__in=ancestor_ids(primary.path)).only(
            "pk", "level"
        )
    }
    chain = [ancestors[pk] for pk in ancestor_ids(primary.path)]  # root first
    merged: dict[int, tuple[str, int]] = {}
    for level in LEVELS:
        if level not in shares:
            continue
        unit = _receiver(chain, level)
        first_level, weight = merged.get(unit.pk, (level, 0))
        merged[unit.pk] = (first_level, weight + shares[level])
    return Plan(tuple((unit_id, lv, w) for unit_id, (lv, w) in merged.items()))


def _receiver(chain: list[OrgUnit], level: str) -> OrgUnit:
    """The unit of `level` in the chain, or the nearest one above where it would be."""
    found = chain[0]
    for unit in chain:
        if unit.level == level:
            return unit
        if _HEIGHT.get(unit.level, len(LEVELS)) < _HEIGHT[level]:
            found = unit
    return found
