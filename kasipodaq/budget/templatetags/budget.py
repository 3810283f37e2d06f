"""Budgets in templates: `|share` for hundredths of a percent."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

from ..training import as_percent

register = template.Library()


@register.filter
def share(bp: int | None) -> str:
    """Hundredths of a percent as «9.99 %» in the language's notation; «—» for none."""
    value = as_percent(bp)
    if value is None:
        return "—"
    return f"{number_format(value, 2)} %"
