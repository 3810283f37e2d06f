"""Signed card tokens: what they carry, key rotation, and every kind of forgery."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasipodaq.cards.numbers import make_number
from kasipodaq.cards.tokens import (
    MAX_TOKEN_CHARS,
    CardFacts,
    InvalidToken,
    KeyRing,
    key_ring,
    new_private_key_text,
    public_key_from,
    verify,
)

FACTS = CardFacts(
    number=make_number("35", 1234),
    serial=2,
    issued_on=dt.date(2026, 11, 24),
    org_code="35-01-017",
    initials="А. Н.",
)
OLD, NEW = new_private_key_text(), new_private_key_text()


def ring(*keys: tuple[str, str, bool]) -> KeyRing:
    return key_ring({"id": i, "private": p, "retired": r} for i, p, r in keys)


def test_a_token_carries_the_cards_facts_and_its_key() -> None:
    keys = ring(("2026a", NEW, False))
    token = keys.sign(FACTS)
    assert len(token) < 160  # a small QR code and a short URL
    assert keys.verify(token) == ("2026a", FACTS)


def test_old_keys_verify_their_cards_until_retired() -> None:
    """After rotation the new key signs; the old key's cards stay valid until the
    old key is retired, then they are refused."""
    before = ring(("2025a", OLD, False)).sign(FACTS)
    rotated = ring(("2026a", NEW, False), ("2025a", OLD, False))
    assert rotated.verify(before)[0] == "2025a"
    assert rotated.verify(rotated.sign(FACTS))[0] == "2026a"
    retired = ring(("2026a", NEW, False), ("2025a", OLD, True))
    with pytest.raises(InvalidToken, match="unknown or retired"):
        retired.verify(before)


def test_the_public_keys_alone_verify_offline() -> None:
    keys = ring(("2026a", NEW, False))
    published = keys.published()
    public = {record["kid"]: public_key_from(record["x"]) for record in published}
    assert verify(keys.sign(FACTS), public) == ("2026a", FACTS)
    assert "private" not in str(published)


def test_a_token_signed_by_another_key_under_the_same_id_is_refused() -> None:
    forged = ring(("2026a", OLD, False)).sign(FACTS)
    with pytest.raises(InvalidToken, match="bad signature"):
        ring(("2026a", NEW, False)).verify(forged)


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_any_changed_byte_is_refused(position: int, xor: int) -> None:
    keys = ring(("2026a", NEW, False))
    raw = bytearray(base64.urlsafe_b64decode(keys.sign(FACTS) + "=="))
    position %= len(raw)
    if xor == 0:
        return
    raw[position] ^= xor
    changed = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        keys.verify(changed)


def test_a_genuine_token_with_a_stray_character_is_refused() -> None:
    keys = ring(("2026a", NEW, False))
    token = keys.sign(FACTS)
    with pytest.raises(InvalidToken):
        keys.verify(token[:10] + "!" + token[10:])


@given(st.text(max_size=MAX_TOKEN_CHARS + 10))
def test_garbage_is_refused_and_never_crashes(text: str) -> None:
    with pytest.raises(InvalidToken):
        ring(("2026a", NEW, False)).verify(text)
