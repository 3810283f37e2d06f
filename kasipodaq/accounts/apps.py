from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kasipodaq.accounts"
    label = "accounts"
