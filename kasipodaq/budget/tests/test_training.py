"""The rule that training is at least a tenth of the expenses (seed 003 §V)."""

from __future__ import annotations

from decimal import Decimal

from kasipodaq.budget.training import (
    TRAINING_MIN_BP,
    as_percent,
    below_minimum,
    share_bp,
)


def test_the_minimum_is_ten_percent() -> None:
    """The Regulation on dues asks for 10 % of the expense side of the смета."""
    assert TRAINING_MIN_BP == 1000


def test_exactly_ten_percent_keeps_the_rule() -> None:
    """10 % passes; 9.99 % does not; a tiyn short of 10 % does not either."""
    assert not below_minimum(10_000_00, 100_000_00)
    assert below_minimum(9_999_00, 100_000_00)
    assert below_minimum(10_000_00 - 1, 100_000_00)
    assert not below_minimum(10_000_00 + 1, 100_000_00)


def test_no_expenses_break_no_rule() -> None:
    """Nothing planned or spent gives no share and no warning."""
    assert share_bp(0, 0) is None
    assert not below_minimum(0, 0)


def test_shares_round_down_so_ten_percent_shown_is_ten_percent() -> None:
    """A share a hair below 10 % shows as 9.99 %, never as 10.00 %."""
    assert share_bp(10_000_00 - 1, 100_000_00) == 999
    assert share_bp(1, 3) == 3333
    assert as_percent(999) == Decimal("9.99")
    assert as_percent(None) is None
