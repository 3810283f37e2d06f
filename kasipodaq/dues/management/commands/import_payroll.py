"""`kasipodaq import-payroll FILE [--matched-only]`: an employer's list of dues."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kasipodaq.core.errors import DomainError
from kasipodaq.dues.models import LineOutcome, PayrollStatus
from kasipodaq.dues.money import to_tenge
from kasipodaq.dues.services.payroll import import_payroll
from kasipodaq.registry.services.exporting import unit_or_union


class Command(BaseCommand):
    help = (
        "Record an employer's payroll list of dues (IIN, month, amount; XLSX, XLS, "
        "ODS or CSV): every line is checked first, and nothing is recorded unless "
        "every line is good. The same file is never recorded twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--org",
            metavar="CODE",
            default="",
            help="the organization whose members the list pays (default: the union)",
        )
        parser.add_argument(
            "--matched-only",
            action="store_true",
            help="record the lines of known members and report the unknown IINs",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file «%(path)s».") % {"path": path})
        try:
            unit = unit_or_union(options["org"])
            payroll = import_payroll(
                actor=None,
                unit=unit,
                path=path,
                original_name=path.name,
                matched_only=options["matched_only"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if payroll.status == PayrollStatus.REFUSED:
            for problem in payroll.problems:
                self.stderr.write(_("line %(line)s, %(column)s: %(message)s") % problem)
            raise CommandError(
                _("The list was refused: nothing was recorded (list %(id)s).")
                % {"id": payroll.pk}
            )
        self.stdout.write(
            _("Payments recorded: %(paid)s, total %(total)s tenge (list %(id)s).")
            % {
                "paid": payroll.paid,
                "total": number_format(
                    to_tenge(payroll.total_tiyn), 2, force_grouping=True
                ),
                "id": payroll.pk,
            }
        )
        for outcome in (
            LineOutcome.OVER,
            LineOutcome.UNDER,
            LineOutcome.NOT_CHARGED,
            LineOutcome.UNKNOWN,
        ):
            count = payroll.outcomes.get(outcome.value, 0)
            if count:
                self.stdout.write(f"{outcome.label}: {count}")
