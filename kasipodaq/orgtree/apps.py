from django.apps import AppConfig


class OrgtreeConfig(AppConfig):
    name = "kasipodaq.orgtree"
    label = "orgtree"
