"""`kasipodaq remind-arrears [--org CODE] [--on DATE]`: email members in arrears."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.core.command_options import day_option
from kasipodaq.core.errors import DomainError
from kasipodaq.dues.services.reminders import remind_arrears
from kasipodaq.registry.services.exporting import unit_or_union


class Command(BaseCommand):
    help = (
        "Email the members overdue with their dues under the organization (the "
        "whole union by default), except those reminded lately, and say how many "
        "were reminded and how many have no email."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--org", metavar="CODE", default="", help="only under this organization"
        )
        parser.add_argument(
            "--on", metavar="DATE", default="", help="the day, YYYY-MM-DD (today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = day_option(options["on"])
        try:
            done = remind_arrears(actor=None, unit=unit_or_union(options["org"]), on=on)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "Reminders sent: %(sent)s; overdue without an email: "
                "%(unreachable)s; reminded lately, left alone: %(recently)s."
            )
            % {
                "sent": done.sent,
                "unreachable": done.unreachable,
                "recently": done.recently,
            }
        )
