"""`kasipodaq demo [--members N] [--seed S] [--reset | --if-empty]`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kasipodaq.registry.demo.builder import DemoRefused, DemoSpec, build_demo
from kasipodaq.registry.demo.users import DEMO_TOTP_SECRET, Login, demo_logins

MIN_MEMBERS = 500


class Command(BaseCommand):
    help = (
        "Build the demo union: 20 regional organizations, district committees, "
        "about a thousand primary organizations and 60,000 members, the same for "
        "the same seed, and a login for every role."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--members",
            type=int,
            default=DemoSpec.members,
            metavar="N",
            help="members with an open membership (default %(default)s)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DemoSpec.seed,
            metavar="S",
            help="the same seed builds the same union (default %(default)s)",
        )
        once = parser.add_mutually_exclusive_group()
        once.add_argument(
            "--reset",
            action="store_true",
            help="wipe the registry, the tree, the grants and the demo users first",
        )
        once.add_argument(
            "--if-empty",
            action="store_true",
            help="build only into an empty database; otherwise list the logins",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        members = options["members"]
        if members < MIN_MEMBERS:
            raise CommandError(
                _("The demo needs at least %(count)s members.") % {"count": MIN_MEMBERS}
            )
        spec = DemoSpec(members=members, seed=options["seed"])
        verbose = options["verbosity"] > 0
        try:
            result = build_demo(
                spec,
                reset=options["reset"],
                progress=self.stdout.write if verbose else None,
            )
        except DemoRefused:
            if not options["if_empty"]:
                raise CommandError(
                    _(
                        "The database already holds organizations or people. Run "
                        "`kasipodaq demo --reset` to wipe them and build the demo anew."
                    )
                ) from None
            self.stdout.write(
                _("The database already holds a union: the demo was not built.")
            )
            self._print_logins(demo_logins())
            return
        self.stdout.write(
            _(
                "Built the demo union in %(seconds).1f s: %(units)s organizations "
                "(%(primaries)s primary), %(people)s people, %(members)s members."
            )
            % {
                "seconds": result.seconds,
                "units": number_format(result.units, force_grouping=True),
                "primaries": number_format(result.primaries, force_grouping=True),
                "people": number_format(result.people, force_grouping=True),
                "members": number_format(result.members, force_grouping=True),
            }
        )
        self._print_logins(result.logins)

    def _print_logins(self, logins: list[Login]) -> None:
        if not logins:
            return
        header = (_("username"), _("password"), _("role"), _("second factor"))
        rows = [
            (login.username, login.password, login.role, login.totp_secret or "—")
            for login in logins
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
        self.stdout.write("")
        for row, login in zip([header, *rows], [None, *logins], strict=True):
            cells = "  ".join(
                cell.ljust(width) for cell, width in zip(row, widths, strict=True)
            )
            organization = login.organization if login else _("organization")
            self.stdout.write(f"{cells}  {organization}")
        if any(login.totp_secret for login in logins):
            issuer = settings.KASIPODAQ_TOTP_ISSUER
            uri = (
                f"otpauth://totp/{quote(issuer)}:demo?secret={DEMO_TOTP_SECRET}"
                f"&issuer={quote(issuer)}"
            )
            self.stdout.write("")
            self.stdout.write(
                _(
                    "Users with a second factor share the TOTP secret %(secret)s: "
                    "add it to an authenticator app (or open %(uri)s) and enter "
                    "its six-digit code after the password."
                )
                % {"secret": DEMO_TOTP_SECRET, "uri": uri}
            )
