"""Figures as the report pages show them.

Counts and amounts group their thousands with a narrow no-break space («802 194»),
as the union's printed reports do; a percentage keeps one decimal and an amount
two, with the decimal mark of the page's language. A missing figure is a dash.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import get_language

from ..layout import PLACES, rounded
from ..models import ValueType

THIN_SPACE = "\u202f"  # narrow no-break space: groups thousands, never breaks
MISSING = "—"


def format_figure(value: Any, value_type: str) -> str:
    """A figure for reading: grouped thousands, the places of its type."""
    if value is None or value == "":
        return MISSING
    if value_type == ValueType.TEXT or not isinstance(value, Decimal | int):
        return str(value)
    number = rounded(Decimal(value), value_type)
    whole, _point, fraction = f"{abs(number):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = THIN_SPACE.join(groups)
    if PLACES.get(value_type, Decimal(1)) < 1:
        text += _decimal_mark() + fraction
    return f"−{text}" if number < 0 else text


def input_text(value: Any, value_type: str) -> str:
    """A figure as an input shows it for editing: no grouping, the page's mark."""
    if value is None:
        return ""
    if value_type == ValueType.TEXT or not isinstance(value, Decimal | int):
        return str(value)
    number = Decimal(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return f"{number.normalize():f}".replace(".", _decimal_mark())


def _decimal_mark() -> str:
    """A comma in Russian and Kazakh (Django knows no Kazakh formats), else a point."""
    return "." if (get_language() or "ru").startswith("en") else ","
