"""The small language of formulas and rules: indicator codes added up, or a percentage.

``trained_chairs + trained_activists`` is a sum; ``working / employees`` is a
percentage (×100), which every level recomputes from its own rolled-up parts rather
than adding up its children's percentages. A missing figure counts as zero in a
sum, but a sum of figures none of which is known is not known either; a
percentage of a zero or missing whole is missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .errors import ReportRefusal

CODE = re.compile(r"[a-z][a-z0-9_]*")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

Figure = Decimal | str | None


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

    def evaluate(self, figures: Mapping[str, Figure]) -> Decimal | None:
        # Written out plainly: every unit of the union runs every formula of its form.
        if self.divisor:  # one term over another
            whole = figures.get(self.divisor)
            if not isinstance(whole, Decimal) or not whole:
                return None
            part = figures.get(self.terms[0])
            return (part if isinstance(part, Decimal) else ZERO) * HUNDRED / whole
        total: Decimal | None = None  # a sum of nothing known is not known
        for code in self.terms:
            value = figures.get(code)
            if isinstance(value, Decimal):
                total = value if total is None else total + value
        return total

    def __str__(self) -> str:
        text = " + ".join(self.terms)
        return f"{text} / {self.divisor}" if self.divisor else text


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
