from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kasipodaq.api"
    label = "api"
