"""Reading companies' fees: the schedule in force over a unit, and each member
company's figures, fee, paid and owed for a period — in a fixed number of
queries whatever the number of companies."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Subquery, Sum

from kasipodaq.orgtree.models import Employer, Level, OrgUnit, UnitStatus
from kasipodaq.orgtree.paths import ancestor_ids
from kasipodaq.orgtree.querysets import subtree_filter

from .company_fees import allocate
from .models import (
    CompanyCharge,
    CompanyDeclaration,
    CompanyFeeSchedule,
    CompanyPayment,
)

COMPANIES_SHOWN = 500


def schedule_in_force(unit: OrgUnit, on: dt.date) -> CompanyFeeSchedule | None:
    """The schedule the companies under `unit` follow on `on`: the latest started
    of the nearest unit above (or its own), with its tiers."""
    chain = ancestor_ids(unit.path)
    started = list(
        CompanyFeeSchedule.objects.filter(unit_id__in=chain, valid_from__lte=on)
        .select_related("unit")
        .prefetch_related("tiers")
        .order_by("valid_from")
    )
    nearest: dict[int, CompanyFeeSchedule] = {s.unit_id: s for s in started}
    return next((nearest[pk] for pk in reversed(chain) if pk in nearest), None)


@dataclass
class CompanyRow:
    """A member company's figures and money for a period."""

    employer: Employer
    unit: OrgUnit
    declaration: CompanyDeclaration | None = None
    charges: list[CompanyCharge] = field(default_factory=list)
    fee_tiyn: int = 0
    paid_tiyn: int = 0
    owed_tiyn: int = 0

    @property
    def charge(self) -> CompanyCharge | None:
        """The period's latest charge: its tier and source."""
        return self.charges[-1] if self.charges else None


def company_rows(
    unit: OrgUnit, start: dt.date, end: dt.date, *, limit: int = COMPANIES_SHOWN
) -> list[CompanyRow]:
    """The member companies under `unit` (by name, the first `limit`): each one's
    declaration for the year (or the latest earlier), its fees of the periods
    beginning in [start, end), what its payments settle of them (oldest charges
    first) and what it owes up to `end`."""
    first_open = (
        OrgUnit.objects.filter(
            employer=OuterRef("employer"),
            level=Level.PRIMARY,
            status=UnitStatus.ACTIVE,
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    homes = (
        OrgUnit.objects.filter(
            subtree_filter("path", unit.path),
            level=Level.PRIMARY,
            status=UnitStatus.ACTIVE,
            employer__isnull=False,
        )
        .annotate(first_open=Subquery(first_open))
        .filter(pk=F("first_open"))
        .select_related("employer")
        .order_by("employer__name_ru", "pk")[:limit]
    )
    rows = [
        CompanyRow(employer=home.employer, unit=home)
        for home in homes
        if home.employer is not None
    ]
    by_employer = {row.employer.pk: row for row in rows}
    ids = list(by_employer)
    for declaration in CompanyDeclaration.objects.filter(
        employer_id__in=ids, year__lte=start.year
    ).order_by("year"):
        by_employer[declaration.employer_id].declaration = declaration
    history: dict[int, list[CompanyCharge]] = defaultdict(list)
    for charge in CompanyCharge.objects.filter(
        employer_id__in=ids, period_start__lt=end
    ).order_by("period_start"):
        history[charge.employer_id].append(charge)
    paid = dict(
        CompanyPayment.objects.filter(employer_id__in=ids)
        .values("employer_id")
        .annotate(total=Sum("amount_tiyn"))
        .values_list("employer_id", "total")
    )
    for row in rows:
        charges = history[row.employer.pk]
        settled = allocate(
            [c.amount_tiyn for c in charges], paid.get(row.employer.pk, 0)
        )
        for charge, part in zip(charges, settled, strict=True):
            if charge.period_start >= start:
                row.charges.append(charge)
                row.fee_tiyn += charge.amount_tiyn
                row.paid_tiyn += part
        row.owed_tiyn = sum(c.amount_tiyn for c in charges) - sum(settled)
    return rows
