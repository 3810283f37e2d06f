"""Reading personal data leaves a trace: who opened a member's record, who exported."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.audit.recording import record
from kasipodaq.core.errors import PermissionRefused

from ..errors import RegistryRefusal
from ..exports import history_memberships
from ..models import Person


def record_member_view(*, actor: Any, person: Person) -> AuditEvent:
    """Note that `actor` opened the record of `person`."""
    membership = person.current_membership
    if membership is None:
        raise RegistryRefusal(_("This person has no membership record."))
    policy.require(actor, Perm.MEMBER_VIEW, unit=membership.org_unit)
    return record(
        actor=actor,
        action=AuditAction.PERSON_VIEWED,
        target=person,
        person_id=person.pk,
    )


@transaction.atomic
def record_members_export(
    *,
    actor: Any,
    people: QuerySet[Person],
    filters: dict[str, Any],
    file_format: str,
    history: bool = False,
    note: str = "",
) -> int:
    """Note an export of the list `people` (already scoped); returns its row count.

    One event for the whole export, written before any row leaves the server. The
    rows are the people, or with `history` their membership periods. An actor of
    None is the system: a command run on the server, which holds no grant and
    answers to whoever may run it there. `note` says where the file went, if known.
    """
    if actor is not None and not policy.subtree_roots(actor, Perm.MEMBER_EXPORT):
        raise PermissionRefused(_("You have no right to do this here."))
    rows = (history_memberships(people, user=actor) if history else people).count()
    AuditEvent.objects.create(
        actor=actor,
        action=AuditAction.MEMBERS_EXPORTED,
        object_type=Person._meta.model_name or "",
        object_id=None,
        after={
            "filters": filters,
            "format": file_format,
            "history": history,
            "rows": rows,
        },
        note=note[:300],
    )
    return rows
