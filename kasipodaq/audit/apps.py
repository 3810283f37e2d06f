from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kasipodaq.audit"
    label = "audit"
