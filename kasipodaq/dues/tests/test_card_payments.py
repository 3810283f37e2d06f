"""Monthly card payments through CloudPayments, against the simulator over HTTP:
starting from the first payment, charging, retries, stopping, notices, and
notifications that are duplicated, out of order, stale or not ours."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import (
    CardCharge,
    CardSubscription,
    ChargeOutcome,
    NotificationOutcome,
    Payment,
    PaymentMethod,
    ProviderNotification,
    SubscriptionStatus,
)
from kasipodaq.dues.models.card_payments import NotificationAnswer
from kasipodaq.dues.providers import cloudpayments
from kasipodaq.dues.providers.base import (
    Answer,
    BadNotification,
    ChargeResult,
    ProviderError,
)
from kasipodaq.dues.providers.cloudpayments import (
    CloudPayments,
    charge_result,
    provider_problems,
    sign,
)
from kasipodaq.dues.providers.simulator import (
    REQUEST_ID_KEPT_SECONDS,
    Simulator,
    sign_decoded,
)
from kasipodaq.dues.services.card_payments import (
    RETRY_AFTER_DAYS,
    account_id_of,
    cancel_card_payments,
    charge_due_subscriptions,
    payment_page_of,
    request_card_payments,
)
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.tests.test_notifications import Inbox, free_port, use_smtp

from .card_fixtures import (
    DECLINED,
    SECRET,
    accountant,
    deliver,
    last_transaction,
    member,
    simulator,
    subscribe,
)

__all__ = ["accountant", "member", "simulator"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(settings, controller.port)
    try:
        yield received
    finally:
        controller.stop()


def _due_today(subscription: CardSubscription, on: dt.date | None = None) -> dt.date:
    """Bring the subscription's day (today unless given)."""
    day = on or today()
    CardSubscription.objects.filter(pk=subscription.pk).update(
        due_on=day, next_charge_on=day
    )
    return day


def _card_payments(person: Person) -> list[Payment]:
    return list(Payment.objects.filter(person=person, method=PaymentMethod.CARD))


def test_the_first_payment_on_the_providers_page_starts_the_subscription(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member, charge_day=7)
    fields = last_transaction(simulator)
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.token == fields["Token"]
    assert subscription.card_mask == "Visa •••• 4242"
    [payment] = _card_payments(member)
    assert (payment.amount_tiyn, payment.reference) == (
        2_000_00,
        fields["TransactionId"],
    )
    paid_on = today()
    assert subscription.due_on == (
        dt.date(paid_on.year + paid_on.month // 12, paid_on.month % 12 + 1, 7)
    )
    assert subscription.next_charge_on == subscription.due_on
    order = next(iter(simulator.orders.values()))
    assert order.account_id == account_id_of(member.pk)
    assert str(order.amount) == "2000.00"
    assert AuditEvent.objects.filter(
        action=AuditAction.DUES_CARD_REQUESTED, person_id=member.pk
    ).exists()


def test_a_declined_first_payment_leaves_the_request_waiting_and_takes_no_money(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member, card=DECLINED)
    assert subscription.status == SubscriptionStatus.PENDING
    assert subscription.last_error == "InsufficientFunds"
    assert subscription.token == ""
    assert _card_payments(member) == []


def test_a_duplicate_delivery_is_acknowledged_and_counts_once(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscribe(simulator, accountant, member)
    fields = last_transaction(simulator)
    assert deliver("pay", fields) == Answer.ACCEPTED
    assert deliver("pay", fields) == Answer.ACCEPTED
    assert len(_card_payments(member)) == 1
    outcomes = list(
        ProviderNotification.objects.filter(
            transaction_id=fields["TransactionId"]
        ).values_list("outcome", flat=True)
    )
    assert sorted(outcomes) == ["accepted", "duplicate", "duplicate"]


def test_a_decline_arriving_after_the_payment_does_not_undo_the_money(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member)
    fields = {
        **last_transaction(simulator),
        "Reason": "InsufficientFunds",
        "ReasonCode": "5051",
    }
    assert deliver("fail", fields) == Answer.ACCEPTED
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert len(_card_payments(member)) == 1
    assert ProviderNotification.objects.get(kind="fail").outcome == (
        NotificationOutcome.IGNORED
    )


@pytest.mark.parametrize("kind", ["check", "pay"])
@pytest.mark.parametrize(
    ("change", "answer"),
    [
        ({"InvoiceId": "KQ-S999999"}, Answer.UNKNOWN_INVOICE),
        ({"InvoiceId": "order-17"}, Answer.UNKNOWN_INVOICE),
        ({"AccountId": "KQ-P999999"}, Answer.UNKNOWN_ACCOUNT),
        ({"Amount": "1999.99"}, Answer.WRONG_AMOUNT),
        ({"Currency": "RUB"}, Answer.WRONG_AMOUNT),
        ({"DateTime": "2020-01-01 10:00:00"}, Answer.EXPIRED),
        ({"Data": '{"subscription": 999999}'}, Answer.UNKNOWN_INVOICE),
    ],
)
def test_a_notification_not_matching_our_request_is_refused_and_logged(
    simulator: Simulator,
    accountant: User,
    member: Person,
    change: dict[str, str],
    answer: Answer,
    kind: str,
) -> None:
    """A Check is answered with the protocol's code; a Pay only ever with 0 (any
    other code has it delivered again), the refusal kept in the log."""
    subscription = request_card_payments(
        actor=accountant,
        person=member,
        amount_tiyn=2_000_00,
        charge_day=5,
        language="en",
    )
    page = payment_page_of(subscription)
    simulator.pay_order(page.rsplit("/", 1)[1], "4242424242424242")
    fields = {**last_transaction(simulator), **change}
    assert deliver(kind, fields) == (answer if kind == "check" else Answer.ACCEPTED)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PENDING
    assert _card_payments(member) == []
    logged = ProviderNotification.objects.get()
    assert (logged.outcome, logged.answer) == (NotificationOutcome.REFUSED, answer)


def test_a_notification_signed_with_another_key_or_unsigned_is_not_read(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscription = request_card_payments(
        actor=accountant,
        person=member,
        amount_tiyn=2_000_00,
        charge_day=5,
        language="en",
    )
    provider = CloudPayments.from_settings()
    assert provider is not None
    body = f"TransactionId=1&Amount=2000.00&InvoiceId={subscription.invoice_id}"
    with pytest.raises(BadNotification):
        deliver("pay", {"TransactionId": "1"}, secret="not-the-secret")
    for headers in ({}, {"Content-HMAC": ""}, {"Content-HMAC": "AAAA"}):
        with pytest.raises(BadNotification):
            provider.parse_notification(kind="pay", body=body.encode(), headers=headers)
    assert not ProviderNotification.objects.exists()


def test_a_check_before_the_payment_is_answered_by_the_amount(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscription = request_card_payments(
        actor=accountant,
        person=member,
        amount_tiyn=2_000_00,
        charge_day=5,
        language="en",
    )
    simulator.pay_order(payment_page_of(subscription).rsplit("/", 1)[1], DECLINED)
    fields = {**last_transaction(simulator), "TransactionId": "77"}
    assert deliver("check", fields) == Answer.ACCEPTED
    assert deliver("check", {**fields, "TransactionId": "78", "Amount": "1.00"}) == (
        Answer.WRONG_AMOUNT
    )


def test_a_charge_of_the_saved_card_is_recorded_once_with_its_notification(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member, charge_day=5)
    day = _due_today(subscription)
    run = charge_due_subscriptions(today=day)
    assert (run.paid, run.declined, run.stopped) == (1, 0, 0)
    request = simulator.charge_requests[-1]
    assert request["Token"] == subscription.token
    assert str(request["Amount"]) == "2000.00"
    # Started by us on the schedule agreed with the member.
    assert (request["TrInitiatorCode"], request["PaymentScheduled"]) == (0, 1)
    assert request["InvoiceId"] == f"KQ-S{subscription.pk}-{day:%Y%m}"
    fields = last_transaction(simulator)
    payments = _card_payments(member)
    assert fields["TransactionId"] in {p.reference for p in payments}
    assert len(payments) == 2
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.due_on == dt.date(
        day.year + day.month // 12, day.month % 12 + 1, 5
    )
    # The provider's notification of the same charge, and its redelivery.
    assert deliver("pay", fields) == Answer.ACCEPTED
    assert deliver("pay", fields) == Answer.ACCEPTED
    assert len(_card_payments(member)) == 2
    subscription.refresh_from_db()
    assert subscription.due_on == dt.date(
        day.year + day.month // 12, day.month % 12 + 1, 5
    )
    # Run again the same day: nothing is due any more.
    assert charge_due_subscriptions(today=day).paid == 0
    assert len(simulator.charge_requests) == 1


def test_a_declined_card_is_retried_after_1_3_and_7_days_then_stopped_and_told(
    simulator: Simulator,
    accountant: User,
    member: Person,
    inbox: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription = subscribe(simulator, accountant, member, charge_day=5)
    simulator.decline_token(subscription.token, 5051)
    day = _due_today(subscription, dt.date(2027, 1, 5))
    for attempt, wait in enumerate(RETRY_AFTER_DAYS, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            run = charge_due_subscriptions(today=day)
        assert run.declined == 1
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.FAILING
        assert subscription.failed_attempts == attempt
        assert subscription.next_charge_on == day + dt.timedelta(days=wait)
        # The provider's Fail of the same charge changes nothing more.
        assert deliver("fail", last_transaction(simulator)) == Answer.ACCEPTED
        subscription.refresh_from_db()
        assert subscription.failed_attempts == attempt
        # Not due in between.
        assert charge_due_subscriptions(today=day).declined == 0
        day = subscription.next_charge_on
    with django_capture_on_commit_callbacks(execute=True):
        run = charge_due_subscriptions(today=day)
    assert (run.declined, run.stopped) == (1, 1)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.STOPPED
    assert subscription.next_charge_on is None
    assert charge_due_subscriptions(today=day + dt.timedelta(days=30)).declined == 0
    assert CardCharge.objects.filter(outcome=ChargeOutcome.DECLINED).count() == 4
    assert _card_payments(member).__len__() == 1
    to_member = [m["Subject"] for m in inbox.to("member@example.kz")]
    assert to_member == [
        "Your union dues could not be charged to your card",
    ] * 3 + ["Your union dues are no longer paid by card"]
    [to_staff] = inbox.to("accountant@example.kz")
    assert to_staff["Subject"].strip() == f"Card payments of {member.full_name} stopped"
    assert "declined the charge and every retry" in to_staff.get_content()


def test_a_charge_without_an_answer_is_retried_and_its_late_payment_counts(
    simulator: Simulator, accountant: User, member: Person, settings: Any
) -> None:
    subscription = subscribe(simulator, accountant, member)
    day = _due_today(subscription)
    working = dict(settings.KASIPODAQ_PAYMENT_PROVIDER)
    settings.KASIPODAQ_PAYMENT_PROVIDER = {
        **working,
        "api_url": "http://127.0.0.1:9",
    }
    run = charge_due_subscriptions(today=day)
    assert run.unanswered == 1
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.FAILING
    attempt = CardCharge.objects.get(outcome=ChargeOutcome.UNKNOWN)
    # The provider did charge: its Pay arrives later and settles the month.
    settings.KASIPODAQ_PAYMENT_PROVIDER = working
    fields = {
        **last_transaction(simulator),
        "TransactionId": "987654",
        "InvoiceId": attempt.invoice_id,
    }
    assert deliver("pay", fields) == Answer.ACCEPTED
    attempt.refresh_from_db()
    subscription.refresh_from_db()
    assert (attempt.outcome, attempt.transaction_id) == (ChargeOutcome.PAID, "987654")
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.failed_attempts == 0
    assert subscription.due_on is not None and subscription.due_on > day
    assert len(_card_payments(member)) == 2


def test_a_member_is_reminded_once_before_each_charge(
    simulator: Simulator,
    accountant: User,
    member: Person,
    inbox: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription = subscribe(simulator, accountant, member)
    coming = today() + dt.timedelta(days=2)
    _due_today(subscription, coming)
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            charge_due_subscriptions(today=today())
    [message] = inbox.to("member@example.kz")
    assert message["Subject"].startswith("Union dues will be charged to your card")
    assert "2,000.00" in message.get_content()
    assert "Visa •••• 4242" in message.get_content()
    subscription.refresh_from_db()
    assert subscription.reminded_for == coming


def test_staff_cancel_a_subscription_and_it_is_audited_but_not_from_elsewhere(
    simulator: Simulator, tree: Tree, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member)
    stranger = grant(Role.ACCOUNTANT, tree.regions[1])
    with pytest.raises(PermissionRefused):
        cancel_card_payments(
            actor=stranger, subscription=subscription, at_members_request=True
        )
    cancel_card_payments(
        actor=accountant, subscription=subscription, at_members_request=True
    )
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert subscription.ended_by == accountant
    event = AuditEvent.objects.get(action=AuditAction.DUES_CARD_CANCELLED)
    assert event.person_id == member.pk
    _due_today(subscription)
    assert charge_due_subscriptions(today=today()).paid == 0


def test_the_client_reports_declines_unknown_tokens_and_refused_credentials(
    simulator: Simulator, accountant: User, member: Person, settings: Any
) -> None:
    subscription = subscribe(simulator, accountant, member)
    provider = CloudPayments.from_settings()
    assert provider is not None
    charge: dict[str, Any] = {
        "account_id": account_id_of(member.pk),
        "amount_tiyn": 1_00,
        "currency": "KZT",
        "description": "test",
        "data": {},
    }
    unknown = provider.charge_token(
        token="tk_nope", invoice_id="KQ-x1", request_id="r1", **charge
    )
    assert (unknown.paid, unknown.message) == (False, "Token not found")
    simulator.decline_token(subscription.token, 5005)
    declined = provider.charge_token(
        token=subscription.token, invoice_id="KQ-x2", request_id="r2", **charge
    )
    assert (declined.paid, declined.reason_code) == (False, 5005)
    assert declined.transaction_id
    # The same request id answers the same, without a second charge.
    again = provider.charge_token(
        token=subscription.token, invoice_id="KQ-x2", request_id="r2", **charge
    )
    assert again == declined
    wrong = CloudPayments(
        api_url=simulator.url, public_id="pk_test_kasipodaq", api_secret="wrong"
    )
    with pytest.raises(ProviderError):
        wrong.charge_token(
            token=subscription.token, invoice_id="KQ-x3", request_id="r3", **charge
        )
    assert SECRET not in repr(provider)


def _charge(
    provider: CloudPayments, token: str, request_id: str, account_id: str = "KQ-P1"
) -> ChargeResult:
    return provider.charge_token(
        token=token,
        account_id=account_id,
        amount_tiyn=1_00,
        currency="KZT",
        invoice_id=f"KQ-{request_id}",
        description="test",
        data={},
        request_id=request_id,
    )


def test_a_card_that_pays_once_can_still_have_its_token_charges_declined(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    """4111 1111 1111 1111 is one of the documented test cards that pay but
    whose token payments are declined for want of money."""
    subscription = subscribe(simulator, accountant, member, card="4111111111111111")
    assert subscription.status == SubscriptionStatus.ACTIVE
    day = _due_today(subscription)
    assert charge_due_subscriptions(today=day).declined == 1
    attempt = CardCharge.objects.get(outcome=ChargeOutcome.DECLINED)
    assert (attempt.reason_code, attempt.message) == (
        5051,
        "Insufficient funds on the card",
    )
    assert attempt.transaction_id == last_transaction(simulator)["TransactionId"]
    assert last_transaction(simulator)["Reason"] == "InsufficientFunds"


def test_a_charge_is_settled_by_its_transactions_status_not_by_success() -> None:
    """Success says the request went through; Status says what the money did."""
    paid = {"Success": True, "Model": {"TransactionId": 7, "Status": "Completed"}}
    assert charge_result(paid).paid
    declined = {
        "Success": False,
        "Message": None,
        "Model": {
            "TransactionId": 8,
            "Status": "Declined",
            "ReasonCode": 5054,
            "Reason": "ExpiredCard",
            "CardHolderMessage": "Check the card details",
        },
    }
    assert charge_result(declined) == ChargeResult(
        paid=False,
        transaction_id="8",
        reason_code=5054,
        message="Check the card details",
    )
    refused = {"Success": False, "Message": "Amount is required", "Model": None}
    assert charge_result(refused).message == "Amount is required"
    for unsettled in (
        {"Success": True, "Model": {"TransactionId": 9, "Status": "Authorized"}},
        {"Success": False, "Model": {"TransactionId": 9, "AcsUrl": "https://x"}},
        {"Success": True, "Model": None},
    ):
        with pytest.raises(ProviderError):
            charge_result(unsettled)


def test_the_simulator_wants_the_initiator_of_a_token_charge(
    simulator: Simulator,
) -> None:
    provider = CloudPayments.from_settings()
    assert provider is not None
    body = {"Amount": 1_00, "AccountId": "KQ-P1", "Token": "tk_x"}
    assert provider.call("/payments/tokens/charge", dict(body), request_id="") == {
        "Success": False,
        "Message": "TrInitiatorCode is required",
    }
    assert provider.call(
        "/payments/tokens/charge",
        {**body, "TrInitiatorCode": 0, "PaymentScheduled": 2},
        request_id="",
    ) == {"Success": False, "Message": "Invalid PaymentScheduled value"}


def test_a_repeated_request_id_is_answered_as_the_first_for_an_hour(
    simulator: Simulator, accountant: User, member: Person
) -> None:
    subscription = subscribe(simulator, accountant, member)
    provider = CloudPayments.from_settings()
    assert provider is not None
    started = simulator.clock()
    account = account_id_of(member.pk)
    first = _charge(provider, subscription.token, "r-hour", account)
    assert first.paid
    assert _charge(provider, subscription.token, "r-hour", account) == first
    assert len(simulator.charge_requests) == 1
    simulator.clock = lambda: started + REQUEST_ID_KEPT_SECONDS + 1
    later = _charge(provider, subscription.token, "r-hour", account)
    assert later.paid and later.transaction_id != first.transaction_id
    assert len(simulator.charge_requests) == 2


def test_a_request_without_an_answer_is_sent_again_under_the_same_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[str] = []
    answers: list[Any] = [
        cloudpayments._NoAnswer("unreachable"),
        b'{"Success": true, "Model": {"TransactionId": 5, "Status": "Completed"}}',
    ]

    def post(_self: Any, _path: str, _payload: bytes, request_id: str) -> bytes:
        sent.append(request_id)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return bytes(answer)

    monkeypatch.setattr(CloudPayments, "_post", post)
    monkeypatch.setattr(cloudpayments, "REPEAT_PAUSE_SECONDS", 0)
    provider = CloudPayments(api_url="https://x", public_id="pk", api_secret="s")
    assert _charge(provider, "tk", "r-again").paid
    assert sent == ["r-again", "r-again"]


def test_only_the_content_hmac_of_the_body_as_sent_is_trusted(
    simulator: Simulator,
) -> None:
    """X-Content-HMAC signs the URL-decoded body, which no longer says where a
    field ends: re-encoded, a signed Name could become other fields."""
    provider = CloudPayments.from_settings()
    assert provider is not None
    sent = urllib.parse.urlencode(
        {"TransactionId": "5", "Amount": "1.00", "Name": "A&InvoiceId=KQ-S1"}
    ).encode()
    forged = urllib.parse.unquote_plus(sent.decode()).encode()
    assert sign_decoded(forged, SECRET) == sign_decoded(sent, SECRET)
    with pytest.raises(BadNotification):
        provider.parse_notification(
            kind="pay",
            body=forged,
            headers={"X-Content-HMAC": sign_decoded(sent, SECRET)},
        )
    event = provider.parse_notification(
        kind="pay", body=sent, headers={"Content-HMAC": sign(sent, SECRET)}
    )
    assert (event.invoice_id, event.fields["Name"]) == ("", "A&InvoiceId=KQ-S1")


def test_our_answers_are_the_protocols_numbers() -> None:
    assert {int(a) for a in Answer} == set(NotificationAnswer.values)


def test_the_provider_settings_are_checked() -> None:
    assert (
        provider_problems(
            {
                "api_url": "https://api.cloudpayments.ru",
                "public_id": "pk",
                "api_secret": "s",
            }
        )
        == []
    )
    assert (
        provider_problems(
            {"api_url": "http://127.0.0.1:8100", "public_id": "pk", "api_secret": "s"}
        )
        == []
    )
    assert (
        len(
            provider_problems(
                {"api_url": "http://example.com", "public_id": "pk", "api_secret": "s"}
            )
        )
        == 1
    )
    assert len(provider_problems({"api_url": "https://x"})) == 2
    assert provider_problems([]) != []


def test_without_a_provider_card_payments_are_refused(
    settings: Any, accountant: User, member: Person
) -> None:
    settings.KASIPODAQ_PAYMENT_PROVIDER = {}
    with pytest.raises(DuesRefusal):
        request_card_payments(
            actor=accountant,
            person=member,
            amount_tiyn=1_00,
            charge_day=5,
            language="en",
        )
    assert not CardSubscription.objects.exists()
