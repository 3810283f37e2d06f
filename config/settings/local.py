"""The embedded default: SQLite, inline background work, development conveniences."""

from .base import *  # noqa: F403
from .base import DATA_DIR, KASIPODAQ_CARD_KEYS, SECRET_KEY, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "kasipodaq-local-development-key-not-for-production"
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
# A fixed key so that the demo's cards stay verifiable across restarts; it is
# public in this file, so it signs nothing in production.
KASIPODAQ_CARD_KEYS = KASIPODAQ_CARD_KEYS or [
    {"id": "dev1", "private": "jaCMUNlLJCczNHxXxocCy5eQhCTWXmHNPO0Rq2DDCXI"}
]
