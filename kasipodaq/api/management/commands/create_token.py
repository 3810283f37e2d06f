"""`kasipodaq create-token USERNAME`: issue an API token and print it, once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasipodaq.api.tokens import issue_token


class Command(BaseCommand):
    help = (
        "Issue an API token for a user and print it. Only its hash is kept: "
        "store the token now, it cannot be shown again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = find_user(options["username"])
        row, token = issue_token(user=user)
        self.stderr.write(
            f"Token {row.prefix}… issued to {user.get_username()}; "
            "it is shown only this once."
        )
        self.stdout.write(token)


def find_user(username: str) -> Any:
    users = get_user_model()
    try:
        user = users._default_manager.get_by_natural_key(username)
    except users.DoesNotExist:
        raise CommandError(f"No user is named {username!r}.") from None
    if not user.is_active:
        raise CommandError(f"The user {username!r} is not active.")
    return user
