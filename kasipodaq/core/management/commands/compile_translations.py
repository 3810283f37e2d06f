from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kasipodaq.core.translations import catalogs, compile_catalog


class Command(BaseCommand):
    help = "Compile the Russian, Kazakh and English catalogs (no GNU gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in catalogs(Path(locale_dir)):
                compile_catalog(po_path)
                count += 1
        self.stdout.write(f"{count} catalogs compiled")
