"""The arithmetic of companies' fees, without the database.

A tiered schedule is a list of tiers, each from a lower bound (inclusive) up to
the next one's: the first starts at 0 and bounds rise, so every figure (employees,
or whole tenge of yearly turnover) falls in exactly one tier. A company whose
figure is unknown pays the top tier. A percent of the turnover is rounded half up
to the tiyn and kept between the schedule's minimum and maximum; unknown turnover
pays the maximum. The fee run does the same in SQL; tests hold the two together.

Payments settle a company's charges oldest first (`allocate`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.utils.translation import gettext as _

from .errors import DuesRefusal
from .models.company_fees import FeeBasis, FeePeriod
from .money import NotMoney, to_tiyn

# A figure or a fee above this is a typing error (a trillion tenge of turnover
# times a percent in hundredths still fits a 64-bit integer).
LARGEST_FIGURE = 10**14
LARGEST_FEE_TIYN = 10**12  # ten billion tenge

_TIER_LINE = re.compile(
    r"^(?P<lower>-?\d+)\s*(?:(?:[-–—]|\.\.)\s*(?P<upper>-?\d+)|(?P<open>\+))?"
    r"\s*[:;=]?\s*(?P<fee>-?\d+(?:[.,]\d+)?)$"
)


@dataclass(frozen=True)
class Tier:
    """From `lower` (inclusive) up to the next tier's lower bound: `fee_tiyn`."""

    lower: int
    fee_tiyn: int


@dataclass(frozen=True)
class TierLine:
    """A tier as typed: from `lower` to `upper` (both inclusive; None: and up)."""

    lower: int
    upper: int | None
    fee_tiyn: int


@dataclass(frozen=True)
class Terms:
    """What a schedule says a company pays for a period."""

    basis: str
    tiers: tuple[Tier, ...] = ()
    percent_bp: int | None = None
    minimum_tiyn: int | None = None
    maximum_tiyn: int | None = None


def parse_tiers(text: str) -> list[TierLine]:
    """Tiers typed one a line: «0-49: 150000», «50-249: 300000», «250+: 600000»
    (bounds, then the fee in tenge); blank lines are skipped."""
    lines: list[TierLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        found = _TIER_LINE.match(line)
        if found is None:
            raise DuesRefusal(
                _(
                    "Line %(line)s: a tier is written «from-to: fee» or "
                    "«from+: fee», e.g. «0-49: 150000»."
                )
                % {"line": number},
                field="tiers",
            )
        try:
            fee = to_tiyn(found["fee"].replace(",", "."))
        except NotMoney:
            raise DuesRefusal(
                _("Line %(line)s: a fee is tenge with at most two decimals.")
                % {"line": number},
                field="tiers",
            ) from None
        upper = found["upper"]
        lines.append(
            TierLine(
                lower=int(found["lower"]),
                upper=None if upper is None else int(upper),
                fee_tiyn=fee,
            )
        )
    return lines


def check_tiers(lines: Sequence[TierLine]) -> tuple[Tier, ...]:
    """The tiers in order, refused unless the first starts at 0, none is negative,
    and each starts right after the one before ends: no overlap and no gap."""
    if not lines:
        raise DuesRefusal(_("A schedule needs at least one tier."), field="tiers")
    for line in lines:
        if line.lower < 0 or line.fee_tiyn < 0 or (line.upper or 0) < 0:
            raise DuesRefusal(_("Bounds and fees cannot be negative."), field="tiers")
        if line.lower > LARGEST_FIGURE or line.fee_tiyn > LARGEST_FEE_TIYN:
            raise DuesRefusal(_("A bound or a fee is too large."), field="tiers")
        if line.upper is not None and line.upper < line.lower:
            raise DuesRefusal(
                _("The tier from %(lower)s ends before it starts.")
                % {"lower": line.lower},
                field="tiers",
            )
    ordered = sorted(lines, key=lambda line: line.lower)
    if ordered[0].lower != 0:
        raise DuesRefusal(_("The first tier starts at 0."), field="tiers")
    for before, after in pairwise(ordered):
        if before.upper is None or after.lower <= before.upper:
            raise DuesRefusal(
                _("The tiers from %(first)s and from %(second)s overlap.")
                % {"first": before.lower, "second": after.lower},
                field="tiers",
            )
        if after.lower != before.upper + 1:
            raise DuesRefusal(
                _("Between %(end)s and %(start)s no tier applies.")
                % {"end": before.upper, "start": after.lower},
                field="tiers",
            )
    return tuple(Tier(lower=line.lower, fee_tiyn=line.fee_tiyn) for line in ordered)


def tier_for(tiers: Sequence[Tier], figure: int | None) -> Tier:
    """The tier `figure` falls in (bounds are inclusive); unknown: the top one."""
    ordered = sorted(tiers, key=lambda tier: tier.lower)
    if figure is None:
        return ordered[-1]
    found = ordered[0]
    for tier in ordered:
        if tier.lower <= figure:
            found = tier
    return found


def percent_fee(
    turnover_tenge: int | None, percent_bp: int, minimum_tiyn: int, maximum_tiyn: int
) -> int:
    """`percent_bp` hundredths of a percent of the turnover, in tiyn rounded half
    up, kept within [minimum, maximum]; unknown turnover pays the maximum."""
    if turnover_tenge is None:
        return maximum_tiyn
    # tenge × 100 tiyn × bp / 10,000
    fee = (turnover_tenge * percent_bp + 50) // 100
    return min(max(fee, minimum_tiyn), maximum_tiyn)


def fee_for(terms: Terms, figure: int | None) -> tuple[int | None, int]:
    """(the tier's lower bound, or None for a percent; the fee in tiyn)."""
    if terms.basis == FeeBasis.TURNOVER_PERCENT:
        assert terms.percent_bp is not None
        assert terms.minimum_tiyn is not None and terms.maximum_tiyn is not None
        return None, percent_fee(
            figure, terms.percent_bp, terms.minimum_tiyn, terms.maximum_tiyn
        )
    tier = tier_for(terms.tiers, None if terms.basis == FeeBasis.FLAT else figure)
    return tier.lower, tier.fee_tiyn


def allocate(charges: Sequence[int], paid_tiyn: int) -> list[int]:
    """How much of `paid_tiyn` settles each charge, the oldest (first) first."""
    settled: list[int] = []
    left = paid_tiyn
    for amount in charges:
        part = min(amount, max(left, 0))
        settled.append(part)
        left -= part
    return settled


def span(year: int, quarter: int | None) -> tuple[dt.date, dt.date]:
    """[start, end) of a year, or of one of its quarters."""
    if quarter is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if not 1 <= quarter <= 4:
        raise DuesRefusal(_("A quarter is 1, 2, 3 or 4."), field="quarter")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end


def period_starts(start: dt.date, end: dt.date, period: str) -> list[dt.date]:
    """The starts of the periods of this kind that begin within [start, end)."""
    months = (1,) if period == FeePeriod.YEAR else (1, 4, 7, 10)
    return [
        day
        for year in range(start.year, end.year + 1)
        for month in months
        if start <= (day := dt.date(year, month, 1)) < end
    ]


def period_end(start: dt.date, period: str) -> dt.date:
    if period == FeePeriod.YEAR:
        return dt.date(start.year + 1, 1, 1)
    month = start.month + 3
    return dt.date(start.year + (month > 12), (month - 1) % 12 + 1, 1)
