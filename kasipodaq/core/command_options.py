"""Values the management commands read from their options, refused as the user
typed them."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from .dates import today


def day_option(text: str) -> dt.date:
    """The day of an ``--on YYYY-MM-DD`` option; empty: today."""
    if not text.strip():
        return today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            _("«%(date)s» is not a date: write it as YYYY-MM-DD.") % {"date": text}
        ) from None
