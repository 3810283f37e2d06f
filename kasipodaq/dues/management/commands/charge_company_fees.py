"""`kasipodaq charge-company-fees --year YYYY [--quarter N] [--org CODE]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasipodaq.core.errors import DomainError
from kasipodaq.dues.money import to_tenge
from kasipodaq.dues.services.company_fees import charge_company_fees
from kasipodaq.registry.services.exporting import unit_or_union


class Command(BaseCommand):
    help = (
        "Charge the member companies' fees of a year (or of one quarter): one "
        "charge per company and period of its schedule, under the organization "
        "(the whole union by default). Running it again corrects the charges and "
        "never duplicates one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, type=int, metavar="YYYY")
        parser.add_argument(
            "--quarter", type=int, choices=[1, 2, 3, 4], default=None, metavar="N"
        )
        parser.add_argument(
            "--org", metavar="CODE", default="", help="only under this organization"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year, quarter = options["year"], options["quarter"]
        try:
            unit = unit_or_union(options["org"])
            run = charge_company_fees(actor=None, unit=unit, year=year, quarter=quarter)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "%(period)s: company fees %(charges)s, total %(total)s tenge "
                "(new %(created)s, corrected %(updated)s, removed %(removed)s)."
            )
            % {
                "period": f"{year}" if quarter is None else f"{year} Q{quarter}",
                "charges": run.charges,
                "total": number_format(
                    to_tenge(run.total_tiyn), 2, force_grouping=True
                ),
                "created": run.created,
                "updated": run.updated,
                "removed": run.removed,
            }
        )
        if run.undeclared:
            self.stdout.write(
                ngettext(
                    "%(count)s company has declared no figures: charged the top tier.",
                    "%(count)s companies have declared no figures: charged the top "
                    "tier.",
                    run.undeclared,
                )
                % {"count": run.undeclared}
            )
