"""`kasipodaq payment-simulator --port 8100 --notify-url URL`: a local
CloudPayments for the demo, with the Public ID and API secret of the settings."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kasipodaq.dues.providers.cloudpayments import provider_problems
from kasipodaq.dues.providers.simulator import DECLINED_CARDS, PAYING_CARDS, Simulator


class Command(BaseCommand):
    help = (
        "Run a local simulator of CloudPayments (API, payment page, signed "
        "notifications to <notify-url><kind>/) until interrupted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--notify-url", default="http://127.0.0.1:8000/dues/card/notify/"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = getattr(settings, "KASIPODAQ_PAYMENT_PROVIDER", None)
        problems = provider_problems(config) if config else ["not set"]
        if problems:
            example = (
                f'{{"api_url": "http://127.0.0.1:{options["port"]}", '
                '"public_id": "…", "api_secret": "…"}'
            )
            raise CommandError(
                _("Set KASIPODAQ_PAYMENT_PROVIDER to %(example)s first: %(problems)s")
                % {"example": example, "problems": "; ".join(problems)}
            )
        notify_url = options["notify_url"]
        if not notify_url.endswith("/"):
            notify_url += "/"
        simulator = Simulator(
            public_id=config["public_id"],  # type: ignore[index]
            api_secret=config["api_secret"],  # type: ignore[index]
            notify_url=notify_url,
            host=options["host"],
            port=options["port"],
        ).start()
        self.stdout.write(
            _("CloudPayments simulator on %(url)s") % {"url": simulator.url}
        )
        self.stdout.write(
            _("Notifications to %(url)scheck/, pay/, fail/") % {"url": notify_url}
        )
        self.stdout.write(
            _("Cards that pay: %(cards)s") % {"cards": ", ".join(PAYING_CARDS)}
        )
        self.stdout.write(
            _("Cards declined (insufficient funds): %(cards)s")
            % {"cards": ", ".join(DECLINED_CARDS)}
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            simulator.stop()
