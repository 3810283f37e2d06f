"""`kasipodaq accrue-dues --month YYYY-MM [--org CODE]`: the month's charges."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasipodaq.core.errors import DomainError
from kasipodaq.dues.money import to_tenge
from kasipodaq.dues.months import parse_month
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.registry.services.exporting import unit_or_union


class Command(BaseCommand):
    help = (
        "Accrue the dues of a month: one charge per member under the organization "
        "(the whole union by default). Running it again corrects the month and "
        "never duplicates a charge."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, metavar="YYYY-MM")
        parser.add_argument(
            "--org", metavar="CODE", default="", help="only under this organization"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        if month is None:
            raise CommandError(_("A month is written YYYY-MM, e.g. 2026-03."))
        try:
            unit = unit_or_union(options["org"])
            accrued = accrue_month(actor=None, month=month, unit=unit)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "%(month)s: charges %(charges)s, total %(total)s tenge "
                "(new %(created)s, corrected %(updated)s, removed %(removed)s)."
            )
            % {
                "month": month.strftime("%Y-%m"),
                "charges": accrued.charges,
                "total": number_format(
                    to_tenge(accrued.total_tiyn), 2, force_grouping=True
                ),
                "created": accrued.created,
                "updated": accrued.updated,
                "removed": accrued.removed,
            }
        )
        if accrued.without_salary:
            self.stdout.write(
                ngettext(
                    "%(count)s working member has no salary on the employers' "
                    "lists: they were charged nothing.",
                    "%(count)s working members have no salary on the employers' "
                    "lists: they were charged nothing.",
                    accrued.without_salary,
                )
                % {"count": accrued.without_salary}
            )
