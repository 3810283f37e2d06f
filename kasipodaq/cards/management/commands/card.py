"""`kasipodaq card IIN [--png FILE]`: a member's card, its status and check address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.cards.printing import card_png, verify_url
from kasipodaq.cards.selectors import cards_of
from kasipodaq.cards.services.printing import record_printed
from kasipodaq.cards.standing import CardStatus
from kasipodaq.core.dates import today
from kasipodaq.registry.models import Person


class Command(BaseCommand):
    help = (
        "Print the number, status and check address of a member's card (the one "
        "in force, else the latest), and write its image with --png."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("iin", help="the member's IIN")
        parser.add_argument(
            "--png", metavar="FILE", default="", help="write the card's front here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(iin=options["iin"].strip()).first()
        cards = cards_of(person, today()) if person is not None else []
        if not cards:
            raise CommandError(_("No card was ever issued to this IIN."))
        card, status = next(
            ((c, s) for c, s in cards if s != CardStatus.REVOKED), cards[0]
        )
        self.stdout.write(
            "\n".join(
                [
                    _("Card number: %(number)s") % {"number": card.display_number},
                    _("Serial: %(serial)s") % {"serial": card.serial},
                    _("Status: %(status)s") % {"status": status.label},
                    _("Check address: %(url)s") % {"url": verify_url(card)},
                ]
            )
        )
        if options["png"]:
            self.write_png(card, Path(options["png"]))

    def write_png(self, card: Any, path: Path) -> None:
        try:
            path.write_bytes(card_png(card))
        except OSError as exc:
            raise CommandError(
                _("Cannot write «%(path)s»: %(error)s")
                % {"path": path, "error": exc.strerror or exc}
            ) from None
        record_printed(actor=None, cards=[card])
        self.stdout.write(_("Card image written to %(path)s.") % {"path": path})
