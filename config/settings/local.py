"""The embedded default: SQLite, inline background work, development conveniences."""

from .base import *  # noqa: F403
from .base import DATA_DIR, SECRET_KEY, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "kasipodaq-local-development-key-not-for-production"
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
