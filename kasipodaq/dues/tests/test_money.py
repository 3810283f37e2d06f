"""Money in tiyn: conversions refuse what is not money; splits are exact."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasipodaq.dues.money import (
    NotMoney,
    percent_of,
    round_to,
    split,
    to_tenge,
    to_tiyn,
)


def test_tenge_and_tiyn_convert_exactly() -> None:
    assert to_tiyn(Decimal("1234.56")) == 123456
    assert to_tiyn("0.01") == 1
    assert to_tiyn(7) == 700
    assert to_tenge(123456) == Decimal("1234.56")


@pytest.mark.parametrize("bad", [0.1, "1.234", "abc", "NaN", "Infinity", True])
def test_what_is_not_money_is_refused(bad: object) -> None:
    with pytest.raises(NotMoney):
        to_tiyn(bad)  # type: ignore[arg-type]


def test_percent_rounds_half_up_to_the_tiyn() -> None:
    assert percent_of(123456_50, 100) == 123457  # 1 % of 123,456.50 is 1,234.565
    assert percent_of(100_00, 150) == 150
    assert percent_of(0, 100) == 0


def test_rounding_to_the_tenge() -> None:
    assert round_to(123450, 100) == 123500
    assert round_to(123449, 100) == 123400
    assert round_to(123449, 1) == 123449


def test_split_gives_the_leftover_tiyn_to_the_largest_remainders() -> None:
    assert split(100, [1, 1, 1]) == [34, 33, 33]
    assert split(1000, [4000, 2000, 2500, 1500]) == [400, 200, 250, 150]
    assert split(1, [5000, 5000]) == [1, 0]


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(
        st.integers(min_value=0, max_value=10000), min_size=1, max_size=6
    ).filter(lambda w: sum(w) > 0),
)
def test_a_split_always_sums_to_the_whole_and_follows_the_weights(
    total: int, weights: list[int]
) -> None:
    parts = split(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, whole)
        assert abs(part - exact) < 1  # never a tiyn off its exact share
        if weight == 0:
            assert part == 0


def test_a_split_without_weights_is_refused() -> None:
    with pytest.raises(ValueError):
        split(100, [0, 0])
    with pytest.raises(ValueError):
        split(100, [])
