from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kasipodaq.core"
    label = "core"

    def ready(self) -> None:
        # Registers the `one_of` lookup on every field.
        from . import value_lists  # noqa: F401
