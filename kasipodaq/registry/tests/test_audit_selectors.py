"""Reading the audit trail, narrowed in SQL to what the reader may audit."""

from __future__ import annotations

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.registry import audit_selectors
from kasipodaq.registry.tests.factories import Tree, grant

pytestmark = pytest.mark.django_db


def test_readers_without_the_audit_right_read_nothing(tree: Tree):
    """A district chair's trail is empty, whatever happened in their district."""
    tree.admit(tree.primaries[0])
    chair = grant(Role.CHAIR, tree.districts[0])
    assert not audit_selectors.can_read_trail(chair)
    assert not audit_selectors.list_trail(chair).exists()


def test_scope_is_a_subquery_not_a_list_of_ids(tree: Tree):
    """The people in scope are selected inside the trail's own query."""
    for unit in tree.primaries:
        tree.admit(unit)
    auditor = grant(Role.AUDITOR, tree.regions[0])
    trail = audit_selectors.list_trail(auditor)
    sql = str(trail.query)
    assert "registry_person" in sql  # the people, selected inside the query
    people = set(trail.values_list("person_id", flat=True)) - {None}
    assert len(people) == 4  # the four primaries of region 0


def test_exports_show_to_the_auditor_of_the_exporters_area(tree: Tree):
    """An export made by a district's chair is read by that district's auditor."""
    chair = grant(Role.CHAIR, tree.districts[0])
    AuditEvent.objects.create(
        actor=chair, action=AuditAction.MEMBERS_EXPORTED, object_type="person"
    )
    mine = grant(Role.AUDITOR, tree.districts[0])
    other = grant(Role.AUDITOR, tree.districts[1])
    assert audit_selectors.list_trail(mine).filter(actor=chair).count() == 1
    assert not audit_selectors.list_trail(other).filter(actor=chair).exists()


def test_the_central_administrator_reads_the_whole_trail(tree: Tree):
    """A reader of the whole tree reads every event."""
    tree.admit(tree.primaries[0])
    AuditEvent.objects.create(action=AuditAction.PERSON_DELETED, person_id=999999)
    assert audit_selectors.list_trail(tree.admin).count() == AuditEvent.objects.count()
