"""`kasipodaq create-user USERNAME --role ROLE --org CODE [--password-stdin]`."""

from __future__ import annotations

import secrets
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kasipodaq.access.perms import Role
from kasipodaq.access.policy import requires_second_factor
from kasipodaq.access.services import create_staff_user
from kasipodaq.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create a staff account holding a role on the organization with the given "
        "code. Without --password-stdin a password is generated and printed."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role", required=True, help=", ".join(Role.values), metavar="ROLE"
        )
        parser.add_argument(
            "--org", required=True, metavar="CODE", help="the organization's code"
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["password_stdin"]:
            stdin = options.get("stdin") or sys.stdin
            password = stdin.readline().rstrip("\r\n")
            generated = False
        else:
            password = secrets.token_urlsafe(15)
            generated = True
        try:
            grant = create_staff_user(
                username=options["username"],
                password=password,
                role=options["role"],
                org_code=options["org"],
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            _("Created %(username)s: %(role)s in %(unit)s.")
            % {
                "username": grant.user.get_username(),
                "role": grant.get_role_display(),
                "unit": grant.unit,
            }
        )
        if generated:
            self.stdout.write(_("Password: %(password)s") % {"password": password})
        if requires_second_factor(grant.user):
            self.stdout.write(
                _("This role requires a second factor: it is set up at first sign-in.")
            )
