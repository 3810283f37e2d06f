"""The arithmetic of companies' fees: tiers, percents, periods, oldest first."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasipodaq.dues.company_fees import (
    Terms,
    Tier,
    TierLine,
    allocate,
    check_tiers,
    fee_for,
    parse_tiers,
    percent_fee,
    period_end,
    period_starts,
    span,
    tier_for,
)
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import FeeBasis, FeePeriod

# Rising lower bounds from 0, with their fees.
tier_lists = st.lists(
    st.integers(min_value=1, max_value=10**6), min_size=0, max_size=6, unique=True
).flatmap(
    lambda bounds: st.lists(
        st.integers(min_value=0, max_value=10**10),
        min_size=len(bounds) + 1,
        max_size=len(bounds) + 1,
    ).map(
        lambda fees: tuple(
            Tier(lower=lower, fee_tiyn=fee)
            for lower, fee in zip([0, *sorted(bounds)], fees, strict=True)
        )
    )
)


def test_tiers_are_typed_one_a_line() -> None:
    """«from-to: fee» and «from+: fee», in tenge with up to two decimals."""
    assert parse_tiers("0-49: 150000\n\n50 – 249 = 300000.50\n250+ 600000") == [
        TierLine(0, 49, 150_000_00),
        TierLine(50, 249, 300_000_50),
        TierLine(250, None, 600_000_00),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("from 0: 100", "Line 1"),
        ("0-9: 1.234", "two decimals"),
        ("0-9: 100\nten+: 200", "Line 2"),
    ],
)
def test_a_line_that_is_no_tier_is_refused(text: str, message: str) -> None:
    with pytest.raises(DuesRefusal, match=message) as refused:
        parse_tiers(text)
    assert refused.value.field == "tiers"


def test_tiers_in_any_order_come_out_rising() -> None:
    lines = parse_tiers("250+: 600000\n0-49: 150000\n50-249: 300000")
    assert [t.lower for t in check_tiers(lines)] == [0, 50, 250]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one tier"),
        ("10+: 100", "starts at 0"),
        ("0-50: 100\n50+: 200", "overlap"),
        ("0-50: 100\n40-60: 150\n61+: 200", "overlap"),
        ("0+: 100\n50+: 200", "overlap"),
        ("0-49: 100\n60+: 200", "Between 49 and 60"),
        ("0-49: -100\n50+: 200", "negative"),
        ("-5-49: 100\n50+: 200", "negative"),
        ("0-49: 100\n50-40: 200", "ends before"),
    ],
)
def test_bad_tiers_are_refused(text: str, message: str) -> None:
    """Overlapping, gapped, negative or not from 0: refused with the reason."""
    with pytest.raises(DuesRefusal, match=message):
        check_tiers(parse_tiers(text))


@given(tiers=tier_lists, figure=st.integers(min_value=0, max_value=10**7))
def test_every_figure_falls_in_exactly_one_tier(
    tiers: tuple[Tier, ...], figure: int
) -> None:
    """Bounds are inclusive below: a figure is in the tier whose range holds it."""
    tier = tier_for(tiers, figure)
    upper = [t.lower - 1 for t in tiers[1:]] + [None]
    holding = [
        t
        for t, top in zip(tiers, upper, strict=True)
        if t.lower <= figure and (top is None or figure <= top)
    ]
    assert holding == [tier]
    assert tier_for(tiers, tier.lower) == tier  # the lower bound is inside
    assert fee_for(Terms(FeeBasis.EMPLOYEES, tiers), figure) == (
        tier.lower,
        tier.fee_tiyn,
    )


@given(tiers=tier_lists)
def test_an_unknown_figure_pays_the_top_tier(tiers: tuple[Tier, ...]) -> None:
    assert tier_for(tiers, None) == tiers[-1]
    assert fee_for(Terms(FeeBasis.FLAT, tiers[:1]), 10**6) == (0, tiers[0].fee_tiyn)


@given(tiers=tier_lists)
def test_typed_tiers_that_meet_are_accepted_as_they_are(
    tiers: tuple[Tier, ...],
) -> None:
    upper = [t.lower - 1 for t in tiers[1:]] + [None]
    lines = [
        TierLine(t.lower, top, t.fee_tiyn) for t, top in zip(tiers, upper, strict=True)
    ]
    assert check_tiers(list(reversed(lines))) == tiers


@given(
    turnover=st.none() | st.integers(min_value=0, max_value=10**14),
    percent_bp=st.integers(min_value=1, max_value=10000),
    minimum=st.integers(min_value=0, max_value=10**9),
    extra=st.integers(min_value=0, max_value=10**9),
)
def test_a_percent_of_the_turnover_stays_within_its_minimum_and_maximum(
    turnover: int | None, percent_bp: int, minimum: int, extra: int
) -> None:
    maximum = minimum + extra
    fee = percent_fee(turnover, percent_bp, minimum, maximum)
    assert minimum <= fee <= maximum
    if turnover is None:
        assert fee == maximum
    else:
        exact = turnover * 100 * percent_bp  # tiyn × 10,000
        if minimum < fee < maximum:
            assert abs(fee * 10000 - exact) <= 5000  # rounded to the nearest tiyn


def test_a_percent_rounds_half_up_to_the_tiyn() -> None:
    """0.5 % of 1,001 tenge is 5.005 tenge: 5.01."""
    assert percent_fee(1001, 50, 0, 10**9) == 501
    assert percent_fee(1000, 50, 600, 10**9) == 600
    assert percent_fee(10**9, 50, 0, 1_000_000_00) == 1_000_000_00


@given(
    charges=st.lists(st.integers(min_value=0, max_value=10**8), max_size=8),
    paid=st.integers(min_value=0, max_value=10**9),
)
def test_payments_settle_the_oldest_charges_first(
    charges: list[int], paid: int
) -> None:
    settled = allocate(charges, paid)
    assert sum(settled) == min(paid, sum(charges))
    assert all(
        0 <= part <= amount for part, amount in zip(settled, charges, strict=True)
    )
    for index, part in enumerate(settled):
        if part < charges[index]:  # not settled in full: nothing later is
            assert not any(settled[index + 1 :])


def test_periods_are_years_and_quarters() -> None:
    assert span(2026, None) == (dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert span(2026, 4) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    with pytest.raises(DuesRefusal):
        span(2026, 5)
    start, end = span(2026, None)
    assert period_starts(start, end, FeePeriod.YEAR) == [dt.date(2026, 1, 1)]
    assert len(period_starts(start, end, FeePeriod.QUARTER)) == 4
    assert period_starts(*span(2026, 2), FeePeriod.YEAR) == []
    assert period_end(dt.date(2026, 10, 1), FeePeriod.QUARTER) == dt.date(2027, 1, 1)
    assert period_end(dt.date(2026, 1, 1), FeePeriod.YEAR) == dt.date(2027, 1, 1)
