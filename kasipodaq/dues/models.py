"""Dues: the rules that set them, the monthly charges, the payments and where the
money goes between the levels of the union.

Money is whole tiyn in BigIntegerFields (`money.py`); months are the first day of
the month.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from kasipodaq.orgtree.models import Level


class Rounding(models.TextChoices):
    TIYN = "tiyn", _("To the tiyn")
    TENGE = "tenge", _("To the whole tenge")


ROUNDING_STEP = {Rounding.TIYN: 1, Rounding.TENGE: 100}


class DuesRule(models.Model):
    """What members under `unit` pay from `valid_from` until the unit's next rule.

    A member follows the rule of the nearest unit above them (or their own) that
    has one in force; without any, the union's default of 1 % of the salary.
    """

    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("in force from"))
    # Hundredths of a percent of the salary: 100 is 1 %.
    percent_bp = models.PositiveIntegerField(
        _("percent of the salary, in hundredths"),
        default=100,
        validators=[MaxValueValidator(10000)],
    )
    student_tiyn = models.BigIntegerField(
        _("students, a month (tiyn)"), default=0, validators=[MinValueValidator(0)]
    )
    pensioner_tiyn = models.BigIntegerField(
        _("pensioners, a month (tiyn)"), default=0, validators=[MinValueValidator(0)]
    )
    non_working_tiyn = models.BigIntegerField(
        _("non-working members, a month (tiyn)"),
        default=0,
        validators=[MinValueValidator(0)],
    )
    rounding = models.CharField(
        _("rounding"), max_length=8, choices=Rounding.choices, default=Rounding.TIYN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("dues rule")
        verbose_name_plural = _("dues rules")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "valid_from"], name="dues_rule_one_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.valid_from}"


class SalaryBase(models.Model):
    """A member's salary from the employer's list, from `valid_from` (a month) on."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    valid_from = models.DateField(_("from the month"))
    amount_tiyn = models.BigIntegerField(
        _("salary (tiyn)"), validators=[MinValueValidator(0)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "person__current_membership__org_unit__path"

    class Meta:
        verbose_name = _("salary")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "valid_from"], name="dues_salary_one_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.valid_from}: {self.amount_tiyn}"


class ExemptionReason(models.TextChoices):
    PARENTAL_LEAVE = "parental_leave", _("Parental leave")
    UNEMPLOYED = "unemployed", _("Lost their job")
    ILLNESS = "illness", _("Long illness")
    MILITARY = "military", _("Military service")
    OTHER = "other", _("Other, by decision of the committee")


class Exemption(models.Model):
    """A member pays no dues over [valid_from, valid_to) (months)."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    reason = models.CharField(
        _("reason"), max_length=16, choices=ExemptionReason.choices
    )
    valid_from = models.DateField(_("from the month"))
    valid_to = models.DateField(_("until the month"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "person__current_membership__org_unit__path"

    class Meta:
        verbose_name = _("exemption from dues")
        indexes = [models.Index(fields=["person", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="dues_exemption_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.reason} {self.valid_from}"


class Charge(models.Model):
    """What a member owes for a month; the accrual run writes and corrects it."""

    # Charges are derived: they go with a person erased as entered in error
    # (whose payments, if any, keep the record from being erased).
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("month"))
    # The primary organization the member belonged to that month.
    org_unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    category = models.CharField(_("category"), max_length=16)
    base_tiyn = models.BigIntegerField(_("salary (tiyn)"), null=True)
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    exempt = models.BooleanField(_("exempt"), default=False)
    rule = models.ForeignKey(
        DuesRule, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "org_unit__path"

    class Meta:
        verbose_name = _("dues charge")
        indexes = [models.Index(fields=["org_unit", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "month"], name="dues_charge_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(amount_tiyn__gte=0), name="dues_charge_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m}: {self.amount_tiyn}"


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


class DistributionRule(models.Model):
    """The regulation of how collected dues are shared between the levels, for the
    members under `unit` (a region, or the whole union), from `valid_from` on."""

    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("in force from"))
    # Hundredths of a percent; the four add up to 100 %.
    primary_bp = models.PositiveIntegerField(_("primary organization"))
    district_bp = models.PositiveIntegerField(_("district"))
    region_bp = models.PositiveIntegerField(_("region"))
    central_bp = models.PositiveIntegerField(_("central committee"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("distribution of dues")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "valid_from"], name="dues_distribution_one_per_start"
            ),
            models.CheckConstraint(
                condition=Exact(
                    F("primary_bp")
                    + F("district_bp")
                    + F("region_bp")
                    + F("central_bp"),
                    10000,
                ),
                name="dues_distribution_shares_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.valid_from}"

    @property
    def shares(self) -> dict[str, int]:
        """Hundredths of a percent by level (the level's value)."""
        return {
            Level.PRIMARY.value: self.primary_bp,
            Level.DISTRICT.value: self.district_bp,
            Level.REGION.value: self.region_bp,
            Level.CENTRAL.value: self.central_bp,
        }


class LedgerEntry(models.Model):
    """A level's share of a payment, credited to that level's organization."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="entries"
    )
    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.CharField(_("level"), max_length=16)
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    booked_on = models.DateField(_("booked on"))

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("ledger entry")
        indexes = [models.Index(fields=["unit", "booked_on"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.level}: {self.amount_tiyn}"


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
    # Lines read, lines paid, their total, and the problems found (line, column,
    # message), the first ones only when there are many.
    lines = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    total_tiyn = models.BigIntegerField(default=0)
    problems = models.JSONField(default=list)

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
    """One line of a recorded list, matched to the month's charge."""

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


class ReceiptSequence(models.Model):
    """The last cash receipt number of a year: receipts are numbered without gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
