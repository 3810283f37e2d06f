"""The embedded default: SQLite, inline background work, development conveniences."""

import base64
import json
import secrets
from pathlib import Path

from .base import *  # noqa: F403
from .base import (
    DATA_DIR,
    KASIPODAQ_CARD_KEYS,
    KASIPODAQ_PAYMENT_PROVIDER,
    SECRET_KEY,
    env_bool,
)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "kasipodaq-local-development-key-not-for-production"
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)


def _own_card_keys(path: Path) -> list[dict[str, object]]:
    """This install's signing key, made on its first start and kept in the data
    folder, so that its cards stay verifiable across restarts and no other install
    (nor anyone reading this file) can sign them."""
    if path.exists():
        keys: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
        return keys
    seed = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    keys = [{"id": "local1", "private": seed}]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(keys), encoding="utf-8")
    return keys


KASIPODAQ_CARD_KEYS = KASIPODAQ_CARD_KEYS or _own_card_keys(DATA_DIR / "card-keys.json")


def _simulated_provider(path: Path) -> dict[str, str]:
    """The local payment simulator's credentials (`kasipodaq payment-simulator`,
    which `scripts/serve.sh` starts on port 8100), made on the first start and
    kept in the data folder like the card keys."""
    if not path.exists():
        secret = secrets.token_urlsafe(24)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps({"api_secret": secret}), encoding="utf-8")
    kept = json.loads(path.read_text(encoding="utf-8"))
    return {
        "api_url": "http://127.0.0.1:8100",
        "public_id": "pk_local_simulator",
        "api_secret": kept["api_secret"],
    }


# Card payments go to the local simulator unless a provider is configured.
KASIPODAQ_PAYMENT_PROVIDER = KASIPODAQ_PAYMENT_PROVIDER or _simulated_provider(
    DATA_DIR / "payment-simulator.json"
)
KASIPODAQ_CARD_PAYMENTS = env_bool("KASIPODAQ_CARD_PAYMENTS", True)
