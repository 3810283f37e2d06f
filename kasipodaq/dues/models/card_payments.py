"""Dues paid by bank card every month through a payment provider.

A member's `CardSubscription` starts as a request: the member pays once on the
provider's page, the provider saves the card and hands us a token, and from then
on Kasipodaq charges the token on the chosen day of each month. Every charge is a
`CardCharge`; every notification the provider sent is kept in
`ProviderNotification`, which is how a repeated delivery is recognised and counted
once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# A day that every month has.
LAST_CHARGE_DAY = 28


class SubscriptionStatus(models.TextChoices):
    # Requested: the member has not yet paid on the provider's page.
    PENDING = "pending", _("Waiting for the first payment")
    ACTIVE = "active", _("Active")
    # The last charge was declined; it is being retried.
    FAILING = "failing", _("Failing")
    # Declined after every retry: no more charges until the member pays again.
    STOPPED = "stopped", _("Stopped")
    CANCELLED = "cancelled", _("Cancelled")


# The subscriptions still running: at most one per member.
LIVE = (
    SubscriptionStatus.PENDING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.FAILING,
)


class CardSubscription(models.Model):
    """A member's standing order to pay dues by card each month."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    amount_tiyn = models.BigIntegerField(_("monthly amount (tiyn)"))
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    charge_day = models.PositiveSmallIntegerField(_("day of the month"))
    # The language the member is written to in.
    language = models.CharField(_("language"), max_length=2, default="ru")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.PENDING,
    )
    # The provider's saved card: charged by the token, shown by the mask only.
    token = models.CharField(max_length=128, blank=True, editable=False)
    card_mask = models.CharField(_("card"), max_length=40, blank=True)
    # The day the current month's dues fall due, and when a charge is next tried
    # (later than `due_on` while retrying).
    due_on = models.DateField(_("due on"), null=True, blank=True)
    next_charge_on = models.DateField(_("next charge on"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(
        _("declined charges in a row"), default=0
    )
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    # What the member was last told, so that nothing is said twice: the due date a
    # reminder went out for, and when the stop was announced.
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    stop_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "person__current_membership__org_unit__path"

    class Meta:
        verbose_name = _("card subscription")
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["status", "next_charge_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=LIVE),
                name="dues_card_subscription_one_live",
            ),
            models.CheckConstraint(
                condition=Q(amount_tiyn__gt=0), name="dues_card_subscription_positive"
            ),
            models.CheckConstraint(
                condition=Q(charge_day__gte=1, charge_day__lte=LAST_CHARGE_DAY),
                name="dues_card_subscription_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.status}: {self.amount_tiyn}"

    @property
    def invoice_id(self) -> str:
        """Our name of the first payment, which starts the subscription."""
        return f"KQ-S{self.pk}"

    def charge_invoice_id(self, due_on: object) -> str:
        """Our name of the month's charge (the same for its retries)."""
        return f"KQ-S{self.pk}-{due_on:%Y%m}"


class ChargeOutcome(models.TextChoices):
    PAID = "paid", _("Paid")
    DECLINED = "declined", _("Declined")
    # No answer from the provider: nothing is known, a notification may tell.
    UNKNOWN = "unknown", _("No answer")


class CardCharge(models.Model):
    """One attempt to charge a subscription's card."""

    subscription = models.ForeignKey(
        CardSubscription, on_delete=models.CASCADE, related_name="charges"
    )
    due_on = models.DateField(_("due on"))
    attempted_at = models.DateTimeField(_("tried at"), auto_now_add=True)
    invoice_id = models.CharField(max_length=40)
    transaction_id = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=ChargeOutcome.choices
    )
    reason_code = models.IntegerField(null=True, blank=True)
    message = models.CharField(max_length=200, blank=True)
    payment = models.ForeignKey(
        "dues.Payment", on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Whether this attempt counted as one of the declines in a row (once only,
    # whether its answer or its notification came first).
    failure_counted = models.BooleanField(default=False, editable=False)
    # When the member was told this attempt was declined.
    notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("card charge")
        ordering = ["-attempted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["transaction_id"],
                condition=~Q(transaction_id=""),
                name="dues_card_charge_transaction_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.outcome}"


class NotificationOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    # The same notification again: acknowledged, nothing changed.
    DUPLICATE = "duplicate", _("Delivered again")
    # Acknowledged but changes nothing (a decline after the money came).
    IGNORED = "ignored", _("Ignored")
    REFUSED = "refused", _("Refused")


class NotificationAnswer(models.IntegerChoices):
    """Our answer to a notification, numbered as the provider's protocol has it."""

    ACCEPTED = 0, _("Accepted")
    UNKNOWN_INVOICE = 10, _("Unknown invoice")
    UNKNOWN_ACCOUNT = 11, _("Unknown account")
    WRONG_AMOUNT = 12, _("Wrong amount")
    REFUSED = 13, _("Payment refused")
    EXPIRED = 20, _("Too old")


class ProviderNotification(models.Model):
    """A signed notification received from the payment provider, and what came
    of it. The first accepted one of a transaction and kind is unique."""

    kind = models.CharField(max_length=8)
    transaction_id = models.CharField(max_length=40)
    invoice_id = models.CharField(max_length=40, blank=True)
    account_id = models.CharField(max_length=40, blank=True)
    amount_tiyn = models.BigIntegerField()
    currency = models.CharField(max_length=3, blank=True)
    occurred_at = models.DateTimeField(null=True)
    reason_code = models.IntegerField(null=True)
    # The other fields as received (never the token).
    fields = models.JSONField(default=dict)
    subscription = models.ForeignKey(
        CardSubscription,
        on_delete=models.SET_NULL,
        null=True,
        related_name="notifications",
    )
    payment = models.ForeignKey(
        "dues.Payment", on_delete=models.PROTECT, null=True, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=NotificationOutcome.choices)
    answer = models.SmallIntegerField(
        choices=NotificationAnswer.choices, default=NotificationAnswer.ACCEPTED
    )
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment provider notification")
        indexes = [models.Index(fields=["transaction_id", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "transaction_id"],
                condition=Q(outcome="accepted"),
                name="dues_provider_notification_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.transaction_id}: {self.outcome}"
