"""Settings for the test suite: fast hashing, the database from DATABASE_URL."""

from .base import *  # noqa: F403
from .base import DATA_DIR

SECRET_KEY = "kasipodaq-test-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
KASIPODAQ_CARD_KEYS = [
    {"id": "t2", "private": "DMjqRmHbJPS865EXH9zzeuCd76Q5yEtWSCbgVVkEQ0Y"},
    {"id": "t1", "private": "pjnSHgKhVE0DDpN6sSm_rQzbdi4DBuqiYKGnphXQL_E"},
]
