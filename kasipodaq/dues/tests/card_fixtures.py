"""What the card payment tests share: the CloudPayments simulator on a free port
with the settings pointing at it, and a member who pays by card."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.dues.models import CardSubscription
from kasipodaq.dues.providers.base import Answer
from kasipodaq.dues.providers.cloudpayments import CloudPayments, sign
from kasipodaq.dues.providers.simulator import Simulator, sign_decoded
from kasipodaq.dues.services.card_payments import (
    payment_page_of,
    receive_notification,
    request_card_payments,
)
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

PUBLIC_ID = "pk_test_kasipodaq"
SECRET = "test-api-secret"
PAYS = "4242424242424242"
DECLINED = "4012888888881881"


def start_simulator(settings: Any, notify_url: str, *, deliver: bool) -> Simulator:
    simulator = Simulator(
        public_id=PUBLIC_ID, api_secret=SECRET, notify_url=notify_url, deliver=deliver
    ).start()
    settings.KASIPODAQ_PAYMENT_PROVIDER = {
        "api_url": simulator.url,
        "public_id": PUBLIC_ID,
        "api_secret": SECRET,
    }
    return simulator


@pytest.fixture
def simulator(settings: Any) -> Iterator[Simulator]:
    """The simulator, keeping its notifications for the test to deliver."""
    running = start_simulator(settings, "http://127.0.0.1:9/none/", deliver=False)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def accountant(tree: Tree) -> User:
    user = grant(Role.ACCOUNTANT, tree.districts[0])
    user.email = "accountant@example.kz"
    user.language = "en"
    user.save()
    return user


@pytest.fixture
def member(tree: Tree) -> Person:
    return tree.admit(
        tree.primaries[0], joined_on=dt.date(2025, 1, 1), email="member@example.kz"
    ).person


def deliver(
    kind: str, fields: dict[str, str], *, secret: str = SECRET, **extra: Any
) -> Answer:
    """A notification signed as the provider signs it (both headers), read and
    acted on; the answer our side gives the provider."""
    body = urllib.parse.urlencode(fields).encode()
    provider = CloudPayments.from_settings()
    assert provider is not None
    headers = {
        "Content-HMAC": sign(body, secret),
        "X-Content-HMAC": sign_decoded(body, secret),
    }
    event = provider.parse_notification(kind=kind, body=body, headers=headers)
    return receive_notification(event=event, **extra)


def last_transaction(simulator: Simulator) -> dict[str, str]:
    return simulator.transactions[max(simulator.transactions)]


def order_number(page: str) -> str:
    return page.rstrip("/").rsplit("/", 1)[1]


def subscribe(
    simulator: Simulator,
    actor: User,
    member: Person,
    *,
    card: str = PAYS,
    amount_tiyn: int = 2_000_00,
    charge_day: int = 5,
) -> CardSubscription:
    """A member who paid the first month on the provider's page with `card`."""
    subscription = request_card_payments(
        actor=actor,
        person=member,
        amount_tiyn=amount_tiyn,
        charge_day=charge_day,
        language="en",
    )
    paid, _said = simulator.pay_order(order_number(payment_page_of(subscription)), card)
    fields = last_transaction(simulator)
    assert deliver("pay" if paid else "fail", fields) == Answer.ACCEPTED
    subscription.refresh_from_db()
    return subscription
