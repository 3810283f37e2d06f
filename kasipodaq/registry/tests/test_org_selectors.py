"""Reads of the tree for the organization pages, scoped and in few queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kasipodaq.access.perms import Perm, Role
from kasipodaq.orgtree.models import Level
from kasipodaq.registry import org_selectors
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.factories import Tree, grant, make_unit

pytestmark = pytest.mark.django_db


def test_members_are_counted_per_subtree_at_any_depth(tree: Tree):
    """Counts hold for units of different levels given together."""
    tree.admit(tree.primaries[0])
    tree.admit(tree.primaries[1])
    tree.admit(tree.primaries[4])
    left = tree.admit(tree.primaries[4])
    end_membership(
        actor=tree.admin, membership=left, on=dt.date(2024, 1, 1), reason="own_wish"
    )
    units = [tree.central, tree.regions[0], tree.districts[2], tree.primaries[0]]
    with CaptureQueriesContext(connection) as queries:
        counts = org_selectors.count_members_in_subtrees(units)
    assert counts == {
        tree.central.pk: 3,
        tree.regions[0].pk: 2,
        tree.districts[2].pk: 1,
        tree.primaries[0].pk: 1,
    }
    assert len(queries) == 4  # one per depth


def test_child_rows_are_scoped_and_counted(tree: Tree):
    """A district chair sees the rows under their district, not under another."""
    tree.admit(tree.primaries[1])
    chair = grant(Role.CHAIR, tree.districts[0])
    rows = org_selectors.list_child_rows(chair, tree.districts[0])
    assert {row.unit: row.members for row in rows} == {
        tree.primaries[0]: 0,
        tree.primaries[1]: 1,
    }
    assert org_selectors.list_child_rows(chair, tree.districts[1]) == []


def test_rows_know_whether_a_node_can_expand(tree: Tree):
    """A district with primaries can expand; a primary without groups cannot."""
    rows = org_selectors.list_child_rows(tree.admin, tree.regions[0])
    assert all(row.expandable for row in rows)
    rows = org_selectors.list_child_rows(tree.admin, tree.districts[0])
    assert not any(row.expandable for row in rows)


def test_ancestors_stop_at_the_grant(tree: Tree):
    """Ancestors above the user's grants are left out."""
    chair = grant(Role.CHAIR, tree.districts[0])
    assert org_selectors.list_ancestors_in_scope(chair, tree.primaries[0]) == [
        tree.districts[0]
    ]
    assert org_selectors.list_ancestors_in_scope(tree.admin, tree.primaries[0]) == [
        tree.central,
        tree.regions[0],
        tree.districts[0],
    ]


def test_find_by_code_needs_the_right(tree: Tree):
    """A code outside the user's managed subtrees is not found."""
    chair = grant(Role.CHAIR, tree.districts[0])
    code = tree.primaries[2].code
    assert org_selectors.find_unit_by_code(chair, code, Perm.ORG_MANAGE) is None
    found = org_selectors.find_unit_by_code(tree.admin, code.lower(), Perm.ORG_MANAGE)
    assert found == tree.primaries[2]


def test_parent_choices_are_near_the_unit(tree: Tree):
    """A primary may go under the districts or the region of its region."""
    choices = set(org_selectors.list_parent_choices(tree.admin, tree.primaries[0]))
    assert choices == {tree.regions[0], tree.districts[1]}
    regions = set(org_selectors.list_parent_choices(tree.admin, tree.districts[0]))
    assert regions == {tree.regions[1]}


def test_levels_under_follow_the_tree_rules(tree: Tree):
    """Under a region: districts and primaries; under a group: nothing."""
    assert org_selectors.levels_under(tree.regions[0]) == [
        Level.DISTRICT,
        Level.PRIMARY,
    ]
    group = make_unit(tree.primaries[0], Level.GROUP)
    assert org_selectors.levels_under(group) == []
