"""Production: everything secret comes from the environment; HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from kasipodaq.cards.keys import key_problems

from .base import *  # noqa: F403
from .base import (
    KASIPODAQ_CARD_KEYS,
    KASIPODAQ_CARD_PAYMENTS,
    KASIPODAQ_PAYMENT_PROVIDER,
    SECRET_KEY,
    env_bool,
)

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production")
if not KASIPODAQ_CARD_KEYS:
    raise ImproperlyConfigured(
        "KASIPODAQ_CARD_KEYS must be set in production (kasipodaq new-card-key)"
    )
# A malformed key would otherwise first show as errors of the public check: the
# servers run no system checks (`kasipodaq check` reports it as cards.E001 too).
_key_problems = key_problems(KASIPODAQ_CARD_KEYS)
if _key_problems:
    raise ImproperlyConfigured(" ".join(_key_problems))
if KASIPODAQ_CARD_PAYMENTS and not KASIPODAQ_PAYMENT_PROVIDER:
    raise ImproperlyConfigured(
        "KASIPODAQ_PAYMENT_PROVIDER must be set when KASIPODAQ_CARD_PAYMENTS is on"
    )

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
