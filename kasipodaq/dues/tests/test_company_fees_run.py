"""Schedules, declarations and the fee run of an employer association's companies
(`services/company_fees.py`)."""

from __future__ import annotations

import datetime as dt

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.dues.company_fees import Terms, Tier, fee_for, parse_tiers
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import (
    CompanyCharge,
    CompanyDeclaration,
    CompanyFeeSchedule,
    CompanyFeeTier,
    FeeBasis,
    FeePeriod,
    FigureSource,
)
from kasipodaq.dues.services.company_fees import (
    charge_company_fees,
    declare_company_figures,
    set_fee_schedule,
)
from kasipodaq.orgtree.models import OrgUnit, UnitStatus
from kasipodaq.registry.tests.factories import Tree, grant

JAN = dt.date(2026, 1, 1)
TIERS = "0-49: 100000\n50-249: 300000\n250+: 600000"


def _schedule(
    unit: OrgUnit,
    *,
    basis: str = FeeBasis.EMPLOYEES,
    period: str = FeePeriod.YEAR,
    tiers: str = TIERS,
    valid_from: dt.date = JAN,
    **extra: int,
) -> CompanyFeeSchedule:
    return set_fee_schedule(
        actor=None,
        unit=unit,
        valid_from=valid_from,
        basis=basis,
        period=period,
        tiers=parse_tiers(tiers),
        **extra,
    )


def _declare(
    tree: Tree,
    index: int,
    year: int,
    *,
    employees: int | None = None,
    turnover: int | None = None,
) -> CompanyDeclaration:
    unit = tree.primaries[index]
    assert unit.employer is not None
    return declare_company_figures(
        actor=None,
        unit=tree.central,
        bin_=unit.employer.bin,
        year=year,
        employees=employees,
        turnover_tenge=turnover,
        declared_on=dt.date(2026, 2, 1),
    )


def _fees(tree: Tree) -> list[tuple[int, int, str]]:
    """(company's primary organization's index, tenge, source), by index."""
    index = {unit.pk: i for i, unit in enumerate(tree.primaries)}
    return sorted(
        (index[c.org_unit_id], c.amount_tiyn // 100, c.source)
        for c in CompanyCharge.objects.all()
    )


def test_each_company_pays_the_tier_of_its_figures(tree: Tree) -> None:
    """Declared for the year, else declared earlier, else the registry's count."""
    _schedule(tree.central)
    _declare(tree, 0, 2026, employees=10)
    _declare(tree, 1, 2025, employees=300)
    _declare(tree, 2, 2026, employees=250)  # the bound is in the higher tier
    _declare(tree, 3, 2026, employees=49)
    run = charge_company_fees(actor=None, unit=tree.central, year=2026)
    assert (run.charges, run.created, run.undeclared) == (8, 8, 0)
    fees = _fees(tree)
    assert fees[:4] == [
        (0, 100_000, FigureSource.DECLARED),
        (1, 600_000, FigureSource.EARLIER),
        (2, 600_000, FigureSource.DECLARED),
        (3, 100_000, FigureSource.DECLARED),
    ]
    # The registry counts 50 employees at each of the others.
    assert fees[4:] == [(i, 300_000, FigureSource.REGISTRY) for i in range(4, 8)]
    assert run.total_tiyn == sum(tenge for _i, tenge, _s in fees) * 100
    charge = CompanyCharge.objects.get(org_unit=tree.primaries[2])
    assert (
        charge.figure,
        charge.tier_from,
        charge.period_start,
        charge.period_end,
    ) == (
        250,
        250,
        JAN,
        dt.date(2027, 1, 1),
    )


def test_running_again_changes_nothing_and_a_correction_adjusts(tree: Tree) -> None:
    _schedule(tree.central)
    charge_company_fees(actor=None, unit=tree.central, year=2026)
    again = charge_company_fees(actor=None, unit=tree.central, year=2026)
    assert (again.charges, again.created, again.updated, again.removed) == (8, 0, 0, 0)
    _declare(tree, 5, 2026, employees=3)
    OrgUnit.objects.filter(pk=tree.primaries[7].pk).update(
        status=UnitStatus.LEFT, closed_on=dt.date(2025, 12, 31)
    )
    corrected = charge_company_fees(actor=None, unit=tree.central, year=2026)
    assert (corrected.created, corrected.updated, corrected.removed) == (0, 1, 1)
    assert corrected.charges == CompanyCharge.objects.count() == 7
    assert CompanyCharge.objects.get(org_unit=tree.primaries[5]).amount_tiyn == (
        100_000_00
    )


def test_a_company_that_never_declared_pays_the_top_tier(tree: Tree) -> None:
    _schedule(
        tree.central, basis=FeeBasis.TURNOVER, tiers="0-999999: 50000\n1000000+: 250000"
    )
    _declare(tree, 0, 2026, turnover=999_999)
    _declare(tree, 1, 2026, turnover=1_000_000)
    _declare(tree, 2, 2026, employees=10)  # no turnover declared
    run = charge_company_fees(actor=None, unit=tree.regions[0], year=2026)
    assert run.charges == 4
    assert run.undeclared == 2
    assert _fees(tree) == [
        (0, 50_000, FigureSource.DECLARED),
        (1, 250_000, FigureSource.DECLARED),
        (2, 250_000, FigureSource.NONE),
        (3, 250_000, FigureSource.NONE),
    ]


def test_a_percent_of_the_turnover_between_minimum_and_maximum(tree: Tree) -> None:
    _schedule(
        tree.central,
        basis=FeeBasis.TURNOVER_PERCENT,
        tiers="",
        percent_bp=50,
        minimum_tiyn=100_000_00,
        maximum_tiyn=1_000_000_00,
    )
    _declare(tree, 0, 2026, turnover=1_000)  # 5 tenge: the minimum
    _declare(tree, 1, 2026, turnover=100_000_001)  # 500,000.005: rounds up
    _declare(tree, 2, 2026, turnover=10**12)  # the maximum
    charge_company_fees(actor=None, unit=tree.districts[0], year=2026)
    charge_company_fees(actor=None, unit=tree.districts[1], year=2026)
    amounts = {c.org_unit_id: c.amount_tiyn for c in CompanyCharge.objects.all()}
    assert [amounts[tree.primaries[i].pk] for i in range(4)] == [
        100_000_00,
        500_000_01,
        1_000_000_00,
        1_000_000_00,  # not declared: the maximum
    ]


@pytest.mark.parametrize("employees", [0, 1, 49, 50, 51, 249, 250, 10**6])
def test_the_runs_sql_charges_what_the_arithmetic_says(
    tree: Tree, employees: int
) -> None:
    _schedule(tree.central)
    _declare(tree, 0, 2026, employees=employees)
    charge_company_fees(actor=None, unit=tree.primaries[0], year=2026)
    charge = CompanyCharge.objects.get()
    terms = Terms(
        FeeBasis.EMPLOYEES,
        (Tier(0, 100_000_00), Tier(50, 300_000_00), Tier(250, 600_000_00)),
    )
    assert (charge.tier_from, charge.amount_tiyn) == fee_for(terms, employees)


def test_a_subtree_follows_its_own_schedule_and_quarters(tree: Tree) -> None:
    """The nearest unit above with a schedule in force decides; a quarterly fee is
    charged for each quarter that begins in the run."""
    _schedule(tree.central)
    _schedule(
        tree.regions[1],
        basis=FeeBasis.FLAT,
        period=FeePeriod.QUARTER,
        tiers="0+: 25000",
    )
    run = charge_company_fees(actor=None, unit=tree.central, year=2026)
    assert run.charges == 4 + 4 * 4
    quarterly = CompanyCharge.objects.filter(period=FeePeriod.QUARTER)
    assert {c.amount_tiyn for c in quarterly} == {25_000_00}
    assert quarterly.filter(period_start=dt.date(2026, 4, 1)).count() == 4
    assert not CompanyCharge.objects.filter(
        period=FeePeriod.YEAR, org_unit__in=tree.primaries[4:]
    ).exists()
    # A second quarter's run: only the quarterly companies, nothing to change.
    q2 = charge_company_fees(actor=None, unit=tree.central, year=2026, quarter=2)
    assert (q2.charges, q2.created, q2.updated, q2.removed) == (4, 0, 0, 0)


def test_a_later_schedule_replaces_the_earlier_one(tree: Tree) -> None:
    _schedule(tree.central, valid_from=dt.date(2020, 1, 1))
    charge_company_fees(actor=None, unit=tree.central, year=2026)
    _schedule(tree.central, basis=FeeBasis.FLAT, tiers="0+: 1000")
    run = charge_company_fees(actor=None, unit=tree.central, year=2026)
    assert (run.updated, run.total_tiyn) == (8, 8 * 1000_00)
    # The same start again replaces the schedule's terms.
    _schedule(tree.central, basis=FeeBasis.FLAT, tiers="0+: 2000")
    assert CompanyFeeSchedule.objects.count() == 2
    assert CompanyFeeTier.objects.count() == 3 + 1


def test_no_schedule_no_charge(tree: Tree) -> None:
    run = charge_company_fees(actor=None, unit=tree.central, year=2026)
    assert run.charges == 0
    assert not CompanyCharge.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tiers": "0-50: 100\n50+: 200"}, "overlap"),
        ({"tiers": "5+: 100"}, "starts at 0"),
        ({"basis": FeeBasis.FLAT, "tiers": "0-9: 1\n10+: 2"}, "one tier"),
        ({"basis": "size"}, "Unknown basis"),
        ({"period": "month"}, "a year or a quarter"),
        ({"percent_bp": 50}, "go with a percent"),
        (
            {"basis": FeeBasis.TURNOVER_PERCENT, "percent_bp": 50},
            "has no tiers",
        ),
        (
            {
                "basis": FeeBasis.TURNOVER_PERCENT,
                "tiers": "",
                "percent_bp": 0,
                "minimum_tiyn": 0,
                "maximum_tiyn": 1,
            },
            "more than 0",
        ),
        (
            {
                "basis": FeeBasis.TURNOVER_PERCENT,
                "tiers": "",
                "percent_bp": 50,
                "minimum_tiyn": -1,
                "maximum_tiyn": 1,
            },
            "minimum is 0 or more",
        ),
        (
            {
                "basis": FeeBasis.TURNOVER_PERCENT,
                "tiers": "",
                "percent_bp": 50,
                "minimum_tiyn": 10,
                "maximum_tiyn": 9,
            },
            "at least the minimum",
        ),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_is_kept(
    tree: Tree, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(DuesRefusal, match=message):
        _schedule(tree.central, **kwargs)  # type: ignore[arg-type]
    assert not CompanyFeeSchedule.objects.exists()
    assert not CompanyFeeTier.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"employees": -1}, "0 or more"),
        ({"turnover": -5}, "0 or more"),
        ({}, "or both"),
        ({"employees": 10, "year": 1900}, "from 1991"),
    ],
)
def test_a_bad_declaration_is_refused(
    tree: Tree, kwargs: dict[str, int], message: str
) -> None:
    year = kwargs.pop("year", 2026)
    with pytest.raises(DuesRefusal, match=message):
        _declare(tree, 0, year, **kwargs)
    assert not CompanyDeclaration.objects.exists()


def test_a_declaration_names_a_member_company_under_the_unit(tree: Tree) -> None:
    outside = tree.primaries[4].employer
    assert outside is not None
    for bin_ in ("000000000000", outside.bin):
        with pytest.raises(DuesRefusal, match="No member company") as refused:
            declare_company_figures(
                actor=None,
                unit=tree.regions[0],
                bin_=bin_,
                year=2026,
                employees=5,
                turnover_tenge=None,
                declared_on=dt.date(2026, 2, 1),
            )
        assert refused.value.field == "bin"
    assert not CompanyDeclaration.objects.exists()


def test_a_second_declaration_of_the_year_corrects_the_first(tree: Tree) -> None:
    _declare(tree, 0, 2026, employees=10)
    _declare(tree, 0, 2026, employees=12, turnover=5)
    declared = CompanyDeclaration.objects.get()
    assert (declared.employees, declared.turnover_tenge) == (12, 5)


def test_only_managers_of_the_unit_set_schedules_and_run(tree: Tree) -> None:
    other = grant(Role.ACCOUNTANT, tree.regions[1])
    with pytest.raises(PermissionRefused):
        set_fee_schedule(
            actor=other,
            unit=tree.regions[0],
            valid_from=JAN,
            basis=FeeBasis.FLAT,
            period=FeePeriod.YEAR,
            tiers=parse_tiers("0+: 1"),
        )
    with pytest.raises(PermissionRefused):
        charge_company_fees(actor=other, unit=tree.regions[0], year=2026)
    own = grant(Role.ACCOUNTANT, tree.regions[0])
    _schedule(tree.central)
    assert charge_company_fees(actor=own, unit=tree.regions[0], year=2026).charges == 4


def test_a_period_to_come_is_refused(tree: Tree) -> None:
    _schedule(tree.central)
    with pytest.raises(DomainError, match="not begun"):
        charge_company_fees(actor=None, unit=tree.central, year=2999)
    assert not CompanyCharge.objects.exists()
