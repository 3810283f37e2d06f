"""The signed token a card's QR code carries, and checking it with public keys alone.

A token is the card's facts packed in a few dozen bytes and signed with Ed25519,
written in URL-safe base64 without padding so that it fits a short URL and a small
QR code:

    version (1) | key id (1 + n) | card number (5) | serial (2) | issued on (2,
    days since 2000-01-01) | organization code (1 + n) | initials (1 + n) |
    signature (64)

The key id names the key that signed it, so keys can rotate: new cards are signed
with the newest key, and an older public key keeps verifying the cards it signed
until it is retired. Checking needs only the public keys (``KeyRing.public``), so
it works offline. Every fault — not base64, cut short, unknown or retired key,
changed bytes — is one ``InvalidToken``, with a reason for logs, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = 1
EPOCH = dt.date(2000, 1, 1)
SIGNATURE_BYTES = 64
# Longer tokens are refused before any work: no genuine one comes near it.
MAX_TOKEN_CHARS = 400


class InvalidToken(Exception):
    """The token is not a card's: `reason` says why, for logs only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CardFacts:
    """What a token says: enough to show on the verification page offline."""

    number: str  # ten digits
    serial: int
    issued_on: dt.date
    org_code: str
    initials: str


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()


@dataclass(frozen=True)
class KeyRing:
    """The key that signs new cards and the public keys that verify old ones."""

    signing: SigningKey | None
    public: dict[str, Ed25519PublicKey]

    def sign(self, facts: CardFacts) -> str:
        if self.signing is None:
            raise InvalidToken("no signing key")
        payload = encode(facts, self.signing.key_id)
        return _b64(payload + self.signing.private.sign(payload))

    def verify(self, token: str) -> tuple[str, CardFacts]:
        """The key id and the facts of a genuine token; InvalidToken otherwise."""
        return verify(token, self.public)

    def published(self) -> list[dict[str, str]]:
        """The public keys as JSON-ready records (key id, raw key in base64url)."""
        return [
            {"kid": key_id, "kty": "OKP", "crv": "Ed25519", "x": _b64(raw_public(key))}
            for key_id, key in sorted(self.public.items())
        ]


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_from(text: str) -> Ed25519PublicKey:
    """A public key from its raw bytes in base64url (as `published` writes it)."""
    return Ed25519PublicKey.from_public_bytes(_unb64(text))


def private_key_from(text: str) -> Ed25519PrivateKey:
    """A private key from its 32-byte seed in base64url."""
    return Ed25519PrivateKey.from_private_bytes(_unb64(text))


def new_private_key_text() -> str:
    """A fresh private key's seed in base64url, for settings."""
    from cryptography.hazmat.primitives.serialization import (
        NoEncryption,
        PrivateFormat,
    )

    seed = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return _b64(seed)


def encode(facts: CardFacts, key_id: str) -> bytes:
    """The signed part of a token."""
    days = (facts.issued_on - EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise ValueError("issue date out of range")
    return b"".join(
        [
            bytes([VERSION]),
            _short(key_id.encode("ascii")),
            int(facts.number).to_bytes(5, "big"),
            struct.pack(">HH", facts.serial, days),
            _short(facts.org_code.encode("utf-8")),
            _short(facts.initials.encode("utf-8")),
        ]
    )


def verify(token: str, public: dict[str, Ed25519PublicKey]) -> tuple[str, CardFacts]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("size")
    try:
        raw = _unb64(token)
    except (ValueError, binascii.Error):
        raise InvalidToken("not base64") from None
    if len(raw) <= SIGNATURE_BYTES:
        raise InvalidToken("too short")
    payload, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    key_id, facts = decode(payload)
    key = public.get(key_id)
    if key is None:
        raise InvalidToken("unknown or retired key")
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        raise InvalidToken("bad signature") from None
    return key_id, facts


def decode(payload: bytes) -> tuple[str, CardFacts]:
    """The key id and facts of a token's signed part; InvalidToken when malformed."""
    reader = _Reader(payload)
    if reader.take(1)[0] != VERSION:
        raise InvalidToken("version")
    try:
        key_id = reader.short().decode("ascii")
        number = int.from_bytes(reader.take(5), "big")
        serial, days = struct.unpack(">HH", reader.take(4))
        org_code = reader.short().decode("utf-8")
        initials = reader.short().decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidToken("text") from None
    reader.end()
    if number >= 10**10:
        raise InvalidToken("number")
    return key_id, CardFacts(
        number=f"{number:010d}",
        serial=serial,
        issued_on=EPOCH + dt.timedelta(days=days),
        org_code=org_code,
        initials=initials,
    )


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise InvalidToken("cut short")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def short(self) -> bytes:
        return self.take(self.take(1)[0])

    def end(self) -> None:
        if self.at != len(self.data):
            raise InvalidToken("trailing bytes")


def _short(data: bytes) -> bytes:
    if len(data) > 0xFF:
        raise ValueError("field too long")
    return bytes([len(data)]) + data


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not ascii")
    padded = text + "=" * (-len(text) % 4)
    # Strict: a character outside the alphabet is a fault, not something to skip.
    return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)


def key_ring(
    keys: Iterable[dict[str, object]],
) -> KeyRing:
    """A ring from settings records: {"id", "private" (seed, base64url), "retired"}.

    The first key not retired signs; every key not retired verifies.
    """
    signing: SigningKey | None = None
    public: dict[str, Ed25519PublicKey] = {}
    for record in keys:
        if record.get("retired"):
            continue
        key_id = str(record["id"])
        private = private_key_from(str(record["private"]))
        public[key_id] = private.public_key()
        if signing is None:
            signing = SigningKey(key_id, private)
    return KeyRing(signing=signing, public=public)
