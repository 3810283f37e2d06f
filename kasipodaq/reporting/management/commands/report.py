"""`kasipodaq report FORM --period YEAR --org CODE --format xlsx|json -o FILE`: an
organization's report of a year in the union's layout; `kasipodaq report --list`:
the forms."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.core.errors import DomainError
from kasipodaq.reporting.exchange.layout_rows import (
    FILE_LANGUAGES,
    PrintedReport,
    as_json,
    find_printed_report,
)
from kasipodaq.reporting.exchange.xlsx import write_report_xlsx
from kasipodaq.reporting.selectors import list_report_forms

FORMATS = ("xlsx", "json")
STDOUT = "-"


class Command(BaseCommand):
    help = (
        "Write an organization's report of a year, its figures rolled up from the "
        "organizations below, as XLSX in the union's layout or as JSON; or list the "
        "report forms. The report is the year's campaign's; a form computed wholly "
        "from the registry can also be written for a year without a campaign."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("form", nargs="?", default="", help="the form's code")
        parser.add_argument("--list", action="store_true", help="list the forms")
        parser.add_argument("--period", type=int, metavar="YEAR", help="the year")
        parser.add_argument("--org", metavar="CODE", default="", help="organization")
        parser.add_argument(
            "--format", choices=FORMATS, help="xlsx or json (default: FILE's extension)"
        )
        parser.add_argument(
            "--language", choices=tuple(FILE_LANGUAGES), default="ru", help="ru or kk"
        )
        parser.add_argument(
            "--children",
            action="store_true",
            help="add a column for each organization directly below",
        )
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            default="",
            help="where to write; - is stdout (JSON)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for form in list_report_forms():
                self.stdout.write(f"{form.code}\t{form.name}")
            return
        form, year, org = options["form"], options["period"], options["org"]
        output = options["output"]
        if not form or year is None or not org or not output:
            raise CommandError(
                _(
                    "Give the form's code, --period YEAR, --org CODE and -o FILE "
                    "(or --list for the forms)."
                )
            )
        file_format = options["format"] or _format_of(output)
        try:
            printed = find_printed_report(
                form_code=form,
                year=year,
                org_code=org,
                language=options["language"],
                children=options["children"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if output == STDOUT:
            if file_format != "json":
                raise CommandError(
                    _("Only JSON can be written to the standard output.")
                )
            self.stdout.write(_json_text(printed))
            return
        path = Path(output)
        try:
            _write(printed, path, file_format)
        except OSError as exc:
            raise CommandError(
                _("Cannot write «%(path)s»: %(error)s")
                % {"path": path, "error": exc.strerror or exc}
            ) from None
        self.stdout.write(
            _("The report of %(org)s for %(year)s is written to %(path)s.")
            % {"org": printed.organization.name, "year": year, "path": path}
        )


def _format_of(output: str) -> str:
    suffix = Path(output).suffix.lower().lstrip(".")
    if output == STDOUT:
        return "json"
    if suffix not in FORMATS:
        raise CommandError(
            _("Say --format xlsx or json: the file's name does not tell which.")
        )
    return suffix


def _json_text(printed: PrintedReport) -> str:
    return json.dumps(as_json(printed), ensure_ascii=False, indent=2)


def _write(printed: PrintedReport, path: Path, file_format: str) -> None:
    """Write beside `path` under a temporary name and rename when complete, so a
    failure leaves no truncated file."""
    handle, partial = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        if file_format == "json":
            with open(handle, "w", encoding="utf-8") as out:
                out.write(_json_text(printed) + "\n")
        else:
            os.close(handle)
            write_report_xlsx(printed, partial)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
