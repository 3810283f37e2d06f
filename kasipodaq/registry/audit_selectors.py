"""Reading the audit trail, narrowed to what the reader may audit.

A reader holding Perm.AUDIT_VIEW sees the events about people in their subtrees,
the changes of organizations in their subtrees, and the exports made by staff
holding a role there. A reader whose subtrees cover the whole tree (the central
administrator, a central auditor) sees the whole trail, including events about
people since deleted. The narrowing is done in SQL with subqueries, so a page of
the trail is a fixed number of queries whatever its scope.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from kasipodaq.access.models import RoleGrant
from kasipodaq.access.perms import Perm
from kasipodaq.access.policy import subtree_roots
from kasipodaq.access.scoping import scope, scope_q
from kasipodaq.accounts.models import User
from kasipodaq.audit.models import AuditEvent
from kasipodaq.orgtree.models import OrgUnit

from .models import Person
from .selectors import access_person, list_people

UNIT_TYPE = OrgUnit._meta.model_name or "orgunit"


def can_read_trail(user: Any) -> bool:
    return bool(subtree_roots(user, Perm.AUDIT_VIEW))


def _reads_whole_tree(roots: list[str]) -> bool:
    tops = OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True)
    return all(any(top.startswith(root) for root in roots) for top in tops)


def list_trail(user: Any) -> QuerySet[AuditEvent]:
    """The events the user may read, newest first, with their actor joined."""
    roots = subtree_roots(user, Perm.AUDIT_VIEW)
    if not roots:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
    if _reads_whole_tree(roots):
        return events
    people = list_people(user, Perm.AUDIT_VIEW).values("pk")
    units = scope(OrgUnit.objects.all(), user, Perm.AUDIT_VIEW).values("pk")
    staff = RoleGrant.objects.filter(
        scope_q(user, Perm.AUDIT_VIEW, field="unit__path")
    ).values("user_id")
    return events.filter(
        Q(person_id__in=people)
        | Q(object_type=UNIT_TYPE, object_id__in=units)
        | (Q(person_id__isnull=True, actor_id__in=staff) & ~Q(object_type=UNIT_TYPE))
    )


def access_trail_person(user: Any, pk: Any) -> Person:
    """A person whose trail the user may read; else 404."""
    return access_person(user, pk, Perm.AUDIT_VIEW)


def access_trail_user(user: Any, pk: Any) -> User:
    """A staff user whose actions the reader may read; else 404.

    Visible: a user holding a role in the reader's subtrees, or one who acted on
    something there.
    """
    roots = subtree_roots(user, Perm.AUDIT_VIEW)
    if not roots:
        raise Http404
    try:
        staff = User.objects.get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if _reads_whole_tree(roots):
        return staff
    granted_here = RoleGrant.objects.filter(
        scope_q(user, Perm.AUDIT_VIEW, field="unit__path"), user=staff
    ).exists()
    if granted_here or list_trail(user).filter(actor=staff).exists():
        return staff
    raise Http404


def list_trail_grants(user: Any, staff: User) -> list[RoleGrant]:
    """The roles `staff` holds inside the reader's subtrees."""
    where = scope_q(user, Perm.AUDIT_VIEW, field="unit__path")
    if where is None:
        return []
    return list(
        RoleGrant.objects.filter(where, user=staff)
        .select_related("unit")
        .order_by("unit__path", "role")
    )


def trail_subjects(
    user: Any, events: list[AuditEvent], unit_ids: set[int]
) -> tuple[dict[int, Person], dict[int, OrgUnit]]:
    """The people and units a page of events names, those the reader may see.

    Two queries whatever the number of events. `unit_ids` are units named inside
    the events' before/after besides the organizations changed.
    """
    person_ids = {e.person_id for e in events if e.person_id is not None}
    unit_ids = unit_ids | {
        e.object_id
        for e in events
        if e.object_type == UNIT_TYPE and e.object_id is not None
    }
    people: dict[int, Person] = {}
    if person_ids:
        people = {
            p.pk: p
            for p in list_people(user, Perm.AUDIT_VIEW)
            .filter(pk__in=person_ids)
            .only("pk", "last_name", "first_name", "patronymic")
        }
    units: dict[int, OrgUnit] = {}
    if unit_ids:
        units = {
            u.pk: u
            for u in scope(OrgUnit.objects.all(), user, Perm.AUDIT_VIEW)
            .filter(pk__in=unit_ids)
            .only("pk", "code", "name_ru", "name_kk", "path")
        }
    return people, units
