"""`kasipodaq charge-subscriptions [--date YYYY-MM-DD]`: the day's card charges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError
from kasipodaq.dues.services.card_payments import charge_due_subscriptions


class Command(BaseCommand):
    help = (
        "Remind members of card charges coming, then charge every monthly card "
        "payment whose day has come (declined ones are retried on schedule)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", metavar="YYYY-MM-DD", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["date"]) if options["date"] else today()
        except ValueError:
            raise CommandError(_("A date is written YYYY-MM-DD.")) from None
        try:
            run = charge_due_subscriptions(today=on)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "%(date)s: reminded %(reminded)s, paid %(paid)s, declined "
                "%(declined)s, no answer %(unanswered)s, stopped %(stopped)s"
            )
            % {
                "date": on.isoformat(),
                "reminded": run.reminded,
                "paid": run.paid,
                "declined": run.declined,
                "unanswered": run.unanswered,
                "stopped": run.stopped,
            }
        )
