from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportingConfig(AppConfig):
    name = "kasipodaq.reporting"
    label = "reporting"

    def ready(self) -> None:
        post_migrate.connect(_install_shipped_forms, sender=self)


def _install_shipped_forms(using: str = "default", **kwargs: Any) -> None:
    """Every install has the union's report forms: each shipped one it lacks is
    added after `migrate` (an edited form is never overwritten)."""
    from .services.forms import install_shipped_forms

    install_shipped_forms()
