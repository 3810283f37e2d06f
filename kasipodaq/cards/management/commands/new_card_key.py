"""`kasipodaq new-card-key ID`: a fresh signing key for KASIPODAQ_CARD_KEYS."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.cards.keys import MAX_KEY_ID
from kasipodaq.cards.tokens import new_private_key_text


class Command(BaseCommand):
    help = (
        "Print a new Ed25519 key record to put first in KASIPODAQ_CARD_KEYS: new "
        "cards are then signed with it, and the older keys keep verifying theirs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "id", help="the key's id, e.g. 2026a (at most 16 characters)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key_id = options["id"]
        if not key_id.isascii() or not 0 < len(key_id) <= MAX_KEY_ID:
            raise CommandError(
                _("A key id is 1 to %(count)s Latin letters or digits.")
                % {"count": MAX_KEY_ID}
            )
        record = {"id": key_id, "private": new_private_key_text()}
        self.stdout.write(json.dumps(record))
