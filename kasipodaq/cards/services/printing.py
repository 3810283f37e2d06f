"""Recording who downloaded or printed which cards: they carry personal data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.audit.recording import record_bulk

from ..models import Card


def record_printed(*, actor: Any, cards: Sequence[Card]) -> None:
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    record_bulk(
        [
            AuditEvent(
                actor_id=actor_id,
                action=AuditAction.CARD_PRINTED,
                object_type="card",
                object_id=card.pk,
                person_id=card.person_id,
            )
            for card in cards
        ]
    )
