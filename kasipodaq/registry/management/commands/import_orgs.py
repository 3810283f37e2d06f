"""`kasipodaq import-orgs FILE [--dry-run] [--valid-rows-only] [--report PATH]`."""

from __future__ import annotations

from kasipodaq.registry.management.importing import ImportCommand
from kasipodaq.registry.models import ImportKind


class Command(ImportCommand):
    help = (
        "Import an organization file (XLSX, XLS, ODS or CSV): every row is "
        "checked first, and by default nothing is written unless every row is "
        "valid."
    )
    kind = ImportKind.ORGS
