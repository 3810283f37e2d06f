"""`kasipodaq remind-reports [--on DATE]`: today's reminders of late reports."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import ngettext

from kasipodaq.core.command_options import day_option
from kasipodaq.reporting.tasks import remind_overdue


class Command(BaseCommand):
    help = (
        "Email the people who file each late report (deadline passed, report not "
        "submitted) of every open campaign, at most once a day per report, and "
        "say how many messages were sent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on", metavar="DATE", default="", help="the day, YYYY-MM-DD (today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = day_option(options["on"])
        total = 0
        for campaign, sent in remind_overdue(on=on):
            total += sent
            self.stdout.write(
                ngettext(
                    "%(form)s, %(year)s: %(count)s reminder sent.",
                    "%(form)s, %(year)s: %(count)s reminders sent.",
                    sent,
                )
                % {"form": campaign.form.name, "year": campaign.year, "count": sent}
            )
        self.stdout.write(
            ngettext(
                "%(count)s reminder sent in all.",
                "%(count)s reminders sent in all.",
                total,
            )
            % {"count": total}
        )
