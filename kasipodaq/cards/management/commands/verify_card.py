"""`kasipodaq verify-card TOKEN --public-keys FILE`: check a card offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.cards.numbers import display
from kasipodaq.cards.tokens import InvalidToken, public_key_from, verify


class Command(BaseCommand):
    help = (
        "Check a card's QR token (or the whole address it encodes) with the "
        "published public keys alone, without the database: whether the union "
        "signed it, and what it says. Whether the card is still in force only "
        "the union's page can tell."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", help="the token, or the address the QR holds")
        parser.add_argument(
            "--public-keys",
            required=True,
            metavar="FILE",
            help="the JSON published at /.well-known/kasipodaq-card-keys.json",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = _read_keys(Path(options["public_keys"]))
        token = options["token"].strip().rstrip("/").rsplit("/", 1)[-1]
        try:
            key_id, facts = verify(token, keys)
        except InvalidToken as fault:
            raise CommandError(
                _("Not a genuine card: %(reason)s.") % {"reason": fault.reason}
            ) from None
        lines = [
            _("Genuine: signed by the union's key %(key)s.") % {"key": key_id},
            _("Card number: %(number)s") % {"number": display(facts.number)},
            _("Serial: %(serial)s") % {"serial": facts.serial},
            _("Issued on: %(date)s") % {"date": facts.issued_on.isoformat()},
            _("Organization code: %(code)s") % {"code": facts.org_code},
            _("Holder's initials: %(initials)s") % {"initials": facts.initials},
        ]
        self.stdout.write("\n".join(lines))


def _read_keys(path: Path) -> dict[str, Any]:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))["keys"]
        return {str(r["kid"]): public_key_from(str(r["x"])) for r in records}
    except OSError as exc:
        raise CommandError(
            _("Cannot read «%(path)s»: %(error)s")
            % {"path": path, "error": exc.strerror or exc}
        ) from None
    except (ValueError, KeyError, TypeError):
        raise CommandError(
            _("«%(path)s» is not a file of public card keys.") % {"path": path}
        ) from None
