"""Kazakhstan's individual identification number (IIN).

Twelve digits: the birth date as YYMMDD, a seventh digit that gives the century of
birth and the sex (1/2: 1800s, 3/4: 1900s, 5/6: 2000s; odd is male, even female),
four digits of a serial and a check digit (see `kasipodaq.core.checksum`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kasipodaq.core.checksum import check_digit

CENTURIES = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
MALE, FEMALE = "M", "F"


@dataclass(frozen=True)
class IinFacts:
    birth_date: dt.date
    sex: str


def parse_iin(value: str) -> IinFacts:
    """The birth date and sex an IIN encodes; ValidationError naming the fault."""
    if len(value) != 12 or not value.isdigit():
        raise ValidationError(_("An IIN is exactly 12 digits."), code="iin_format")
    century_digit = value[6]
    if century_digit not in CENTURIES:
        raise ValidationError(
            _("The IIN's seventh digit must be 1–6 (century of birth and sex)."),
            code="iin_century",
        )
    year = CENTURIES[century_digit] + int(value[0:2])
    try:
        birth_date = dt.date(year, int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise ValidationError(
            _("The IIN's first six digits are not a date of birth."), code="iin_date"
        ) from None
    if check_digit(value[:11]) != int(value[11]):
        raise ValidationError(
            _("The IIN's check digit does not match: check for a typing error."),
            code="iin_checksum",
        )
    return IinFacts(
        birth_date=birth_date, sex=MALE if int(century_digit) % 2 else FEMALE
    )


def validate_iin(value: str) -> None:
    parse_iin(value)


def make_iin(birth_date: dt.date, sex: str, serial: int) -> str | None:
    """The IIN for these facts and serial (0–9999); None if no check digit fits."""
    century_digit = (birth_date.year // 100 - 18) * 2 + (1 if sex == MALE else 2)
    first = f"{birth_date:%y%m%d}{century_digit}{serial:04d}"
    digit = check_digit(first)
    return None if digit is None else f"{first}{digit}"
