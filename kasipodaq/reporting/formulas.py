"""The small language of formulas and rules: indicator codes added up, or a percentage.

``trained_chairs + trained_activists`` is a sum; ``working / employees`` is a
percentage (×100), which every level recomputes from its own rolled-up parts rather
than adding up its children's percentages. A missing figure counts as zero in a
sum, but a sum of figures none of which is known is not known either; a
percentage of a zero or missing whole is missing.

Formulas are worked out a column at a time (`Formula.work_out`): one formula over
every unit at once, the registry's counts as whole numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.utils.translation import gettext as _

from .errors import ReportRefusal

CODE = re.compile(r"[a-z][a-z0-9_]*")
HUNDRED = Decimal(100)

Figure = Decimal | str | None
# What a formula reads: a figure, or a count straight from the registry.
Operand = Figure | int
NUMBER = (Decimal, int)


@dataclass(frozen=True)
class Formula:
    terms: tuple[str, ...]
    divisor: str = ""

    def __post_init__(self) -> None:
        if self.divisor and len(self.terms) != 1:
            raise ValueError("A percentage divides one indicator by another.")

    @property
    def codes(self) -> tuple[str, ...]:
        return (*self.terms, self.divisor) if self.divisor else self.terms

    @property
    def is_ratio(self) -> bool:
        return bool(self.divisor)

    def evaluate(self, figures: Mapping[str, Operand]) -> Decimal | int | None:
        """The formula's value from one unit's figures, not rounded."""
        if self.divisor:
            return _ratio(figures.get(self.terms[0]), figures.get(self.divisor))
        return _known_sum(map(figures.get, self.terms))

    def work_out(
        self, columns: Mapping[str, Sequence[Operand]], places: Decimal, rows: int
    ) -> list[Decimal | None]:
        """The formula's value in each of `rows` rows of `columns` (a code without a
        column is missing in every row), rounded to `places` half away from zero."""

        def column(code: str) -> Sequence[Operand]:
            return columns.get(code) or [None] * rows

        if self.divisor:
            return _percentages(column(self.terms[0]), column(self.divisor), places)
        return [
            None if total is None else Decimal(total).quantize(places, ROUND_HALF_UP)
            for total in map(_known_sum, zip(*map(column, self.terms), strict=True))
        ]

    def __str__(self) -> str:
        text = " + ".join(self.terms)
        return f"{text} / {self.divisor}" if self.divisor else text


def _known_sum(values: Iterable[Operand]) -> Decimal | int | None:
    """The sum of the numbers among `values`: a sum of nothing known is not known."""
    total: Decimal | int | None = None
    for value in values:
        if isinstance(value, NUMBER):
            total = value if total is None else total + value
    return total


def _ratio(part: Operand, whole: Operand) -> Decimal | None:
    """Part over whole ×100, a missing part counting as zero; missing when the
    whole is zero or missing."""
    if not isinstance(whole, NUMBER) or not whole:
        return None
    return HUNDRED * (part if isinstance(part, NUMBER) else 0) / whole


def _percentages(
    parts: Sequence[Operand], wholes: Sequence[Operand], places: Decimal
) -> list[Decimal | None]:
    """Each part over its whole ×100, rounded to `places` half away from zero."""
    exponent = int(places.as_tuple().exponent)
    scale = 100 * 10**-exponent

    def percentage(part: Operand, whole: Operand) -> Decimal | None:
        if type(part) is int and type(whole) is int and part >= 0 and whole > 0:
            # Counts: rounded in whole numbers, which gives what the division
            # below gives for any count under 10**20 at half the cost, the
            # few hundred percentages that recur across the union's units each
            # made once.
            units, rest = divmod(part * scale, whole)
            return _decimal(units + (2 * rest >= whole), exponent)
        value = _ratio(part, whole)
        return None if value is None else value.quantize(places, ROUND_HALF_UP)

    return list(map(percentage, parts, wholes))


@lru_cache(maxsize=4096)
def _decimal(units: int, exponent: int) -> Decimal:
    """units × 10**exponent (a Decimal never changes, so one can be shared)."""
    return Decimal(units).scaleb(exponent)


def parse_formula(text: str, *, ratio_allowed: bool = True) -> Formula:
    """A formula from its text, or a refusal naming what is wrong with it."""
    top, _slash, bottom = text.partition("/")
    terms = tuple(term.strip() for term in top.split("+"))
    divisor = bottom.strip()
    if _slash and not ratio_allowed:
        raise ReportRefusal(
            _("Only sums of indicators are allowed here: «%(text)s».") % {"text": text},
            field="formula",
        )
    for code in (*terms, *([divisor] if _slash else [])):
        if not CODE.fullmatch(code):
            raise ReportRefusal(
                _(
                    "«%(text)s» is not a formula: write indicator codes joined by "
                    "« + », or two codes joined by « / » for a percentage."
                )
                % {"text": text},
                field="formula",
            )
    if _slash and len(terms) != 1:
        raise ReportRefusal(
            _("A percentage divides one indicator by another: «%(text)s».")
            % {"text": text},
            field="formula",
        )
    return Formula(terms, divisor)
