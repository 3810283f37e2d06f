"""The mod-11 check digit shared by Kazakhstan's IIN and BIN (ST RK 1619 style)."""

from __future__ import annotations

import operator

FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Both weightings add up to 66, so weighing the digits' ASCII codes instead of the
# digits adds 66 × ord("0") to either sum.
ASCII_EXCESS = 66 * ord("0")


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11 digits, or None when no valid number can end them.

    The first weighting is used unless it gives 10; then the second; if that also
    gives 10 the number is never issued.
    """
    if not (
        len(first_eleven) == len(FIRST_WEIGHTS)
        and first_eleven.isascii()
        and first_eleven.isdigit()
    ):
        raise ValueError("eleven digits are needed")
    # The bytes are the digits' codes: map() over C functions, no int() per digit
    # (a registry import checks millions of these).
    codes = first_eleven.encode()
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        rest = (sum(map(operator.mul, codes, weights)) - ASCII_EXCESS) % 11
        if rest != 10:
            return rest
    return None
