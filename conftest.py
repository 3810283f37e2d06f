"""Fixtures shared by every test: a small union tree and its users, and a folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from kasipodaq.core.tests.mailbox import Inbox, smtp_server
from kasipodaq.registry.tests.factories import Tree, build_tree


@pytest.fixture
def tree(db: None) -> Tree:
    """Central → 2 regions → 2 districts → 2 primaries each, and a central admin."""
    return build_tree()


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    """Files the product keeps (uploaded imports) go to each test's own folder."""
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """What one test leaves in the cache (import progress) is not the next one's."""
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request in one language does not leave it active for the next test."""
    yield
    translation.deactivate()


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    """A live SMTP server on 127.0.0.1 that Django's SMTP backend sends to."""
    with smtp_server(settings) as received:
        yield received
