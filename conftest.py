"""Fixtures shared by every test: a small union tree and its users."""

from __future__ import annotations

import pytest

from kasipodaq.registry.tests.factories import Tree, build_tree


@pytest.fixture
def tree(db: None) -> Tree:
    """Central → 2 regions → 2 districts → 2 primaries each, and a central admin."""
    return build_tree()
