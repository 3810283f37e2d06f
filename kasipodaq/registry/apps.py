from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kasipodaq.registry"
    label = "registry"
