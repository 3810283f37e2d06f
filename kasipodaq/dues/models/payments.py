"""Money received, and the numbers of cash receipts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    PAYROLL = "payroll", _("Payroll deduction")
    CARD = "card", _("Bank card")
    CASH = "cash", _("Cash")


class Payment(models.Model):
    """Money received from a member, split at once between the levels (LedgerEntry).

    `reference` is what the source calls it — a payroll list's line, the payment
    provider's transaction, a cash receipt's number — and is unique per method, so
    the same money can never be counted twice.
    """

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    method = models.CharField(_("method"), max_length=8, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=64)
    # The month the payer named (a payroll list's); empty: the oldest owed first.
    month = models.DateField(_("for the month"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"))
    # The member's primary organization when paid: where the split starts.
    org_unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The payroll list it came from, if any: its shares are the list's entries.
    payroll = models.ForeignKey(
        "dues.PayrollList",
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        db_index=False,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_path = "org_unit__path"

    class Meta:
        verbose_name = _("dues payment")
        indexes = [
            models.Index(fields=["person", "paid_on"]),
            models.Index(fields=["org_unit", "paid_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "reference"], name="dues_payment_counted_once"
            ),
            models.CheckConstraint(
                condition=Q(amount_tiyn__gt=0), name="dues_payment_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.reference}: {self.amount_tiyn}"


class ReceiptSequence(models.Model):
    """The last cash receipt number of a year: receipts are numbered without gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
