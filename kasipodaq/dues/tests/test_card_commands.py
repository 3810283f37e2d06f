"""`kasipodaq charge-subscriptions`, the daily task, and the system check of the
payment provider's settings."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kasipodaq.accounts.models import User
from kasipodaq.core.dates import today
from kasipodaq.dues.apps import _check_payment_provider
from kasipodaq.dues.models import CardSubscription, Payment, PaymentMethod
from kasipodaq.dues.providers.simulator import Simulator
from kasipodaq.dues.tasks import charge_subscriptions_task
from kasipodaq.registry.models import Person

from .card_fixtures import accountant, member, simulator, subscribe

__all__ = ["accountant", "member", "simulator"]

pytestmark = pytest.mark.django_db


def test_the_command_charges_what_is_due_and_says_what_it_did(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member)
    CardSubscription.objects.filter(pk=subscription.pk).update(
        due_on=today(), next_charge_on=today()
    )
    out = StringIO()
    call_command("charge_subscriptions", "--date", today().isoformat(), stdout=out)
    assert f"{today().isoformat()}: reminded 0, paid 1, declined 0" in out.getvalue()
    assert Payment.objects.filter(method=PaymentMethod.CARD).count() == 2
    charge_subscriptions_task.delay()
    assert len(simulator.charge_requests) == 1


def test_the_command_refuses_a_bad_date_and_a_missing_provider(settings: Any) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("charge_subscriptions", "--date", "24.11.2026")
    settings.KASIPODAQ_PAYMENT_PROVIDER = {}
    with pytest.raises(CommandError, match="not set up"):
        call_command("charge_subscriptions")


def test_the_system_check_wants_a_provider_only_when_card_payments_are_on(
    settings: Any,
) -> None:
    settings.KASIPODAQ_PAYMENT_PROVIDER = {}
    settings.KASIPODAQ_CARD_PAYMENTS = False
    assert _check_payment_provider() == []
    settings.KASIPODAQ_CARD_PAYMENTS = True
    assert [m.id for m in _check_payment_provider()] == ["kasipodaq.dues.E001"]
    settings.KASIPODAQ_PAYMENT_PROVIDER = {"api_url": "http://example.com"}
    assert [m.id for m in _check_payment_provider()] == ["kasipodaq.dues.E002"] * 3


def test_the_simulator_command_wants_the_provider_settings(settings: Any) -> None:
    settings.KASIPODAQ_PAYMENT_PROVIDER = {}
    with pytest.raises(CommandError, match="KASIPODAQ_PAYMENT_PROVIDER"):
        call_command("payment_simulator", "--port", "0")
