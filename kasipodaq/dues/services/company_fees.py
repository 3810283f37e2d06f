"""Companies' fees in an employer association: schedules, declarations, the fee
run, and payments by bank transfer.

The member companies under a unit are the employers of its primary
organizations. A company's primary organization is its first (lowest id) open
one: charges and payments sit there, and the split between the levels starts
there.

Which figure a company's fee follows, for the fee of year Y:

1. what it declared for Y;
2. else its last known figures: what it declared for the latest earlier year;
3. else, for employees only, the registry's latest count of its workplace;
4. else nothing: it pays the top tier (a percent schedule: its maximum).

An association sends a late declarer the top tier's invoice and corrects it once
the figures come in: running the fee run again after a declaration adjusts the
charge and never duplicates it.

The fee run, for a year or a quarter under a unit, charges every period of each
company's schedule that begins within it (a yearly fee on 1 January, quarterly
ones on the first day of each quarter), set-based as the monthly accrual
(`services/accrual.py`): the schedule of each primary organization in Python over
the units into a temporary table, then every company's figures, tier and fee in
SQL, then `company_fees` brought in line (changed rows updated, new inserted,
those of companies no longer charged removed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record
from kasipodaq.orgtree.models import Employer, Level, OrgUnit, UnitStatus
from kasipodaq.orgtree.paths import ancestor_ids, upper_bound
from kasipodaq.registry.imports.staging import Column, StagingTable

from ..company_fees import (
    LARGEST_FEE_TIYN,
    LARGEST_FIGURE,
    Tier,
    TierLine,
    check_tiers,
    period_end,
    period_starts,
    span,
)
from ..distribution import plan_for
from ..errors import DuesRefusal
from ..models import (
    CompanyDeclaration,
    CompanyFeeSchedule,
    CompanyFeeTier,
    CompanyPayment,
    FeeBasis,
    FeePeriod,
    FigureSource,
    LedgerEntry,
)
from ..money import to_tenge

FIRST_YEAR = 1991


# ---------------------------------------------------------------------- schedules


@transaction.atomic
def set_fee_schedule(
    *,
    actor: Any,
    unit: OrgUnit,
    valid_from: dt.date,
    basis: str,
    period: str,
    tiers: Sequence[TierLine] = (),
    percent_bp: int | None = None,
    minimum_tiyn: int | None = None,
    maximum_tiyn: int | None = None,
) -> CompanyFeeSchedule:
    """Set how the companies under `unit` pay from `valid_from`; a schedule of the
    same unit and start is replaced (the next fee run corrects the charges)."""
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    if basis not in FeeBasis.values:
        raise DuesRefusal(_("Unknown basis of the fee."), field="basis")
    if period not in FeePeriod.values:
        raise DuesRefusal(_("A fee is paid for a year or a quarter."), field="period")
    checked: tuple[Tier, ...] = ()
    if basis == FeeBasis.TURNOVER_PERCENT:
        _check_percent(tiers, percent_bp, minimum_tiyn, maximum_tiyn)
    else:
        if (
            percent_bp is not None
            or minimum_tiyn is not None
            or maximum_tiyn is not None
        ):
            raise DuesRefusal(
                _(
                    "A percent, a minimum and a maximum go with a percent of the "
                    "turnover."
                )
            )
        checked = check_tiers(tiers)
        if basis == FeeBasis.FLAT and len(checked) != 1:
            raise DuesRefusal(
                _("The same fee for all has one tier, from 0."), field="tiers"
            )
    schedule, _created = CompanyFeeSchedule.objects.update_or_create(
        unit=unit,
        valid_from=valid_from,
        defaults={
            "basis": basis,
            "period": period,
            "percent_bp": percent_bp,
            "minimum_tiyn": minimum_tiyn,
            "maximum_tiyn": maximum_tiyn,
            "created_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    CompanyFeeTier.objects.filter(schedule=schedule).delete()
    CompanyFeeTier.objects.bulk_create(
        CompanyFeeTier(schedule=schedule, lower_bound=t.lower, fee_tiyn=t.fee_tiyn)
        for t in checked
    )
    return schedule


def _check_percent(
    tiers: Sequence[TierLine],
    percent_bp: int | None,
    minimum_tiyn: int | None,
    maximum_tiyn: int | None,
) -> None:
    if tiers:
        raise DuesRefusal(
            _("A percent of the turnover has no tiers, only a minimum and a maximum."),
            field="tiers",
        )
    if percent_bp is None or not 0 < percent_bp <= 10000:
        raise DuesRefusal(
            _("The percent is more than 0 and at most 100."), field="percent"
        )
    if minimum_tiyn is None or minimum_tiyn < 0:
        raise DuesRefusal(
            _("The minimum is 0 or more: even a small company pays it."),
            field="minimum",
        )
    if maximum_tiyn is None or maximum_tiyn < minimum_tiyn:
        raise DuesRefusal(
            _("The maximum is at least the minimum: the undeclared pay it."),
            field="maximum",
        )
    if maximum_tiyn > LARGEST_FEE_TIYN:
        raise DuesRefusal(_("A bound or a fee is too large."), field="maximum")


# -------------------------------------------------------------------- companies


def member_company(unit: OrgUnit, bin_: str) -> tuple[Employer, OrgUnit]:
    """The member company with this BIN under `unit`, and its primary organization;
    refused when it is no member company there."""
    home = (
        OrgUnit.objects.filter(
            level=Level.PRIMARY, status=UnitStatus.ACTIVE, employer__bin=bin_.strip()
        )
        .select_related("employer")
        .order_by("pk")
        .first()
    )
    if home is None or home.employer is None or not home.path.startswith(unit.path):
        raise DuesRefusal(
            _("No member company here has the BIN «%(bin)s».") % {"bin": bin_},
            field="bin",
        )
    return home.employer, home


@transaction.atomic
def declare_company_figures(
    *,
    actor: Any,
    unit: OrgUnit,
    bin_: str,
    year: int,
    employees: int | None,
    turnover_tenge: int | None,
    declared_on: dt.date,
) -> CompanyDeclaration:
    """Record what a member company declared for its fee of `year`; a second
    declaration of the same year corrects the first."""
    employer, home = member_company(unit, bin_)
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=home)
    today = timezone.localdate()
    if not FIRST_YEAR <= year <= today.year + 1:
        raise DuesRefusal(
            _("A declaration is for a year from %(first)s to next year.")
            % {"first": FIRST_YEAR},
            field="year",
        )
    if employees is None and turnover_tenge is None:
        raise DuesRefusal(
            _("Declare the number of employees, the turnover, or both."),
            field="employees",
        )
    for field, value in (("employees", employees), ("turnover", turnover_tenge)):
        if value is not None and not 0 <= value <= LARGEST_FIGURE:
            raise DuesRefusal(
                _("Figures are 0 or more, and not absurdly large."), field=field
            )
    if declared_on > today:
        raise DuesRefusal(
            _("A declaration cannot be dated in the future."), field="declared_on"
        )
    declaration, _created = CompanyDeclaration.objects.update_or_create(
        employer=employer,
        year=year,
        defaults={
            "employees": employees,
            "turnover_tenge": turnover_tenge,
            "declared_on": declared_on,
            "recorded_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    return declaration


# ---------------------------------------------------------------------- the run

TERMS = StagingTable(
    "company_fee_terms",
    [
        Column("unit_id", "bigint NOT NULL"),
        Column("period_start", "date NOT NULL"),
        Column("period_end", "date NOT NULL"),
        Column("period", "varchar(8) NOT NULL"),
        Column("fee_year", "integer NOT NULL"),
        Column("schedule_id", "bigint NOT NULL"),
        Column("basis", "varchar(16) NOT NULL"),
        Column("percent_bp", "bigint NULL"),
        Column("minimum", "bigint NULL"),
        Column("maximum", "bigint NULL"),
    ],
)

RUN = StagingTable(
    "company_fee_run",
    [
        Column("employer_id", "bigint NOT NULL"),
        Column("period_start", "date NOT NULL"),
        Column("period_end", "date NOT NULL"),
        Column("period", "varchar(8) NOT NULL"),
        Column("unit_id", "bigint NOT NULL"),
        Column("schedule_id", "bigint NOT NULL"),
        Column("basis", "varchar(16) NOT NULL"),
        Column("percent_bp", "bigint NULL"),
        Column("minimum", "bigint NULL"),
        Column("maximum", "bigint NULL"),
        Column("fee_year", "integer NOT NULL"),
        Column("employees", "bigint NULL"),
        Column("employees_year", "integer NULL"),
        Column("turnover", "bigint NULL"),
        Column("turnover_year", "integer NULL"),
        Column("registry", "bigint NULL"),
        Column("charge_id", "bigint NULL"),
        Column("figure", "bigint NULL"),
        Column("source", "varchar(8) NOT NULL"),
        Column("tier_from", "bigint NULL"),
        Column("amount", "bigint NOT NULL"),
        Column("PRIMARY KEY", "(employer_id, period_start)"),
    ],
)

_LATEST_DECLARED = """(SELECT d.{column} FROM dues_companydeclaration d
    WHERE d.employer_id = h.employer_id AND d.year <= t.fee_year
        AND d.{figure} IS NOT NULL
    ORDER BY d.year DESC LIMIT 1)"""

# Every member company whose first primary organization open over the run lies
# under the run's unit, for each period of its schedule beginning in the run,
# with its figures and the charge it already has, if any.
CHARGEABLE_SQL = f"""
SELECT h.employer_id, t.period_start, t.period_end, t.period, h.unit_id,
    t.schedule_id, t.basis, t.percent_bp, t.minimum, t.maximum, t.fee_year,
    {_LATEST_DECLARED.format(column="employees", figure="employees")},
    {_LATEST_DECLARED.format(column="year", figure="employees")},
    {_LATEST_DECLARED.format(column="turnover_tenge", figure="turnover_tenge")},
    {_LATEST_DECLARED.format(column="year", figure="turnover_tenge")},
    (SELECT e.employees FROM orgtree_employeecount e
     WHERE e.unit_id = h.unit_id AND e.counted_on < t.period_end
     ORDER BY e.counted_on DESC LIMIT 1),
    c.id, NULL, '', NULL, 0
FROM (
    SELECT u.employer_id, MIN(u.id) AS unit_id
    FROM orgtree_orgunit u
    WHERE u.level = '{Level.PRIMARY.value}' AND u.employer_id IS NOT NULL
        AND u.opened_on < %(end)s
        AND (u.closed_on IS NULL OR u.closed_on > %(start)s)
    GROUP BY u.employer_id
) h
JOIN company_fee_terms t ON t.unit_id = h.unit_id
JOIN orgtree_orgunit home ON home.id = h.unit_id
LEFT JOIN company_fees c
    ON c.employer_id = h.employer_id AND c.period_start = t.period_start
WHERE home.opened_on < t.period_end
    AND (home.closed_on IS NULL OR home.closed_on > t.period_start)
"""  # noqa: S608 (our own constants)

FIGURE_SQL = f"""
UPDATE company_fee_run SET
    figure = CASE basis
        WHEN '{FeeBasis.FLAT.value}' THEN NULL
        WHEN '{FeeBasis.EMPLOYEES.value}' THEN COALESCE(employees, registry)
        ELSE turnover END,
    source = CASE
        WHEN basis = '{FeeBasis.FLAT.value}' THEN ''
        WHEN basis = '{FeeBasis.EMPLOYEES.value}' THEN CASE
            WHEN employees_year = fee_year THEN '{FigureSource.DECLARED.value}'
            WHEN employees IS NOT NULL THEN '{FigureSource.EARLIER.value}'
            WHEN registry IS NOT NULL THEN '{FigureSource.REGISTRY.value}'
            ELSE '{FigureSource.NONE.value}' END
        WHEN turnover_year = fee_year THEN '{FigureSource.DECLARED.value}'
        WHEN turnover IS NOT NULL THEN '{FigureSource.EARLIER.value}'
        ELSE '{FigureSource.NONE.value}' END
"""  # noqa: S608

# The tier: the highest lower bound at or below the figure; unknown, the top one.
TIER_SQL = f"""
UPDATE company_fee_run SET tier_from = (
    SELECT MAX(t.lower_bound) FROM dues_companyfeetier t
    WHERE t.schedule_id = company_fee_run.schedule_id
        AND (company_fee_run.figure IS NULL
            OR t.lower_bound <= company_fee_run.figure)
)
WHERE basis <> '{FeeBasis.TURNOVER_PERCENT.value}'
"""  # noqa: S608

# Whole tiyn, as `company_fees.percent_fee` and `tier_for`.
AMOUNT_SQL = f"""
UPDATE company_fee_run SET amount = CASE
    WHEN basis <> '{FeeBasis.TURNOVER_PERCENT.value}' THEN COALESCE((
        SELECT t.fee_tiyn FROM dues_companyfeetier t
        WHERE t.schedule_id = company_fee_run.schedule_id
            AND t.lower_bound = company_fee_run.tier_from), 0)
    WHEN figure IS NULL THEN maximum
    WHEN (figure * percent_bp + 50) / 100 < minimum THEN minimum
    WHEN (figure * percent_bp + 50) / 100 > maximum THEN maximum
    ELSE (figure * percent_bp + 50) / 100
END
"""  # noqa: S608

UPDATE_SQL = """
UPDATE company_fees SET period_end = r.period_end, period = r.period,
    org_unit_id = r.unit_id, schedule_id = r.schedule_id, basis = r.basis,
    figure = r.figure, source = r.source, tier_from = r.tier_from,
    amount_tiyn = r.amount, updated_at = %(now)s
FROM company_fee_run r
WHERE company_fees.id = r.charge_id
    AND (company_fees.period_end <> r.period_end
        OR company_fees.period <> r.period
        OR company_fees.org_unit_id <> r.unit_id
        OR company_fees.schedule_id <> r.schedule_id
        OR company_fees.basis <> r.basis
        OR company_fees.figure IS DISTINCT FROM r.figure
        OR company_fees.source <> r.source
        OR company_fees.tier_from IS DISTINCT FROM r.tier_from
        OR company_fees.amount_tiyn <> r.amount)
"""

INSERT_SQL = """
INSERT INTO company_fees (employer_id, period_start, period_end, period,
    org_unit_id, schedule_id, basis, figure, source, tier_from, amount_tiyn,
    updated_at)
SELECT r.employer_id, r.period_start, r.period_end, r.period, r.unit_id,
    r.schedule_id, r.basis, r.figure, r.source, r.tier_from, r.amount, %(now)s
FROM company_fee_run r
WHERE r.charge_id IS NULL
"""

REMOVE_SQL = """
DELETE FROM company_fees
WHERE period_start >= %(start)s AND period_start < %(end)s
    AND org_unit_id IN (
        SELECT id FROM orgtree_orgunit WHERE path >= %(low)s AND path < %(high)s
    )
    AND NOT EXISTS (
        SELECT 1 FROM company_fee_run r
        WHERE r.employer_id = company_fees.employer_id
            AND r.period_start = company_fees.period_start
    )
"""

SUMMARY_SQL = f"""
SELECT COUNT(*), COALESCE(SUM(amount), 0),
    COALESCE(SUM(CASE WHEN source = '{FigureSource.NONE.value}'
        THEN 1 ELSE 0 END), 0)
FROM company_fee_run
"""  # noqa: S608


@dataclass(frozen=True)
class FeeRun:
    """What a run left for its periods under its unit, and what it changed."""

    charges: int
    total_tiyn: int
    created: int
    updated: int
    removed: int
    # Companies without any figure for a tiered or percent fee: the top tier.
    undeclared: int


@transaction.atomic
def charge_company_fees(
    *, actor: Any, unit: OrgUnit, year: int, quarter: int | None = None
) -> FeeRun:
    """Charge (or correct) the fee of every member company under `unit` for each
    period of its schedule beginning in `year` (or in its `quarter`).

    ``actor`` None is the command line, which may charge anywhere.
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    if not FIRST_YEAR <= year <= 9998:
        raise DuesRefusal(_("No such year."), field="year")
    start, end = span(year, quarter)
    if start > timezone.localdate():
        raise DuesRefusal(
            _("Fees cannot be charged for a period that has not begun."), field="year"
        )
    params: dict[str, Any] = {
        "start": start,
        "end": end,
        "now": timezone.now(),
        "low": unit.path,
        "high": upper_bound(unit.path),
    }
    TERMS.create()
    RUN.create()
    TERMS.write(_unit_terms(unit, start, end))
    with connection.cursor() as cursor:
        names = ", ".join(c.name for c in RUN.columns if c.name != "PRIMARY KEY")
        cursor.execute(
            f"INSERT INTO company_fee_run ({names}) {CHARGEABLE_SQL}", params
        )
        cursor.execute(FIGURE_SQL)
        cursor.execute(TIER_SQL)
        cursor.execute(AMOUNT_SQL)
        cursor.execute(UPDATE_SQL, params)
        updated = cursor.rowcount
        cursor.execute(INSERT_SQL, params)
        created = cursor.rowcount
        cursor.execute(REMOVE_SQL, params)
        removed = cursor.rowcount
        cursor.execute(SUMMARY_SQL)
        charges, total, undeclared = cursor.fetchone()
    TERMS.drop()
    RUN.drop()
    run = FeeRun(
        charges=int(charges),
        total_tiyn=int(total),
        created=created,
        updated=updated,
        removed=removed,
        undeclared=int(undeclared),
    )
    record(
        actor=actor,
        action=AuditAction.DUES_ACCRUED,
        target=unit,
        after={
            "company_fees": f"{year}" if quarter is None else f"{year}-Q{quarter}",
            **asdict(run),
        },
    )
    return run


def _unit_terms(unit: OrgUnit, start: dt.date, end: dt.date) -> list[tuple[Any, ...]]:
    """Each primary organization under `unit` with a company, for each period
    start of the run, with the schedule in force for it on that day."""
    schedules = list(
        CompanyFeeSchedule.objects.filter(valid_from__lt=end).order_by("valid_from")
    )
    days = period_starts(start, end, FeePeriod.QUARTER)
    in_force: dict[dt.date, dict[int, CompanyFeeSchedule]] = {}
    for day in days:
        in_force[day] = {}
        for schedule in schedules:
            if schedule.valid_from <= day:
                in_force[day][schedule.unit_id] = schedule  # the latest start wins
    primaries = (
        OrgUnit.objects.in_subtree(unit)
        .filter(level=Level.PRIMARY, employer__isnull=False)
        .values_list("pk", "path")
    )
    rows: list[tuple[Any, ...]] = []
    for unit_id, path in primaries:
        chain = list(reversed(ancestor_ids(path)))
        for day in days:
            found = next((in_force[day][a] for a in chain if a in in_force[day]), None)
            if found is None or (found.period == FeePeriod.YEAR and day.month != 1):
                continue  # no schedule, or a yearly fee that begins in January
            rows.append(
                (
                    unit_id,
                    day,
                    period_end(day, found.period),
                    found.period,
                    day.year,
                    found.pk,
                    found.basis,
                    found.percent_bp,
                    found.minimum_tiyn,
                    found.maximum_tiyn,
                )
            )
    return rows


# --------------------------------------------------------------------- payments


@transaction.atomic
def record_company_payment(
    *,
    actor: Any,
    unit: OrgUnit,
    bin_: str,
    amount_tiyn: int,
    order_number: str,
    paid_on: dt.date,
) -> CompanyPayment:
    """Record a member company's bank transfer and credit each level its share.

    It settles the company's charges oldest first (`company_fees.allocate`); the
    same payment order of the same company is refused, so no money counts twice.
    """
    employer, home = member_company(unit, bin_)
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=home)
    if not 0 < amount_tiyn <= LARGEST_FEE_TIYN:
        raise DuesRefusal(
            _("A payment is more than 0 and at most %(largest)s tenge.")
            % {"largest": to_tenge(LARGEST_FEE_TIYN)},
            field="amount",
        )
    if paid_on > timezone.localdate():
        raise DuesRefusal(
            _("A payment cannot be dated in the future."), field="paid_on"
        )
    order_number = order_number.strip()
    if not order_number or len(order_number) > 32:
        raise DuesRefusal(
            _("A transfer needs its payment order number (up to 32 characters)."),
            field="order_number",
        )
    try:
        with transaction.atomic():
            payment = CompanyPayment.objects.create(
                employer=employer,
                order_number=order_number,
                amount_tiyn=amount_tiyn,
                paid_on=paid_on,
                org_unit=home,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise DuesRefusal(
            _("Payment order №%(number)s of this company is already recorded.")
            % {"number": order_number},
            field="order_number",
        ) from None
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            collected_by=home,
            company_payment=payment,
            unit_id=receiver,
            level=level,
            amount_tiyn=part,
            booked_on=paid_on,
        )
        for receiver, level, part in plan_for(home, paid_on).apply(amount_tiyn)
    )
    record(
        actor=actor,
        action=AuditAction.DUES_PAID,
        target=payment,
        after={
            "employer": employer.bin,
            "amount": str(to_tenge(amount_tiyn)),
            "order_number": order_number,
            "paid_on": paid_on.isoformat(),
        },
    )
    return payment
