"""Who receives which share of a payment: the regulation in force, and the units.

A `Plan` is worked out per primary organization and date — for any number of them
from two queries — then applied to any number of payments collected there, in
Python: a payroll list of 100,000 lines needs no query per line or organization.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
# Above this many units in the chains, all the tree's units are read at once.
MANY_UNITS = 5000
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


def plan_for(primary: OrgUnit, on: dt.date) -> Plan:
    """The plan of payments collected at `primary` on `on`."""
    return plans_for({primary.pk: primary.path}, on)[primary.pk]


def plans_for(paths: Mapping[int, str], on: dt.date) -> dict[int, Plan]:
    """The plan on `on` of each of these primary organizations (id → path), from
    two queries whatever their number: the regulations in force and the units
    above them.

    A level missing above a primary organization (no district, say) passes its
    share to the nearest unit above.
    """
    chains = {pk: ancestor_ids(path) for pk, path in paths.items()}
    wanted = {pk for chain in chains.values() for pk in chain}
    units = OrgUnit.objects.only("pk", "level")
    if len(wanted) <= MANY_UNITS:
        units = units.filter(pk__in=wanted)
    levels = dict(units.values_list("pk", "level"))
    in_force: dict[int, dict[str, int]] = {}
    for rule in DistributionRule.objects.filter(valid_from__lte=on).order_by(
        "valid_from"
    ):
        in_force[rule.unit_id] = rule.shares  # the latest start wins
    return {
        pk: _plan([(a, levels[a]) for a in chain], in_force)
        for pk, chain in chains.items()
    }


def _plan(chain: list[tuple[int, str]], in_force: dict[int, dict[str, int]]) -> Plan:
    """The plan of the primary organization at the end of `chain` (root first)."""
    shares = next(
        (in_force[pk] for pk, _level in reversed(chain) if pk in in_force),
        {Level.PRIMARY.value: 10000},  # until a regulation is set, all stays below
    )
    merged: dict[int, tuple[str, int]] = {}
    for level in LEVELS:
        if not shares.get(level):
            continue
        unit = _receiver(chain, level)
        first_level, weight = merged.get(unit, (level, 0))
        merged[unit] = (first_level, weight + shares[level])
    return Plan(tuple((unit, lv, w) for unit, (lv, w) in merged.items()))


def _receiver(chain: list[tuple[int, str]], level: str) -> int:
    """The unit of `level` in the chain, or the nearest one above where it would be."""
    found = chain[0][0]
    for unit, unit_level in chain:
        if unit_level == level:
            return unit
        if _HEIGHT.get(unit_level, len(LEVELS)) < _HEIGHT[level]:
            found = unit
    return found
