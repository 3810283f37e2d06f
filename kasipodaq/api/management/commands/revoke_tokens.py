"""`kasipodaq revoke-tokens USERNAME`: revoke every live API token of a user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasipodaq.api.tokens import revoke_tokens


class Command(BaseCommand):
    help = "Revoke every API token of a user; requests with them are refused at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        try:
            user = users._default_manager.get_by_natural_key(options["username"])
        except users.DoesNotExist:
            raise CommandError(f"No user is named {options['username']!r}.") from None
        count = revoke_tokens(user=user)
        self.stdout.write(f"{count} token(s) of {user.get_username()} revoked.")
