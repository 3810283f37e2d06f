"""Dues paid by card every month: starting, charging, retrying, stopping.

The member pays the first time on the provider's page; the provider's Pay
notification carries the saved card's token and starts the subscription. From
then on `charge_due_subscriptions` charges every subscription whose day has come.
A declined charge is tried again after 1, 3 and 7 days, then the subscription
stops, and the member and their organization's finance staff are told.

Money only ever enters through `record_payment` (method card, the provider's
transaction id as the reference), so a payment told twice — by the charge's answer
and by its notification, or by a notification delivered twice — counts once.
Messages go out after the transaction commits; what was said is recorded in that
transaction, so none is sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record
from kasipodaq.registry.models import Person

from ..errors import DuesRefusal
from ..models import (
    CardCharge,
    CardSubscription,
    ChargeOutcome,
    NotificationOutcome,
    Payment,
    PaymentMethod,
    ProviderNotification,
    SubscriptionStatus,
)
from ..models.card_payments import LAST_CHARGE_DAY, LIVE
from ..money import to_tenge
from ..months import month_of, next_month
from ..providers.base import (
    Answer,
    EventKind,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
)
from ..providers.cloudpayments import CloudPayments
from . import card_notices
from .payments import LARGEST_PAYMENT_TIYN, record_payment

log = logging.getLogger(__name__)

# Days after a declined charge when it is tried again; declined once more after
# the last, the subscription stops.
RETRY_AFTER_DAYS = (1, 3, 7)
# A notification about an operation older than this is refused as a replay.
DEFAULT_NOTIFICATION_MAX_AGE_HOURS = 72
# Nor is one dated this far ahead of our clock accepted.
CLOCK_SKEW = dt.timedelta(minutes=10)
NO_ANSWER = "no answer from the payment provider"
_INVOICE = re.compile(r"^KQ-S(\d{1,18})(?:-(\d{4})(\d{2}))?$")


def current_provider() -> PaymentProvider | None:
    """The provider configured now (settings are read at each call)."""
    return CloudPayments.from_settings()


def _provider() -> PaymentProvider:
    found = current_provider()
    if found is None:
        raise DuesRefusal(_("Card payments are not set up here."))
    return found


def account_id_of(person_id: int) -> str:
    """How the provider knows a member (its AccountId)."""
    return f"KQ-P{person_id}"


def first_due_on(paid_on: dt.date, charge_day: int) -> dt.date:
    """The first monthly charge after the first payment: next month's day."""
    return next_month(month_of(paid_on)).replace(day=charge_day)


def _following(due_on: dt.date, charge_day: int) -> dt.date:
    return next_month(month_of(due_on)).replace(day=charge_day)


# Starting and ending, by staff.


@transaction.atomic
def request_card_payments(
    *,
    actor: Any,
    person: Person,
    amount_tiyn: int,
    charge_day: int,
    language: str,
) -> CardSubscription:
    """A subscription waiting for the member's first payment (the one already
    waiting, updated, if there is one)."""
    membership = person.current_membership
    if membership is None or membership.left_on is not None:
        raise DuesRefusal(_("Only a current member pays dues by card."))
    policy.require(actor, Perm.DUES_MANAGE, unit=membership.org_unit)
    _provider()
    if not 0 < amount_tiyn <= LARGEST_PAYMENT_TIYN:
        raise DuesRefusal(
            _("A payment is more than 0 and at most %(largest)s tenge.")
            % {"largest": to_tenge(LARGEST_PAYMENT_TIYN)},
            field="amount",
        )
    if not 1 <= charge_day <= LAST_CHARGE_DAY:
        raise DuesRefusal(
            _("The day of the month is from 1 to %(last)s.")
            % {"last": LAST_CHARGE_DAY},
            field="charge_day",
        )
    live = (
        CardSubscription.objects.select_for_update()
        .filter(person=person, status__in=LIVE)
        .first()
    )
    if live is not None and live.status != SubscriptionStatus.PENDING:
        raise DuesRefusal(_("This member already pays by card every month."))
    subscription = live or CardSubscription(person=person)
    subscription.amount_tiyn = amount_tiyn
    subscription.charge_day = charge_day
    subscription.language = language
    subscription.requested_by = actor if getattr(actor, "pk", None) else None
    subscription.save()
    record(
        actor=actor,
        action=AuditAction.DUES_CARD_REQUESTED,
        target=subscription,
        person_id=person.pk,
        after={"amount": str(to_tenge(amount_tiyn)), "charge_day": charge_day},
    )
    return subscription


def payment_page_of(subscription: CardSubscription) -> str:
    """The provider's page where the member makes the first payment."""
    try:
        return _provider().payment_page(
            account_id=account_id_of(subscription.person_id),
            amount_tiyn=subscription.amount_tiyn,
            currency=subscription.currency,
            invoice_id=subscription.invoice_id,
            description=_("Union dues, monthly by card"),
            email=subscription.person.email,
            data={"subscription": subscription.pk},
        )
    except ProviderError:
        raise DuesRefusal(
            _("The payment provider cannot be reached; try again later.")
        ) from None


@transaction.atomic
def cancel_card_payments(
    *, actor: Any, subscription: CardSubscription, at_members_request: bool
) -> CardSubscription:
    """No more charges; what was paid stays paid."""
    subscription = CardSubscription.objects.select_for_update().get(pk=subscription.pk)
    person = Person.objects.select_related("current_membership__org_unit").get(
        pk=subscription.person_id
    )
    if person.current_membership is None:
        raise DuesRefusal(_("This person has never been a member."))
    policy.require(actor, Perm.DUES_MANAGE, unit=person.current_membership.org_unit)
    if subscription.status not in LIVE:
        raise DuesRefusal(_("These card payments have already ended."))
    before = subscription.status
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.next_charge_on = None
    subscription.ended_at = timezone.now()
    subscription.ended_by = actor if getattr(actor, "pk", None) else None
    subscription.end_reason = (
        "member's request" if at_members_request else "cancelled by staff"
    )
    subscription.save()
    record(
        actor=actor,
        action=AuditAction.DUES_CARD_CANCELLED,
        target=subscription,
        person_id=person.pk,
        before={"status": before},
        after={"status": subscription.status, "reason": subscription.end_reason},
    )
    return subscription


# Notifications from the provider.


class _CountedAlready(Exception):
    """Another delivery of the same notification got there first."""


def receive_notification(
    *, event: ProviderEvent, now: dt.datetime | None = None
) -> Answer:
    """Act on a verified notification once; the answer the provider expects.

    A notification already acted on is acknowledged and changes nothing; one too
    old, from the future, or about an invoice or account we do not know is
    refused; every one is logged, with the protocol's code for its refusal. Only
    a Check is answered with that code: a Pay or a Fail tells of what has
    happened already, the protocol answers it with 0 alone, and any other code
    has it delivered again (up to 100 times).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            answer = _receive(event, now)
    except (IntegrityError, _CountedAlready):
        _log(event, None, NotificationOutcome.DUPLICATE, Answer.ACCEPTED, "raced")
        return Answer.ACCEPTED
    return answer if event.kind == EventKind.CHECK else Answer.ACCEPTED


def _receive(event: ProviderEvent, now: dt.datetime) -> Answer:
    if ProviderNotification.objects.filter(
        kind=event.kind,
        transaction_id=event.transaction_id,
        outcome=NotificationOutcome.ACCEPTED,
    ).exists():
        return _log(event, None, NotificationOutcome.DUPLICATE, Answer.ACCEPTED)
    max_age = dt.timedelta(
        hours=getattr(
            settings,
            "KASIPODAQ_PAYMENT_NOTIFICATION_MAX_AGE_HOURS",
            DEFAULT_NOTIFICATION_MAX_AGE_HOURS,
        )
    )
    if event.occurred_at is None or not (
        now - max_age <= event.occurred_at <= now + CLOCK_SKEW
    ):
        return _refuse(event, None, Answer.EXPIRED, "outside the accepted window")
    found = _INVOICE.match(event.invoice_id)
    subscription = (
        CardSubscription.objects.select_for_update().filter(pk=found[1]).first()
        if found
        else None
    )
    if subscription is None or event.data.get("subscription") not in (
        None,
        subscription.pk,
    ):
        return _refuse(event, None, Answer.UNKNOWN_INVOICE, "unknown invoice")
    if event.account_id != account_id_of(subscription.person_id):
        return _refuse(event, subscription, Answer.UNKNOWN_ACCOUNT, "unknown account")
    if (
        event.amount_tiyn != subscription.amount_tiyn
        or event.currency != subscription.currency
    ):
        return _refuse(event, subscription, Answer.WRONG_AMOUNT, "wrong amount")
    due_on = dt.date(int(found[2]), int(found[3]), 1) if found and found[2] else None
    if event.kind == EventKind.CHECK:
        if subscription.status not in LIVE:
            return _refuse(event, subscription, Answer.REFUSED, "subscription ended")
        return _log(event, subscription, NotificationOutcome.ACCEPTED, Answer.ACCEPTED)
    if event.kind == EventKind.PAY:
        return _paid(event, subscription, due_on, now)
    return _declined(event, subscription, due_on, now)


def _paid(
    event: ProviderEvent,
    subscription: CardSubscription,
    due_month: dt.date | None,
    now: dt.datetime,
) -> Answer:
    paid_on = min(timezone.localdate(event.occurred_at or now), timezone.localdate(now))
    try:
        payment = _money(subscription, event.transaction_id, paid_on)
    except DuesRefusal as refusal:
        return _refuse(event, subscription, Answer.REFUSED, str(refusal)[:200])
    if due_month is None:
        if subscription.status == SubscriptionStatus.PENDING and event.token:
            _start(subscription, event, paid_on, now)
    else:
        attempt = _attempt_for(subscription, event.invoice_id, event.transaction_id)
        if attempt is None:
            attempt = CardCharge(
                subscription=subscription,
                due_on=subscription.due_on or due_month,
                invoice_id=event.invoice_id,
            )
        attempt.transaction_id = event.transaction_id
        attempt.outcome = ChargeOutcome.PAID
        attempt.payment = payment
        attempt.save()
        if (
            subscription.status
            in (SubscriptionStatus.ACTIVE, SubscriptionStatus.FAILING)
            and subscription.due_on
            and month_of(subscription.due_on) == due_month
        ):
            _advance(subscription)
    return _log(
        event, subscription, NotificationOutcome.ACCEPTED, Answer.ACCEPTED, "", payment
    )


def _declined(
    event: ProviderEvent,
    subscription: CardSubscription,
    due_month: dt.date | None,
    now: dt.datetime,
) -> Answer:
    if Payment.objects.filter(
        method=PaymentMethod.CARD, reference=event.transaction_id
    ).exists():
        return _log(
            event,
            subscription,
            NotificationOutcome.IGNORED,
            Answer.ACCEPTED,
            "declined after it was paid",
        )
    reason = event.reason or (str(event.reason_code) if event.reason_code else "")
    if due_month is None:
        if subscription.status == SubscriptionStatus.PENDING:
            subscription.last_error = reason[:200]
            subscription.save(update_fields=["last_error", "updated_at"])
    else:
        attempt = _attempt_for(subscription, event.invoice_id, event.transaction_id)
        if attempt is None:
            attempt = CardCharge(
                subscription=subscription,
                due_on=subscription.due_on or due_month,
                invoice_id=event.invoice_id,
                outcome=ChargeOutcome.DECLINED,
            )
        if attempt.outcome != ChargeOutcome.PAID:
            attempt.transaction_id = event.transaction_id
            attempt.outcome = ChargeOutcome.DECLINED
            attempt.reason_code = event.reason_code
            attempt.message = reason[:200]
            attempt.save()
            if (
                not attempt.failure_counted
                and subscription.due_on
                and month_of(subscription.due_on) == due_month
                and subscription.status
                in (SubscriptionStatus.ACTIVE, SubscriptionStatus.FAILING)
            ):
                _count_failure(subscription, attempt, timezone.localdate(now))
    return _log(event, subscription, NotificationOutcome.ACCEPTED, Answer.ACCEPTED)


def _attempt_for(
    subscription: CardSubscription, invoice_id: str, transaction_id: str
) -> CardCharge | None:
    """The charge a notification tells about: the one with its transaction, or
    the month's attempt still waiting for its answer."""
    return (
        CardCharge.objects.select_for_update()
        .filter(subscription=subscription)
        .filter(
            Q(transaction_id=transaction_id)
            | Q(invoice_id=invoice_id, transaction_id="", outcome=ChargeOutcome.UNKNOWN)
        )
        .order_by("-transaction_id", "-pk")
        .first()
    )


def _money(
    subscription: CardSubscription, transaction_id: str, paid_on: dt.date
) -> Payment:
    """The payment of a transaction: recorded now, or found recorded."""
    found = Payment.objects.filter(
        method=PaymentMethod.CARD, reference=transaction_id
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return record_payment(
                actor=None,
                person=Person.objects.select_related("current_membership").get(
                    pk=subscription.person_id
                ),
                amount_tiyn=subscription.amount_tiyn,
                method=PaymentMethod.CARD,
                reference=transaction_id,
                paid_on=paid_on,
            )
    except DuesRefusal:
        if Payment.objects.filter(
            method=PaymentMethod.CARD, reference=transaction_id
        ).exists():
            raise _CountedAlready from None
        raise


def _start(
    subscription: CardSubscription,
    event: ProviderEvent,
    paid_on: dt.date,
    now: dt.datetime,
) -> None:
    subscription.token = event.token
    subscription.card_mask = event.card_mask
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.started_at = now
    subscription.due_on = first_due_on(paid_on, subscription.charge_day)
    subscription.next_charge_on = subscription.due_on
    subscription.failed_attempts = 0
    subscription.last_error = ""
    subscription.save()


def _advance(subscription: CardSubscription) -> None:
    """The month is paid: the next one falls due."""
    assert subscription.due_on is not None
    subscription.due_on = _following(subscription.due_on, subscription.charge_day)
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.next_charge_on = subscription.due_on
    subscription.failed_attempts = 0
    subscription.last_error = ""
    subscription.save()


def _count_failure(
    subscription: CardSubscription, attempt: CardCharge, on: dt.date
) -> None:
    """A declined (or unanswered) charge: retry later, or stop after the last."""
    subscription.failed_attempts += 1
    subscription.last_error = attempt.message[:200]
    attempt.failure_counted = True
    attempt.save(update_fields=["failure_counted"])
    if subscription.failed_attempts > len(RETRY_AFTER_DAYS):
        subscription.status = SubscriptionStatus.STOPPED
        subscription.next_charge_on = None
        subscription.ended_at = timezone.now()
        subscription.end_reason = "declined after every retry"
        subscription.stop_announced_at = timezone.now()
        subscription.save()
        transaction.on_commit(
            lambda pk=subscription.pk: card_notices.announce_stop(pk),  # type: ignore[misc]
            robust=True,
        )
        return
    subscription.status = SubscriptionStatus.FAILING
    subscription.next_charge_on = on + dt.timedelta(
        days=RETRY_AFTER_DAYS[subscription.failed_attempts - 1]
    )
    subscription.save()
    attempt.notice_sent_at = timezone.now()
    attempt.save(update_fields=["notice_sent_at"])
    transaction.on_commit(
        lambda pk=attempt.pk: card_notices.tell_declined(pk),  # type: ignore[misc]
        robust=True,
    )


def _refuse(
    event: ProviderEvent,
    subscription: CardSubscription | None,
    answer: Answer,
    detail: str,
) -> Answer:
    log.warning(
        "Payment notification %s %s refused: %s",
        event.kind,
        event.transaction_id,
        detail,
    )
    return _log(event, subscription, NotificationOutcome.REFUSED, answer, detail)


def _log(
    event: ProviderEvent,
    subscription: CardSubscription | None,
    outcome: str,
    answer: Answer,
    detail: str = "",
    payment: Payment | None = None,
) -> Answer:
    ProviderNotification.objects.create(
        kind=event.kind,
        transaction_id=event.transaction_id,
        invoice_id=event.invoice_id[:40],
        account_id=event.account_id[:40],
        amount_tiyn=event.amount_tiyn,
        currency=event.currency[:3],
        occurred_at=event.occurred_at,
        reason_code=event.reason_code,
        fields=dict(event.fields),
        subscription=subscription,
        payment=payment,
        outcome=outcome,
        answer=int(answer),
        detail=detail,
    )
    return answer


# The daily run.


@dataclass(frozen=True)
class ChargeRun:
    """What a day's run did."""

    reminded: int
    paid: int
    declined: int
    unanswered: int
    stopped: int


def charge_due_subscriptions(*, today: dt.date) -> ChargeRun:
    """Remind members of charges coming, then charge every subscription whose
    day has come. The provider is called outside any transaction; a charge
    being tried is moved to tomorrow first, so that a run killed half-way or a
    second run at the same time never charges it twice."""
    provider = _provider()
    reminded = card_notices.remind_coming_charges(today=today)
    due = list(
        CardSubscription.objects.filter(
            status__in=(SubscriptionStatus.ACTIVE, SubscriptionStatus.FAILING),
            next_charge_on__lte=today,
        )
        .order_by("next_charge_on", "pk")
        .values_list("pk", flat=True)
    )
    counts = dict.fromkeys(ChargeOutcome.values, 0)
    stopped = 0
    for pk in due:
        attempt = _begin_charge(pk, today)
        if attempt is None:
            continue
        subscription = attempt.subscription
        try:
            result = provider.charge_token(
                token=subscription.token,
                account_id=account_id_of(subscription.person_id),
                amount_tiyn=subscription.amount_tiyn,
                currency=subscription.currency,
                invoice_id=attempt.invoice_id,
                description=_("Union dues for %(month)s")
                % {"month": f"{attempt.due_on:%Y-%m}"},
                data={"subscription": subscription.pk},
                request_id=f"{attempt.invoice_id}-{attempt.pk}",
            )
        except ProviderError:
            result = None
        outcome, ended = _finish_charge(subscription.pk, attempt.pk, result, today)
        counts[outcome] += 1
        stopped += ended
    return ChargeRun(
        reminded=reminded,
        paid=counts[ChargeOutcome.PAID],
        declined=counts[ChargeOutcome.DECLINED],
        unanswered=counts[ChargeOutcome.UNKNOWN],
        stopped=stopped,
    )


@transaction.atomic
def _begin_charge(pk: int, today: dt.date) -> CardCharge | None:
    subscription = (
        CardSubscription.objects.select_for_update()
        .filter(
            pk=pk,
            status__in=(SubscriptionStatus.ACTIVE, SubscriptionStatus.FAILING),
            next_charge_on__lte=today,
        )
        .first()
    )
    if subscription is None or subscription.due_on is None:
        return None
    subscription.next_charge_on = today + dt.timedelta(days=1)
    subscription.save(update_fields=["next_charge_on", "updated_at"])
    return CardCharge.objects.create(
        subscription=subscription,
        due_on=subscription.due_on,
        invoice_id=subscription.charge_invoice_id(subscription.due_on),
        outcome=ChargeOutcome.UNKNOWN,
    )


@transaction.atomic
def _finish_charge(
    subscription_pk: int, attempt_pk: int, result: Any, today: dt.date
) -> tuple[str, bool]:
    """Apply the charge's answer unless a notification already did; the outcome
    and whether the subscription stopped. Locks the subscription before its
    charge, in the order a notification does."""
    subscription = CardSubscription.objects.select_for_update().get(pk=subscription_pk)
    attempt = CardCharge.objects.select_for_update().get(pk=attempt_pk)
    if attempt.outcome != ChargeOutcome.UNKNOWN or attempt.transaction_id:
        return attempt.outcome, subscription.status == SubscriptionStatus.STOPPED
    if result is not None and result.paid:
        try:
            attempt.payment = _money(subscription, result.transaction_id, today)
        except _CountedAlready:
            # Its notification got there in between (SQLite locks no rows).
            attempt.refresh_from_db()
            subscription.refresh_from_db()
            if attempt.outcome == ChargeOutcome.PAID:
                return ChargeOutcome.PAID, False
            attempt.payment = Payment.objects.get(
                method=PaymentMethod.CARD, reference=result.transaction_id
            )
        attempt.transaction_id = result.transaction_id
        attempt.outcome = ChargeOutcome.PAID
        attempt.save()
        _advance(subscription)
        return ChargeOutcome.PAID, False
    if result is not None:
        attempt.transaction_id = result.transaction_id
        attempt.outcome = ChargeOutcome.DECLINED
        attempt.reason_code = result.reason_code
        attempt.message = (result.message or str(result.reason_code or ""))[:200]
    else:
        attempt.message = NO_ANSWER
    attempt.save()
    _count_failure(subscription, attempt, today)
    return attempt.outcome, subscription.status == SubscriptionStatus.STOPPED
