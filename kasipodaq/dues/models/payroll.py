"""The employers' payroll lists, as received and as matched."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PayrollStatus(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    REFUSED = "refused", _("Refused: nothing was recorded")


class PayrollList(models.Model):
    """An employer's list of dues deducted from salaries, as received.

    The file's SHA-256 is kept, so the same list can never be recorded twice.
    """

    original_name = models.CharField(_("file"), max_length=255)
    # The organization whose members the list pays: its lines name people under it.
    unit = models.ForeignKey(
        "orgtree.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=8, choices=PayrollStatus.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Lines read, lines paid, their total, the problems found (line, column,
    # message; the first ones only when there are many) and the number of lines
    # of each outcome (LineOutcome).
    lines = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    total_tiyn = models.BigIntegerField(default=0)
    problems = models.JSONField(default=list)
    outcomes = models.JSONField(default=dict)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("payroll list")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status="imported"),
                name="dues_payroll_imported_once",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"


class LineOutcome(models.TextChoices):
    EXACT = "exact", _("Paid as charged")
    OVER = "over", _("Paid more than charged")
    UNDER = "under", _("Paid less than charged")
    NOT_CHARGED = "not_charged", _("No charge for that month")
    UNKNOWN = "unknown", _("Not a member of yours")


class PayrollLine(models.Model):
    """A line of a recorded list not paid as charged — more, less, for a month
    without a charge, or not a member's — matched to the month's charge: the lines
    to look into. A line paid as charged is its payment (reference "list:line")."""

    payroll = models.ForeignKey(PayrollList, on_delete=models.CASCADE, related_name="+")
    line = models.PositiveIntegerField(_("line"))
    iin = models.CharField(_("IIN"), max_length=12)
    month = models.DateField(_("month"))
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
    )
    charged_tiyn = models.BigIntegerField(_("charged (tiyn)"), null=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=LineOutcome.choices)

    class Meta:
        verbose_name = _("payroll list line")
        ordering = ["payroll", "line"]
        indexes = [models.Index(fields=["payroll", "outcome"])]

    def __str__(self) -> str:
        return f"{self.payroll_id}:{self.line}"
