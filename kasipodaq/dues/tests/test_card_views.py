"""The card payment pages and the provider's notification endpoint, over HTTP:
signed notifications from the simulator, the staff pages and the dashboard."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.core.dates import today
from kasipodaq.dues.models import (
    CardSubscription,
    NotificationOutcome,
    Payment,
    PaymentMethod,
    ProviderNotification,
    SubscriptionStatus,
)
from kasipodaq.dues.providers.cloudpayments import sign
from kasipodaq.dues.providers.simulator import Simulator
from kasipodaq.dues.services.card_payments import charge_due_subscriptions
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

from .card_fixtures import (
    DECLINED,
    PAYS,
    SECRET,
    accountant,
    last_transaction,
    member,
    order_number,
    simulator,
    start_simulator,
    subscribe,
)

__all__ = ["accountant", "member", "simulator"]


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _post_notification(
    client: Client, kind: str, fields: dict[str, str], signature: str | None
) -> Any:
    body = urllib.parse.urlencode(fields)
    headers = {} if signature is None else {"Content-HMAC": signature}
    return client.post(
        reverse("dues:card-notify", args=[kind]),
        body,
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def _pending_payment(
    simulator: Simulator, accountant: User, member: Person
) -> dict[str, str]:
    """The fields of a first payment made on the simulator's page, not yet told."""
    client = _signed_in(accountant)
    response = client.post(
        reverse("dues:card", args=[member.pk]),
        {"amount": "2000.00", "charge_day": "5", "language": "en"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(simulator.url + "/pay/")
    simulator.pay_order(order_number(response["Location"]), PAYS)
    return last_transaction(simulator)


@pytest.mark.django_db
def test_a_signed_notification_is_answered_code_0_and_records_the_payment(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    fields = _pending_payment(simulator, accountant, member)
    body = urllib.parse.urlencode(fields).encode()
    client = Client()
    response = _post_notification(client, "pay", fields, sign(body, SECRET))
    assert response.status_code == 200
    assert response.json() == {"code": 0}
    again = _post_notification(client, "pay", fields, sign(body, SECRET))
    assert again.json() == {"code": 0}
    assert Payment.objects.filter(method=PaymentMethod.CARD, person=member).count() == 1
    assert CardSubscription.objects.get().status == SubscriptionStatus.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature", [None, "", "bm90IGEgc2lnbmF0dXJl", sign(b"other body", SECRET)]
)
def test_a_notification_without_a_good_signature_changes_nothing(
    simulator: Simulator, accountant: User, member: Person, signature: str | None
) -> None:
    fields = _pending_payment(simulator, accountant, member)
    response = _post_notification(Client(), "pay", fields, signature)
    assert response.status_code == 403
    assert response.json() == {"code": 13}
    assert not Payment.objects.exists()
    assert not ProviderNotification.objects.exists()
    assert CardSubscription.objects.get().status == SubscriptionStatus.PENDING


@pytest.mark.django_db
def test_the_endpoint_takes_only_posts_of_known_kinds_and_only_when_set_up(
    simulator: Simulator, accountant: User, member: Person, settings: Any
) -> None:
    fields = _pending_payment(simulator, accountant, member)
    body = urllib.parse.urlencode(fields).encode()
    client = Client()
    assert client.get(reverse("dues:card-notify", args=["pay"])).status_code == 405
    refund = _post_notification(client, "refund", fields, sign(body, SECRET))
    assert refund.status_code == 403
    settings.KASIPODAQ_PAYMENT_PROVIDER = {}
    unset = _post_notification(client, "pay", fields, sign(body, SECRET))
    assert unset.status_code == 404
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_the_start_page_refuses_bad_input_and_other_districts(
    simulator: Simulator, tree: Tree, accountant: User, member: Person
) -> None:
    client = _signed_in(accountant)
    url = reverse("dues:card", args=[member.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Go to the payment page" in page.content.decode()
    bad = client.post(url, {"amount": "-5", "charge_day": "31", "language": "en"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"amount", "charge_day"}
    stranger = _signed_in(grant(Role.ACCOUNTANT, tree.districts[2]))
    assert stranger.get(url).status_code == 404
    assert (
        stranger.post(
            url, {"amount": "2000", "charge_day": "5", "language": "en"}
        ).status_code
        == 404
    )
    reader = _signed_in(grant(Role.AUDITOR, tree.districts[0]))
    assert reader.get(url).status_code == 404
    assert not CardSubscription.objects.exists()


@pytest.mark.django_db
def test_a_member_already_paying_by_card_cannot_start_twice(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscribe(simulator, accountant, member)
    client = _signed_in(accountant)
    response = client.post(
        reverse("dues:card", args=[member.pk]),
        {"amount": "3000", "charge_day": "9", "language": "en"},
    )
    assert response.status_code == 200
    assert "already pays by card" in response.content.decode()
    assert CardSubscription.objects.get().amount_tiyn == 2_000_00


@pytest.mark.django_db
def test_cancelling_takes_a_post_and_is_out_of_reach_elsewhere(
    simulator: Simulator, tree: Tree, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member)
    url = reverse("dues:card-cancel", args=[subscription.pk])
    stranger = _signed_in(grant(Role.ACCOUNTANT, tree.regions[1]))
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"at_members_request": "on"}).status_code == 404
    client = _signed_in(accountant)
    assert client.get(url).status_code == 200
    card_page = client.get(reverse("dues:card", args=[member.pk])).content.decode()
    assert "Visa •••• 4242" in card_page
    assert subscription.token not in card_page
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    response = client.post(url, {"at_members_request": "on"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert subscription.end_reason == "member's request"
    twice = client.post(url, {"at_members_request": "on"})
    assert twice.status_code == 200
    assert "already ended" in twice.content.decode()


@pytest.mark.django_db
def test_the_dashboard_lists_failing_and_stopped_first_within_the_subtree(
    simulator: Simulator,
    tree: Tree,
    accountant: User,
    django_assert_max_num_queries: Any,
) -> None:
    statuses = [
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.STOPPED,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.FAILING,
        SubscriptionStatus.PENDING,
    ]
    for at, status in enumerate(statuses):
        person = tree.admit(tree.primaries[at % 2], email=f"m{at}@example.kz").person
        CardSubscription.objects.create(
            person=person, amount_tiyn=1_000_00, charge_day=5, status=status
        )
    elsewhere = tree.admit(tree.primaries[7]).person
    CardSubscription.objects.create(
        person=elsewhere,
        amount_tiyn=1_000_00,
        charge_day=5,
        status=SubscriptionStatus.STOPPED,
    )
    client = _signed_in(accountant)
    url = reverse("dues:card-subscriptions", args=[tree.districts[0].pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert page.status_code == 200
    shown = [s.status for s in page.context["subscriptions"]]
    assert shown == ["failing", "stopped", "pending", "active", "active"]
    counts = {status: n for status, _label, n in page.context["counts"]}
    assert counts == {
        "failing": 1,
        "stopped": 1,
        "pending": 1,
        "active": 2,
        "cancelled": 0,
    }
    other = _signed_in(grant(Role.ACCOUNTANT, tree.regions[1]))
    assert other.get(url).status_code == 404
    own = other.get(reverse("dues:card-subscriptions", args=[tree.regions[1].pk]))
    assert [s.person_id for s in own.context["subscriptions"]] == [elsewhere.pk]


@pytest.mark.django_db(transaction=True)
def test_paying_on_the_simulators_page_and_a_monthly_charge_over_http(
    tree: Tree, live_server: Any, settings: Any
) -> None:
    """The whole protocol over HTTP: the staff page sends the member to the
    provider's page; paying there posts a signed Pay to our endpoint, which starts
    the subscription; the monthly charge's notification and its redelivery count
    once; a declined card is told by a Fail."""
    simulator = start_simulator(
        settings, live_server.url + "/dues/card/notify/", deliver=True
    )
    try:
        user = grant(Role.ACCOUNTANT, tree.districts[0])
        person = tree.admit(tree.primaries[0], email="m@example.kz").person
        client = _signed_in(user)
        response = client.post(
            reverse("dues:card", args=[person.pk]),
            {"amount": "1500", "charge_day": "10", "language": "kk"},
        )
        page_url = response["Location"]
        with urllib.request.urlopen(page_url, timeout=10) as page:  # noqa: S310
            assert "4242424242424242" in page.read().decode()
        form = urllib.parse.urlencode({"card": "4242 4242 4242 4242"}).encode()
        with urllib.request.urlopen(page_url, data=form, timeout=30) as paid:  # noqa: S310
            assert "Paid" in paid.read().decode()
        check, first = simulator.deliveries
        assert (check.kind, check.answer) == ("check", {"code": 0})
        assert (first.kind, first.status, first.answer) == ("pay", 200, {"code": 0})
        subscription = CardSubscription.objects.get(person=person)
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert subscription.language == "kk"
        CardSubscription.objects.filter(pk=subscription.pk).update(
            due_on=today(), next_charge_on=today()
        )
        # On PostgreSQL the charge's notification may arrive while the run is
        # still at work; SQLite's in-memory test database is one connection shared
        # with the live server, so there it waits until the run is over.
        if connection.vendor == "sqlite":
            simulator.pause()
        assert charge_due_subscriptions(today=today()).paid == 1
        simulator.drain()
        second = simulator.deliveries[2]
        assert (second.kind, second.answer) == ("pay", {"code": 0})
        assert simulator.redeliver(second).answer == {"code": 0}
        assert (
            Payment.objects.filter(person=person, method=PaymentMethod.CARD).count()
            == 2
        )
        outcomes = sorted(
            ProviderNotification.objects.values_list("outcome", flat=True)
        )
        assert outcomes == [
            NotificationOutcome.ACCEPTED,
            NotificationOutcome.ACCEPTED,
            NotificationOutcome.ACCEPTED,
            NotificationOutcome.DUPLICATE,
        ]
        other = tree.admit(tree.primaries[1], email="o@example.kz").person
        declined = client.post(
            reverse("dues:card", args=[other.pk]),
            {"amount": "1500", "charge_day": "10", "language": "ru"},
        )
        with urllib.request.urlopen(  # noqa: S310
            declined["Location"],
            data=urllib.parse.urlencode({"card": DECLINED}).encode(),
            timeout=30,
        ) as page:
            assert "Insufficient funds" in page.read().decode()
        assert simulator.deliveries[-1].kind == "fail"
        assert json.loads(json.dumps(simulator.deliveries[-1].answer)) == {"code": 0}
        waiting = CardSubscription.objects.get(person=other)
        assert (waiting.status, waiting.last_error) == (
            SubscriptionStatus.PENDING,
            "InsufficientFunds",
        )
        # Cancelled before the member tries again: the Check refuses the payment.
        client.post(reverse("dues:card-cancel", args=[waiting.pk]), {})
        with urllib.request.urlopen(  # noqa: S310
            declined["Location"],
            data=urllib.parse.urlencode({"card": PAYS}).encode(),
            timeout=30,
        ) as page:
            assert "Refused by the shop (code 13)" in page.read().decode()
        assert not Payment.objects.filter(person=other).exists()
    finally:
        simulator.stop()


@pytest.mark.django_db
def test_the_dashboard_shows_refused_notifications_of_its_subtree(
    simulator: Simulator, tree: Tree, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member)
    common = {"kind": "pay", "amount_tiyn": 1_00, "outcome": "refused"}
    ProviderNotification.objects.create(
        transaction_id="501", subscription=subscription, answer=12, **common
    )
    ProviderNotification.objects.create(
        transaction_id="502", invoice_id="KQ-S999", answer=10, **common
    )
    district = _signed_in(accountant).get(
        reverse("dues:card-subscriptions", args=[tree.districts[0].pk])
    )
    assert [n.transaction_id for n in district.context["refused"]] == ["501"]
    assert "Wrong amount" in district.content.decode()
    assert tree.admin is not None
    union = _signed_in(tree.admin).get(
        reverse("dues:card-subscriptions", args=[tree.central.pk])
    )
    assert [n.transaction_id for n in union.context["refused"]] == ["502", "501"]


@pytest.mark.django_db
def test_an_unreachable_provider_is_told_on_the_form_and_the_input_kept(
    simulator: Simulator, accountant: User, member: Person, settings: Any
) -> None:
    settings.KASIPODAQ_PAYMENT_PROVIDER = {
        **settings.KASIPODAQ_PAYMENT_PROVIDER,
        "api_url": "http://127.0.0.1:9",
    }
    response = _signed_in(accountant).post(
        reverse("dues:card", args=[member.pk]),
        {"amount": "2000", "charge_day": "5", "language": "en"},
    )
    assert response.status_code == 200
    assert "cannot be reached" in response.content.decode()
    assert response.context["form"].data["amount"] == "2000"
    assert CardSubscription.objects.get().status == SubscriptionStatus.PENDING
