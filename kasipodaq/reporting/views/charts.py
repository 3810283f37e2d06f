"""A bar chart of one figure across years, drawn on the server as inline SVG.

No script draws it, so it shows wherever the page does; the template gives it a
title and a description that reads out every value, and the table beside it is
the fallback. Only the geometry is worked out here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

WIDTH = 640
HEIGHT = 280
LEFT = 64  # room for the scale's labels
RIGHT = 12
TOP = 24  # room for the value above the tallest bar
BOTTOM = 28  # room for the years
STEPS = 5  # the scale has at most this many steps above zero


@dataclass(frozen=True)
class Bar:
    label: str  # the year
    text: str  # the value as the page shows it
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    left: int
    right: float
    baseline: float
    label_y: float


def nice_step(largest: Decimal, steps: int = STEPS) -> Decimal:
    """The smallest step of 1, 2 or 5 times a power of ten that reaches `largest`
    in at most `steps` steps."""
    if largest <= 0:
        return Decimal(1)
    rough = largest / steps
    power = Decimal(10) ** (rough.adjusted())
    for factor in (1, 2, 5, 10):
        step = power * factor
        if step >= rough:
            return step
    return power * 10  # pragma: no cover - the loop always returns


def bar_chart(
    points: Sequence[tuple[str, Decimal | None]],
    *,
    text: Callable[[Decimal | None], str],
    whole: bool = True,
) -> BarChart:
    """Bars for `points` (label, value; None draws no bar), on a scale from zero;
    `whole` keeps the scale's steps to whole numbers (for counts)."""
    values = [v for _label, v in points if v is not None]
    largest = max(values, default=Decimal(0))
    step = nice_step(largest)
    if whole:
        step = max(step, Decimal(1))
    steps = (largest / step).to_integral_value(rounding=ROUND_CEILING)
    top_value = step * max(Decimal(1), steps)
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    baseline = float(HEIGHT - BOTTOM)
    slot = plot_width / max(1, len(points))
    width = slot * 0.6

    def y_of(value: Decimal) -> float:
        return baseline - float(value / top_value) * plot_height

    bars = []
    for index, (label, value) in enumerate(points):
        x = LEFT + slot * index + (slot - width) / 2
        height = 0.0 if value is None else baseline - y_of(max(value, Decimal(0)))
        bars.append(
            Bar(
                label=label,
                text=text(value),
                x=round(x, 1),
                y=round(baseline - height, 1),
                width=round(width, 1),
                height=round(height, 1),
            )
        )
    ticks = [
        Tick(y=round(y_of(step * i), 1), text=text(step * i))
        for i in range(int(top_value / step) + 1)
    ]
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=baseline,
        label_y=baseline + 18,
    )
