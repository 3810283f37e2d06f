"""`kasipodaq issue-cards [--org CODE]`: a card for every member who has none."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasipodaq.cards.services.bulk import issue_missing_cards
from kasipodaq.core.errors import DomainError
from kasipodaq.registry.services.exporting import unit_or_union


class Command(BaseCommand):
    help = (
        "Issue a membership card to every active member who has no card in "
        "force, in the whole union or under one organization."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--org", metavar="CODE", default="", help="only under this organization"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            root = unit_or_union(options["org"])
            issued = issue_missing_cards(actor=None, unit=root, progress=self.progress)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if issued:
            self.stderr.write("")
        self.stdout.write(
            ngettext("%(count)s card issued.", "%(count)s cards issued.", issued)
            % {"count": issued}
        )

    def progress(self, issued: int, total: int) -> None:
        line = _("%(issued)s of %(total)s cards issued") % {
            "issued": issued,
            "total": total,
        }
        self.stderr.write("\r" + line, ending="")
