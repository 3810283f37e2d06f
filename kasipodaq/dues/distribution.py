"""Who receives which share of a payment: the regulation in force, and the units."""

from __future__ import annotations

import datetime as dt

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


def split_payment(
    amount_tiyn: int, primary: OrgUnit, on: dt.date
) -> list[tuple[OrgUnit, str, int]]:
    """(unit, level, tiyn) for each share of a payment collected at `primary`.

    A level missing above the primary organization (no district, say) passes its
    share up to the nearest unit above; the parts add up to the payment exactly.
    """
    shares = shares_for(primary, on)
    ancestors = {
        u.pk: u for u in OrgUnit.objects.filter(pk__in=ancestor_ids(primary.path))
    }
    chain = [ancestors[pk] for pk in ancestor_ids(primary.path)]  # root first
    levels = [level for level in LEVELS if level in shares]
    parts = split(amount_tiyn, [shares[level] for level in levels])
    credited: dict[int, tuple[OrgUnit, str, int]] = {}
    for level, part in zip(levels, parts, strict=True):
        unit = _receiver(chain, level)
        _unit, first_level, before = credited.get(unit.pk, (unit, level, 0))
        credited[unit.pk] = (unit, first_level, before + part)
    return [entry for entry in credited.values() if entry[2]]


def _receiver(chain: list[OrgUnit], level: str) -> OrgUnit:
    """The unit of `level` in the chain, or the nearest one above where it would be."""
    order = {lv: i for i, lv in enumerate(reversed(LEVELS))}  # central 0 … primary 3
    found = chain[0]
    for unit in chain:
        if unit.level == level:
            return unit
        if order.get(unit.level, len(LEVELS)) < order[level]:
            found = unit
    return found
