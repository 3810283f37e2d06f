"""Exporting a unit's dues money for its accounting system."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record
from kasipodaq.orgtree.models import OrgUnit

from ..exports_1c import build_export
from ..models import Payment


@transaction.atomic
def export_dues(
    *,
    actor: Any,
    unit: OrgUnit,
    start: dt.date,
    end: dt.date,
    file_format: str,
    account: str = "",
    note: str = "",
) -> bytes:
    """The file of the payments `unit` received and its transfers in [start, end).

    Payers' names and IINs are personal data: the export is for those who keep
    the unit's books (Perm.DUES_MANAGE), and one audit event is written, before
    the file leaves, whenever it holds any payment. ``actor`` None is a command
    run on the server. `note` says where the file went, if known.
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    payments = Payment.objects.filter(
        org_unit=unit, paid_on__gte=start, paid_on__lt=end
    ).count()
    if payments:
        record(
            actor=actor,
            action=AuditAction.DUES_EXPORTED,
            target=unit,
            after={
                "organization": unit.pk,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "format": file_format,
                "payments": payments,
            },
            note=note[:300],
        )
    return build_export(
        unit=unit,
        start=start,
        end=end,
        file_format=file_format,
        account=account,
        created_at=timezone.localtime(),
    )
