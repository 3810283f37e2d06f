"""Celery application: Redis in production, inline on the embedded default."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kasipodaq")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
