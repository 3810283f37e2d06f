from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kasipodaq.core"
    label = "core"
