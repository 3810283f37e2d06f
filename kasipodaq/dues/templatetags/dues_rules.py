"""`|percent`: hundredths of a percent (basis points) as a percent with two
decimals, written as the language writes numbers."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(basis_points: int | None) -> str:
    if basis_points is None:
        return "—"
    return number_format(Decimal(int(basis_points)) / 100, 2)
