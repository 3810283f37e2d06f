from typing import Any

from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "kasipodaq.dues"
    label = "dues"

    def ready(self) -> None:
        from kasipodaq.audit.labels import label_with
        from kasipodaq.registry.signals import demo_built

        from .models import Charge, Payment

        label_with(Payment, Charge)
        demo_built.connect(_demo_dues, dispatch_uid="dues.demo_built")


def _demo_dues(step: Any, **kwargs: Any) -> None:
    """The demo union pays dues too."""
    from .demo import build_demo_dues

    build_demo_dues(step)
