from typing import Any

from django.apps import AppConfig
from django.core import checks


class DuesConfig(AppConfig):
    name = "kasipodaq.dues"
    label = "dues"

    def ready(self) -> None:
        from kasipodaq.audit.labels import label_with
        from kasipodaq.registry.signals import demo_built

        from .models import CardSubscription, Charge, Payment

        label_with(Payment, Charge, CardSubscription)
        checks.register(_check_payment_provider)
        demo_built.connect(_demo_dues, dispatch_uid="dues.demo_built")


def _demo_dues(step: Any, **kwargs: Any) -> None:
    """The demo union pays dues too."""
    from .demo import build_demo_dues

    build_demo_dues(step)


def _check_payment_provider(**kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed payment provider fails `kasipodaq check`, not the first payment."""
    from django.conf import settings

    from .providers.cloudpayments import provider_problems

    config = getattr(settings, "KASIPODAQ_PAYMENT_PROVIDER", None)
    if not config:
        if getattr(settings, "KASIPODAQ_CARD_PAYMENTS", False):
            return [
                checks.Error(
                    "KASIPODAQ_CARD_PAYMENTS is on but KASIPODAQ_PAYMENT_PROVIDER "
                    "is not set.",
                    id="kasipodaq.dues.E001",
                )
            ]
        return []
    return [
        checks.Error(problem, id="kasipodaq.dues.E002")
        for problem in provider_problems(config)
    ]
