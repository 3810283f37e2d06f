"""The mod-11 check digit shared by Kazakhstan's IIN and BIN (ST RK 1619 style)."""

from __future__ import annotations

import operator

FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11 digits, or None when no valid number can end them.

    The first weighting is used unless it gives 10; then the second; if that also
    gives 10 the number is never issued.
    """
    if len(first_eleven) != len(FIRST_WEIGHTS):
        raise ValueError("eleven digits are needed")
    digits = list(map(int, first_eleven))
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        # map() over C functions: a registry import checks millions of these.
        rest = sum(map(operator.mul, digits, weights)) % 11
        if rest != 10:
            return rest
    return None
