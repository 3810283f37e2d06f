"""`kasipodaq import-salaries FILE --org CODE`: an employer's list of salaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.core.errors import DomainError
from kasipodaq.dues.services.salaries import SalaryListRefused, import_salaries
from kasipodaq.registry.services.exporting import find_export_root


class Command(BaseCommand):
    help = (
        "Record an employer's list of salaries (IIN, month, salary; XLSX, XLS, ODS "
        "or CSV) for the members under an organization: every line is checked "
        "first, and nothing is recorded unless every line is good. Recording the "
        "same list again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--org",
            metavar="CODE",
            required=True,
            help="the organization whose members the list names",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file «%(path)s».") % {"path": path})
        try:
            salaries = import_salaries(
                actor=None,
                unit=find_export_root(code=options["org"]),
                path=path,
                original_name=path.name,
            )
        except SalaryListRefused as exc:
            for problem in exc.problems:
                self.stderr.write(
                    _("line %(line)s, %(column)s: %(message)s") % problem.as_json()
                )
            raise CommandError(str(exc)) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "Salaries recorded from %(lines)s lines: new %(created)s, changed "
                "%(updated)s, unchanged %(unchanged)s (list %(id)s)."
            )
            % {
                "lines": salaries.lines,
                "created": salaries.created,
                "updated": salaries.updated,
                "unchanged": salaries.unchanged,
                "id": salaries.pk,
            }
        )
