"""`kasipodaq export-orgs FILE [--org CODE]`: the organization tree to a file."""

from __future__ import annotations

from pathlib import Path

from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.management.exporting import ExportCommand
from kasipodaq.registry.services.exporting import export_orgs_file


class Command(ExportCommand):
    help = (
        "Write every organization, closed ones too, parents first, to a CSV or "
        "XLSX file that import-orgs reads."
    )
    org_help = "only this organization and those below it"

    def export(self, *, path: Path, root: OrgUnit | None) -> int:
        return export_orgs_file(path=path, root=root)
