from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "kasipodaq.access"
    label = "access"
