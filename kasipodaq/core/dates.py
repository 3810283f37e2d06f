"""Dates of the domain: "today" in the union's time zone and half-open intervals."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone


def today() -> dt.date:
    """The current date where the union works (settings.TIME_ZONE)."""
    return timezone.localdate()


def active_on_q(on: dt.date, *, start: str, end: str, prefix: str = "") -> Q:
    """Rows whose interval [start, end) contains `on`; a null end is open."""
    return Q(**{f"{prefix}{start}__lte": on}) & (
        Q(**{f"{prefix}{end}__isnull": True}) | Q(**{f"{prefix}{end}__gt": on})
    )
