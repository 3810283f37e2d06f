"""Fixtures of the budget tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Refusals read in English here; pages pick their language per request."""
    with translation.override("en"):
        yield
