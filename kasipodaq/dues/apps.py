from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "kasipodaq.dues"
    label = "dues"

    def ready(self) -> None:
        from kasipodaq.audit.labels import label_with

        from .models import Charge, Payment

        label_with(Payment, Charge)
