"""What the import commands share: options, the progress line, the outcome.

`kasipodaq import-… FILE [--dry-run] [--valid-rows-only] [--report PATH]` runs
the same job the import page runs, as the system (everywhere in the tree), with the
columns recognised from the headers. Rows with problems make it exit non-zero,
naming the error report it wrote (by default beside the file).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasipodaq.core.errors import DomainError
from kasipodaq.registry.imports.pipeline import CHECKING, READING, WRITING
from kasipodaq.registry.imports.report import write_report
from kasipodaq.registry.models import ImportJob, ImportMode, ImportStatus
from kasipodaq.registry.services.imports import (
    confirm_import,
    field_label,
    missing_fields,
    open_import,
    result_lines,
    run_import,
)


class ImportCommand(BaseCommand):
    kind: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="an XLSX, XLS, ODS or CSV file")
        modes = parser.add_mutually_exclusive_group()
        modes.add_argument(
            "--dry-run",
            action="store_true",
            help="check every row and report, but write nothing",
        )
        modes.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="import the valid rows and leave out those with problems "
            "(by default one problem means nothing is imported)",
        )
        parser.add_argument(
            "--report",
            metavar="PATH",
            help="where to write the error report (default: FILE.errors.xlsx)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["dry_run"]:
            mode = ImportMode.CHECK
        elif options["valid_rows_only"]:
            mode = ImportMode.VALID_ROWS
        else:
            mode = ImportMode.ALL_OR_NOTHING
        try:
            job = open_import(
                actor=None, kind=self.kind, source=path, original_name=path.name
            )
            missing = missing_fields(job)
            if missing:
                raise CommandError(
                    _(
                        "The file has no column for: %(fields)s. Its headers are: "
                        "%(headers)s."
                    )
                    % {
                        "fields": ", ".join(field_label(f) for f in missing),
                        "headers": ", ".join(job.headers),
                    }
                )
            confirm_import(
                actor=None, job=job, mapping=job.mapping, mode=mode, run=lambda pk: None
            )
        except FileNotFoundError:
            raise CommandError(
                _("There is no file «%(path)s».") % {"path": path}
            ) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        run_import(job, progress=self.show_progress)
        self.finish(job, Path(options["report"] or f"{path}.errors.xlsx"))

    def show_progress(self, phase: str, rows_read: int) -> None:
        labels = {
            READING: _("reading"),
            CHECKING: _("checking"),
            WRITING: _("writing"),
        }
        line = _("%(phase)s — rows read: %(rows)s") % {
            "phase": labels.get(phase, phase),
            "rows": number_format(rows_read, force_grouping=True),
        }
        if sys.stderr.isatty():
            self.stderr.write("\r" + line.ljust(60), ending="")
            self.stderr.flush()
        else:
            self.stderr.write(line)

    def finish(self, job: ImportJob, report_path: Path) -> None:
        if sys.stderr.isatty():
            self.stderr.write("")
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.error)
        if job.rows_rejected:
            write_report(job, str(report_path))
            outcome = (
                _("the valid rows were imported.")
                if job.status == ImportStatus.DONE
                else _("nothing was imported.")
            )
            raise CommandError(
                ngettext(
                    "%(rejected)s row of %(rows)s has problems; %(outcome)s The error "
                    "report is in %(report)s.",
                    "%(rejected)s rows of %(rows)s have problems; %(outcome)s The "
                    "error report is in %(report)s.",
                    job.rows_rejected,
                )
                % {
                    "rejected": number_format(job.rows_rejected, force_grouping=True),
                    "rows": number_format(job.rows_read, force_grouping=True),
                    "outcome": outcome,
                    "report": report_path,
                }
            )
        if job.status == ImportStatus.CHECKED:
            self.stdout.write(
                ngettext(
                    "%(rows)s row checked: no problems found; nothing was written.",
                    "%(rows)s rows checked: no problems found; nothing was written.",
                    job.rows_read,
                )
                % {"rows": number_format(job.rows_read, force_grouping=True)}
            )
            return
        self.stdout.write(
            ngettext(
                "%(rows)s row imported: %(result)s.",
                "%(rows)s rows imported: %(result)s.",
                job.rows_read,
            )
            % {
                "rows": number_format(job.rows_read, force_grouping=True),
                "result": describe_result(job.result),
            }
        )


def describe_result(result: dict[str, int]) -> str:
    """The counts of a finished import, in words."""
    return ", ".join(
        f"{label} {number_format(value, force_grouping=True)}"
        for label, value in result_lines(result)
    )
