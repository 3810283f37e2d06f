"""`kasipodaq export-dues --org CODE --from YYYY-MM --to YYYY-MM --format csv|1c
--output FILE`: a unit's dues money for its accounting system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.core.errors import DomainError
from kasipodaq.dues.exports_1c import FORMATS
from kasipodaq.dues.forms_transfers import ExportForm
from kasipodaq.dues.services.exports import export_dues
from kasipodaq.registry.services.exporting import find_export_root


class Command(BaseCommand):
    help = (
        "Write the dues an organization received and its transfers between levels "
        "in a period (months inclusive) as CSV or as a 1C bank exchange file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", metavar="CODE", required=True)
        parser.add_argument("--from", dest="start", metavar="YYYY-MM", required=True)
        parser.add_argument("--to", dest="end", metavar="YYYY-MM", required=True)
        parser.add_argument("--format", choices=FORMATS, required=True)
        parser.add_argument(
            "--account", default="", help="the organization's bank account (IBAN)"
        )
        parser.add_argument("--output", metavar="FILE", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        form = ExportForm(
            {
                "start": options["start"],
                "end": options["end"],
                "format": options["format"],
                "account": options["account"],
            }
        )
        if not form.is_valid():
            raise CommandError(
                " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        start, end = form.period()
        output = Path(options["output"])
        try:
            unit = find_export_root(code=options["org"])
            content = export_dues(
                actor=None,
                unit=unit,
                start=start,
                end=end,
                file_format=form.cleaned_data["format"],
                account=form.cleaned_data["account"],
                note=str(output),
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        output.write_bytes(content)
        self.stdout.write(
            _("%(file)s: %(bytes)s bytes.")
            % {"file": str(output), "bytes": len(content)}
        )
