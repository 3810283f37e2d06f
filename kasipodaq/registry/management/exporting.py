"""What the export commands share: the arguments, the refusals, the summary."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasipodaq.core.errors import DomainError
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.services.exporting import find_export_root


class ExportCommand(BaseCommand, metaclass=ABCMeta):
    """`kasipodaq export-… FILE [--org CODE]`: the format is FILE's extension.

    A refusal (an unknown code, a file name of another format, a directory that
    cannot be written) ends the command with its message and no file.
    """

    org_help: str

    @abstractmethod
    def export(self, *, path: Path, root: OrgUnit | None) -> int:
        """Write the file; the rows written."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="where to write: a name ending in .csv or .xlsx"
        )
        parser.add_argument("--org", metavar="CODE", default="", help=self.org_help)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        code = options["org"]
        try:
            root = find_export_root(code=code) if code else None
            rows = self.export(path=path, root=root)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(
                _("Cannot write «%(path)s»: %(error)s")
                % {"path": path, "error": exc.strerror or exc}
            ) from None
        self.stdout.write(
            ngettext(
                "%(count)s row written to %(path)s.",
                "%(count)s rows written to %(path)s.",
                rows,
            )
            % {"count": rows, "path": path}
        )
