"""`kasipodaq export-members FILE [--org CODE]`: the membership history to a file."""

from __future__ import annotations

from pathlib import Path

from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.management.exporting import ExportCommand
from kasipodaq.registry.services.exporting import export_members_file


class Command(ExportCommand):
    help = (
        "Write every membership period, ended ones too, of the registry's members "
        "to a CSV or XLSX file that import-members reads; the export is recorded "
        "in the audit trail."
    )
    org_help = (
        "only the people whose membership is in this organization or below it, "
        "with their whole history"
    )

    def export(self, *, path: Path, root: OrgUnit | None) -> int:
        return export_members_file(path=path, root=root)
