"""The key ring of this install, read from settings.KASIPODAQ_CARD_KEYS."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.conf import settings

from .tokens import KeyRing, key_ring

MAX_KEY_ID = 16


def current_ring() -> KeyRing:
    """The ring for the keys now in settings (built once per distinct setting)."""
    return _ring(json.dumps(settings.KASIPODAQ_CARD_KEYS, sort_keys=True))


@lru_cache(maxsize=4)
def _ring(records: str) -> KeyRing:
    return key_ring(json.loads(records))


def key_problems(records: Any) -> list[str]:
    """What is wrong with the key records, for the system check (nothing: [])."""
    if not isinstance(records, list):
        return ["KASIPODAQ_CARD_KEYS must be a JSON list of key records."]
    problems: list[str] = []
    seen: set[str] = set()
    for at, record in enumerate(records):
        key_id = record.get("id") if isinstance(record, dict) else None
        if not isinstance(key_id, str) or not key_id:
            problems.append(f"Key record {at} has no id.")
            continue
        if not key_id.isascii() or len(key_id) > MAX_KEY_ID:
            problems.append(f"Key id {key_id!r} is not ASCII of at most 16 characters.")
        if key_id in seen:
            problems.append(f"Key id {key_id!r} appears twice.")
        seen.add(key_id)
        try:
            key_ring([record])
        except (KeyError, ValueError, TypeError):
            problems.append(
                f"Key {key_id!r} is not a 32-byte Ed25519 seed in base64url."
            )
    if records and all(isinstance(r, dict) and r.get("retired") for r in records):
        problems.append("Every card key is retired: none is left to sign new cards.")
    return problems
