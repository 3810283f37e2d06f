"""Figures as people type them, read into values of their indicator's type.

Staff write «1 234», «1 234,5» or «12.5»: spaces (also non-breaking ones) group
thousands and a comma or a point marks the decimals. A blank clears the figure.
Every figure is read before any is refused, so the form shows all faults at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .errors import ReportRefusal
from .formulas import Figure
from .layout import Layout
from .models import Indicator, ValueType

LARGEST = Decimal("1e12")
TEXT_MAX = 4000


class EntriesRefused(ReportRefusal):
    """Some figures cannot be read; `errors` maps each indicator code to why."""

    code = "entries_refused"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Correct the marked figures."))
        self.errors = errors


def parse_entries(layout: Layout, raw: Mapping[str, object]) -> dict[str, Figure]:
    """The entered indicators' values from raw input keyed by indicator code."""
    values: dict[str, Figure] = {}
    errors: dict[str, str] = {}
    for code, given in raw.items():
        indicator = layout.by_code.get(code)
        if indicator is None or not indicator.is_entered:
            errors[code] = _("«%(code)s» is not a figure this form asks for.") % {
                "code": code
            }
            continue
        try:
            values[code] = parse_entry(indicator, given)
        except ValueError as exc:
            errors[code] = str(exc)
    if errors:
        raise EntriesRefused(errors)
    return values


def parse_entry(indicator: Indicator, given: object) -> Figure:
    """One value; ValueError with a translated message when it cannot be one."""
    if given is None:
        return None
    if indicator.value_type == ValueType.TEXT:
        text = str(given).strip()
        if "\x00" in text:
            raise ValueError(_("The text holds a character that cannot be stored."))
        if len(text) > TEXT_MAX:
            raise ValueError(_("At most %(count)s characters.") % {"count": TEXT_MAX})
        return text or None
    number = _number(given)
    if number is None:
        return None
    if number < 0:
        raise ValueError(_("A figure cannot be negative."))
    if number >= LARGEST:
        raise ValueError(_("This figure is too large."))
    if indicator.value_type == ValueType.COUNT and number != number.to_integral_value():
        raise ValueError(_("Enter a whole number."))
    if indicator.value_type == ValueType.PERCENT and number > 100:
        raise ValueError(_("A percentage is at most 100."))
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(_("At most two decimal places."))
    return number


def _number(given: object) -> Decimal | None:
    if isinstance(given, bool):
        raise ValueError(_("Enter a number."))
    if isinstance(given, int | Decimal):
        number = Decimal(given)
    elif isinstance(given, float):
        number = Decimal(repr(given))
    else:
        text = "".join(str(given).split()).replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
    # NaN and infinities come from JSON and spreadsheets too, not only from text.
    if not number.is_finite():
        raise ValueError(_("Enter a number."))
    return number
