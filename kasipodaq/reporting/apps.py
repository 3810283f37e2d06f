from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportingConfig(AppConfig):
    name = "kasipodaq.reporting"
    label = "reporting"

    def ready(self) -> None:
        from kasipodaq.orgtree.signals import unit_opened

        post_migrate.connect(_install_shipped_forms, sender=self)
        unit_opened.connect(_ask_for_reports, dispatch_uid="reporting.unit_opened")


def _install_shipped_forms(using: str = "default", **kwargs: Any) -> None:
    """Every install has the union's report forms: each shipped one it lacks is
    added after `migrate` (an edited form is never overwritten)."""
    from .services.forms import install_shipped_forms

    install_shipped_forms()


def _ask_for_reports(unit: Any, **kwargs: Any) -> None:
    """An organization opened while campaigns run is asked for their reports too."""
    from .services.campaigns import ask_new_unit

    ask_new_unit(unit)
