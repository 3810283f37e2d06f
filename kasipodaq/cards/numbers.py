"""Card numbers: the region's code, a sequence, and a Damm check digit.

A number is ten digits, shown as «35-0001234-7»: two for the region the member
joined in, seven of the region's sequence (never reused), and a check digit by
Damm's algorithm, which catches every single mistyped digit and every swap of two
neighbouring digits.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from kasipodaq.core.errors import DomainError

# Damm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
REGION_DIGITS = 2
SEQUENCE_DIGITS = 7
LENGTH = REGION_DIGITS + SEQUENCE_DIGITS + 1
LARGEST_SEQUENCE = 10**SEQUENCE_DIGITS - 1
_SEPARATORS = re.compile(r"[\s\-‐‑–—.]")


class CardNumberError(DomainError):
    code = "card_number"


def damm_digit(digits: str) -> int:
    """The check digit that makes `digits` followed by it check out."""
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def is_valid(number: str) -> bool:
    """Whether ten digits check out (Damm's interim digit ends at zero)."""
    return (
        len(number) == LENGTH
        and number.isascii()
        and number.isdigit()
        and damm_digit(number) == 0
    )


def make_number(region_code: str, sequence: int) -> str:
    """The card number of a region's `sequence`-th card."""
    if not (
        len(region_code) == REGION_DIGITS
        and region_code.isascii()
        and region_code.isdigit()
    ):
        raise CardNumberError(_("A region code is two digits."))
    if not 1 <= sequence <= LARGEST_SEQUENCE:
        raise CardNumberError(_("The region has used up its card numbers."))
    body = f"{region_code}{sequence:0{SEQUENCE_DIGITS}d}"
    return f"{body}{damm_digit(body)}"


def parse_number(text: str) -> str:
    """A number as typed (with spaces or dashes) in its ten digits, or a refusal."""
    digits = _SEPARATORS.sub("", text)
    if not (len(digits) == LENGTH and digits.isascii() and digits.isdigit()):
        raise CardNumberError(_("A card number is ten digits."))
    if not is_valid(digits):
        raise CardNumberError(
            _("This card number has a typing error: check its digits.")
        )
    return digits


def display(number: str) -> str:
    """«3500012347» as «35-0001234-7»."""
    return f"{number[:REGION_DIGITS]}-{number[REGION_DIGITS:-1]}-{number[-1]}"
