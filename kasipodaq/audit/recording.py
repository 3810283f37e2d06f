"""Writing the trail. Called by services inside the transaction of the change."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models

from .models import AuditAction, AuditEvent

JsonDict = dict[str, Any]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str]) -> JsonDict:
    """The named fields of a row as JSON-ready values (foreign keys as ids)."""
    return {
        name: _plain(getattr(instance, _attname(instance, name))) for name in fields
    }


def _attname(instance: models.Model, name: str) -> str:
    field = instance._meta.get_field(name)
    return field.attname if isinstance(field, models.Field) else name


def diff(before: JsonDict, after: JsonDict) -> tuple[JsonDict, JsonDict]:
    """Only the fields that changed, on both sides."""
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def record(
    *,
    actor: Any,
    action: AuditAction,
    target: models.Model,
    person_id: int | None = None,
    before: JsonDict | None = None,
    after: JsonDict | None = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=target._meta.model_name or "",
        object_id=target.pk,
        person_id=person_id,
        before=before,
        after=after,
        note=note,
    )


def record_bulk(events: list[AuditEvent]) -> None:
    """Many events at once, for set-based changes (merges, a region leaving)."""
    AuditEvent.objects.bulk_create(events, batch_size=2000)
