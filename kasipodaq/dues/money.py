"""Money as whole tiyn (hundredths of a tenge): exact in Python and in SQL.

Amounts are stored as integers of tiyn, so that sums, splits and the SQL of the
accrual run are exact on PostgreSQL and SQLite alike (SQLite keeps decimals as
binary floats). Code outside the storage speaks Decimal tenge: `to_tiyn` and
`to_tenge` convert at the edges, and no float is ever involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

TIYN = Decimal("0.01")


class NotMoney(ValueError):
    """A value that is not an amount of tenge with at most two decimals."""


def to_tiyn(amount: Decimal | int | str) -> int:
    """Tenge as tiyn; refuses floats, non-finite values and fractions of a tiyn."""
    if isinstance(amount, float | bool):
        raise NotMoney("amounts are never floats")
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError):
        raise NotMoney(f"not an amount: {amount!r}") from None
    if not value.is_finite() or value != value.quantize(TIYN):
        raise NotMoney(f"not an amount of tiyn: {amount!r}")
    return int(value * 100)


def to_tenge(tiyn: int) -> Decimal:
    return (Decimal(tiyn) / 100).quantize(TIYN)


def percent_of(base_tiyn: int, basis_points: int) -> int:
    """`basis_points` hundredths of a percent of `base_tiyn`, rounded half up.

    With `round_to`, the reference for the accrual's SQL, which does the same in
    integers (tests hold the two together).
    """
    return (base_tiyn * basis_points + 5000) // 10000


def round_to(tiyn: int, step: int) -> int:
    """Half up to a multiple of `step` tiyn (1: a tiyn, 100: a whole tenge)."""
    return (tiyn + step // 2) // step * step


def split(total: int, weights: Sequence[int]) -> list[int]:
    """`total` tiyn in parts proportional to `weights`, summing to `total` exactly.

    Largest remainder: each part is rounded down, and the tiyn left over go one
    each to the parts with the largest remainders (the earlier part on a tie).
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts
