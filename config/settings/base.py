"""Settings shared by every environment, read from the process environment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("KASIPODAQ_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "kasipodaq.core",
    "kasipodaq.accounts",
    "kasipodaq.orgtree",
    "kasipodaq.access",
    "kasipodaq.audit",
    "kasipodaq.registry",
    "kasipodaq.reporting",
    "kasipodaq.cards",
    "kasipodaq.dues",
    "kasipodaq.budget",
    "kasipodaq.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kasipodaq" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kasipodaq.access.context_processors.actor",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kasipodaq.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's username-and-password backend, refusing accounts locked after failures.
AUTHENTICATION_BACKENDS = ["kasipodaq.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "orgs:tree"
LOGOUT_REDIRECT_URL = "accounts:sign-in"
_PV = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_PV}.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{_PV}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": f"{_PV}.CommonPasswordValidator"},
    {"NAME": f"{_PV}.NumericPasswordValidator"},
]
# Sign-in lock-out: this many failed attempts lock the account for this many minutes.
KASIPODAQ_LOCKOUT_ATTEMPTS = int(os.environ.get("KASIPODAQ_LOCKOUT_ATTEMPTS", "5"))
KASIPODAQ_LOCKOUT_MINUTES = int(os.environ.get("KASIPODAQ_LOCKOUT_MINUTES", "15"))
KASIPODAQ_TOTP_ISSUER = os.environ.get("KASIPODAQ_TOTP_ISSUER", "Kasipodaq")

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "kasipodaq" / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Almaty")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "kasipodaq" / "static"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Mail goes through the SMTP server of EMAIL_HOST; without one (the embedded
# default) messages are written to the console instead.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Kasipodaq <no-reply@kasipodaq.local>"
)
# Where links in messages point.
KASIPODAQ_BASE_URL = os.environ.get("KASIPODAQ_BASE_URL", "http://127.0.0.1:8000")

# Membership cards. The keys that sign and verify cards' QR tokens, as JSON:
# [{"id": "k1", "private": "<32-byte seed, base64url>", "retired": false}, …]
# (`kasipodaq new-card-key` makes one). The first key not retired signs new
# cards; every key not retired verifies the cards it signed.
KASIPODAQ_CARD_KEYS = json.loads(os.environ.get("KASIPODAQ_CARD_KEYS") or "[]")
# How many checks of cards one client may make per minute on the public page.
KASIPODAQ_CARD_CHECKS_PER_MINUTE = int(
    os.environ.get("KASIPODAQ_CARD_CHECKS_PER_MINUTE", "60")
)
# The request header that carries the client's address when a proxy stands in
# front (e.g. HTTP_X_REAL_IP); empty: the connection's own address.
KASIPODAQ_CLIENT_ADDRESS_HEADER = os.environ.get("KASIPODAQ_CLIENT_ADDRESS_HEADER", "")
# Months of dues overdue per person, for suspending cards: the dotted path of a
# callable (person_ids, on) -> {person_id: months}; empty: cards never suspend.
KASIPODAQ_ARREARS_SOURCE = os.environ.get(
    "KASIPODAQ_ARREARS_SOURCE", "kasipodaq.dues.arrears.months_overdue"
)
# Members this many months overdue are reminded by email (`remind-arrears`), at
# most once in so many days. Two, not one: an employer's payroll list of a month
# arrives in the next one.
KASIPODAQ_ARREARS_REMINDER_MONTHS = int(
    os.environ.get("KASIPODAQ_ARREARS_REMINDER_MONTHS", "2")
)
KASIPODAQ_ARREARS_REMINDER_DAYS = int(
    os.environ.get("KASIPODAQ_ARREARS_REMINDER_DAYS", "30")
)

# Dues by bank card through CloudPayments. The provider as JSON:
# {"api_url": "https://api.cloudpayments.ru", "public_id": "…", "api_secret": "…"}
# (`kasipodaq payment-simulator` stands in for it locally). Production requires it
# when KASIPODAQ_CARD_PAYMENTS is on.
KASIPODAQ_CARD_PAYMENTS = env_bool("KASIPODAQ_CARD_PAYMENTS", False)
KASIPODAQ_PAYMENT_PROVIDER = json.loads(
    os.environ.get("KASIPODAQ_PAYMENT_PROVIDER") or "{}"
)
# Members are told this many days before their card is charged.
KASIPODAQ_CARD_NOTICE_DAYS = int(os.environ.get("KASIPODAQ_CARD_NOTICE_DAYS", "3"))

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
# Without a broker the embedded default runs background work inline.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# What Celery beat runs (`celery -A config beat`): the day's reminders of late
# reports. Without beat, cron can run `kasipodaq remind-reports` instead.
CELERY_BEAT_SCHEDULE = {
    "remind-late-reports": {
        "task": "kasipodaq.reporting.tasks.remind_late_reports",
        "schedule": crontab(hour=9, minute=0),
    },
    # Card charges of the day (`kasipodaq charge-subscriptions` from cron instead).
    "charge-card-subscriptions": {
        "task": "kasipodaq.dues.tasks.charge_subscriptions_task",
        "schedule": crontab(hour=8, minute=0),
    },
    # Members in arrears (`kasipodaq remind-arrears` from cron instead): each at
    # most once in KASIPODAQ_ARREARS_REMINDER_DAYS.
    "remind-arrears": {
        "task": "kasipodaq.dues.tasks.remind_arrears_task",
        "schedule": crontab(hour=10, minute=0),
    },
}
CELERY_TIMEZONE = TIME_ZONE

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "hide_card_tokens": {"()": "kasipodaq.cards.log_filters.HideCardTokens"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["hide_card_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
