"""What is in force for an organization or a member: reads for the staff pages.

The dues rule and the distribution regulation a unit follows (its own, one
inherited from a unit above, or the union's default), their history, the months
already accrued that a new rule or exemption changes, a member's exemptions and
the salaries on record under a unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from kasipodaq.access.perms import Perm
from kasipodaq.access.scoping import get_scoped
from kasipodaq.orgtree.models import Level, OrgUnit
from kasipodaq.orgtree.paths import ancestor_ids, upper_bound
from kasipodaq.orgtree.querysets import subtree_filter
from kasipodaq.registry.models import Person

from .models import (
    Charge,
    DistributionRule,
    DuesRule,
    Exemption,
    SalaryBase,
    SalaryList,
)
from .months import month_of, next_month
from .services.accrual import DEFAULT_PERCENT_BP

# The levels whose units set a distribution regulation: the union and its regions.
REGULATING_LEVELS = frozenset({Level.CENTRAL.value, Level.REGION.value})
# Until a regulation is set, everything collected stays at the primary organization.
DEFAULT_SHARES = {
    Level.PRIMARY.value: 10000,
    Level.DISTRICT.value: 0,
    Level.REGION.value: 0,
    Level.CENTRAL.value: 0,
}
SALARY_MONTHS_SHOWN = 6


@dataclass(frozen=True)
class RuleInForce:
    """The dues rule a unit follows: `rule` of `source`, or the union's default."""

    rule: DuesRule | None
    source: OrgUnit | None
    unit: OrgUnit

    @property
    def is_default(self) -> bool:
        return self.rule is None

    @property
    def is_own(self) -> bool:
        return self.source is not None and self.source.pk == self.unit.pk

    @property
    def percent_bp(self) -> int:
        return DEFAULT_PERCENT_BP if self.rule is None else self.rule.percent_bp


def dues_rule_in_force(unit: OrgUnit, on: dt.date) -> RuleInForce:
    """The rule members under `unit` pay by in the month of `on`, from one query:
    the nearest unit up the chain (itself first) with a rule started by then."""
    chain = ancestor_ids(unit.path)
    latest: dict[int, DuesRule] = {}
    for rule in (
        DuesRule.objects.filter(unit_id__in=chain, valid_from__lte=on)
        .select_related("unit")
        .order_by("valid_from")
    ):
        latest[rule.unit_id] = rule  # the latest start wins
    for unit_id in reversed(chain):
        if unit_id in latest:
            found = latest[unit_id]
            return RuleInForce(rule=found, source=found.unit, unit=unit)
    return RuleInForce(rule=None, source=None, unit=unit)


def dues_rule_history(unit: OrgUnit) -> list[DuesRule]:
    """The unit's own rules, the latest start first, each with `used` (whether a
    charge was accrued by it)."""
    return list(
        DuesRule.objects.filter(unit=unit)
        .annotate(used=_used_by_charges(unit))
        .select_related("created_by")
        .order_by("-valid_from")
    )


def rule_is_used(rule: DuesRule) -> bool:
    """Whether a charge was accrued by the rule: it can then only be superseded."""
    return bool(
        DuesRule.objects.filter(pk=rule.pk)
        .annotate(used=_used_by_charges(rule.unit))
        .values_list("used", flat=True)
        .first()
    )


def _used_by_charges(unit: OrgUnit) -> Exists:
    # Charges carry no index on their rule: the (org_unit, month) one finds them,
    # from the rule's start within the unit's subtree.
    return Exists(
        Charge.objects.filter(
            subtree_filter("org_unit__path", unit.path),
            rule_id=OuterRef("pk"),
            month__gte=OuterRef("valid_from"),
        )
    )


def months_to_reaccrue(unit: OrgUnit, start: dt.date) -> list[dt.date]:
    """The months from `start` already accrued under `unit` by its own rule, a
    rule from above or the default, until the unit's next rule: a rule set from
    `start` changes them once they are accrued again. Charges by the rule of a
    unit further down keep it and are left out.

    One probe per month up to this one: each stops at the first charge found,
    where a single scan would read every charge of the subtree since `start`.
    """
    later = (
        DuesRule.objects.filter(unit=unit, valid_from__gt=start)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    below = Q(rule__unit__path__gt=unit.path) & Q(
        rule__unit__path__lt=upper_bound(unit.path)
    )
    charges = Charge.objects.filter(
        subtree_filter("org_unit__path", unit.path)
    ).exclude(below)
    end = next_month(month_of(timezone.localdate()))
    if later is not None:
        end = min(end, later)
    found: list[dt.date] = []
    month = month_of(start)
    while month < end:
        if charges.filter(month=month).exists():
            found.append(month)
        month = next_month(month)
    return found


@dataclass(frozen=True)
class DistributionInForce:
    """The regulation of a unit: `rule` of `source`, or the default (None)."""

    rule: DistributionRule | None
    source: OrgUnit | None
    unit: OrgUnit

    @property
    def is_default(self) -> bool:
        return self.rule is None

    @property
    def is_own(self) -> bool:
        return self.source is not None and self.source.pk == self.unit.pk

    @property
    def shares(self) -> dict[str, int]:
        return DEFAULT_SHARES if self.rule is None else self.rule.shares


def distribution_in_force(unit: OrgUnit, on: dt.date) -> DistributionInForce:
    """The regulation that shares out what is collected under `unit` on `on`."""
    chain = ancestor_ids(unit.path)
    latest: dict[int, DistributionRule] = {}
    for rule in (
        DistributionRule.objects.filter(unit_id__in=chain, valid_from__lte=on)
        .select_related("unit")
        .order_by("valid_from")
    ):
        latest[rule.unit_id] = rule
    for unit_id in reversed(chain):
        if unit_id in latest:
            found = latest[unit_id]
            return DistributionInForce(rule=found, source=found.unit, unit=unit)
    return DistributionInForce(rule=None, source=None, unit=unit)


def distribution_history(unit: OrgUnit) -> list[DistributionRule]:
    return list(DistributionRule.objects.filter(unit=unit).order_by("-valid_from"))


def exemptions_of(person: Person) -> list[Exemption]:
    """A member's exemptions, the latest first."""
    return list(
        Exemption.objects.filter(person=person)
        .select_related("created_by")
        .order_by("-valid_from", "-pk")
    )


def access_exemption(user: Any, pk: Any, perm: Perm = Perm.DUES_MANAGE) -> Exemption:
    """An exemption of a member the user keeps with `perm`; else 404."""
    found: Exemption = get_scoped(
        Exemption.objects.select_related("person__current_membership__org_unit"),
        user,
        perm,
        pk,
    )
    return found


def months_charged(
    person: Person, start: dt.date, end: dt.date | None
) -> list[dt.date]:
    """The months of [start, end) already accrued for the member."""
    charges = Charge.objects.filter(person=person, month__gte=start)
    if end is not None:
        charges = charges.filter(month__lt=end)
    return list(charges.order_by("month").values_list("month", flat=True))


@dataclass(frozen=True)
class SalaryMonth:
    month: dt.date
    people: int
    total_tiyn: int


def salary_months(
    unit: OrgUnit, *, limit: int = SALARY_MONTHS_SHOWN
) -> list[SalaryMonth]:
    """The latest months with salaries on record for members under `unit`."""
    rows: QuerySet[Any] = (
        SalaryBase.objects.filter(
            subtree_filter("person__current_membership__org_unit__path", unit.path)
        )
        .values("valid_from")
        .annotate(people=Count("pk"), total=Sum("amount_tiyn"))
        .order_by("-valid_from")[:limit]
    )
    return [
        SalaryMonth(
            month=row["valid_from"], people=row["people"], total_tiyn=row["total"]
        )
        for row in rows
    ]


def latest_salary_lists(unit: OrgUnit, *, limit: int = 5) -> list[SalaryList]:
    """The salary lists last recorded for members under `unit`."""
    return list(
        SalaryList.objects.filter(subtree_filter("unit__path", unit.path))
        .select_related("unit", "uploaded_by")
        .order_by("-uploaded_at", "-pk")[:limit]
    )
