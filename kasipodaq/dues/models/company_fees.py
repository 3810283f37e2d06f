"""Fees of an employer association, whose members are companies.

In such a union the member companies are the employers of the primary
organizations. A schedule sets, per subtree and from a date, how a company's fee
follows its scale — the same for all, by tier of its employees or its yearly
turnover, or a percent of the turnover between a minimum and a maximum — and
companies declare their figures each year. The fee run writes one charge per
company and period; the companies pay by bank transfer, each payment split
between the levels like members' dues.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class FeeBasis(models.TextChoices):
    FLAT = "flat", _("The same fee for every company")
    EMPLOYEES = "employees", _("By number of employees")
    TURNOVER = "turnover", _("By yearly turnover")
    TURNOVER_PERCENT = "percent", _("A percent of the yearly turnover")


class FeePeriod(models.TextChoices):
    YEAR = "year", _("Paid yearly")
    QUARTER = "quarter", _("Paid quarterly")


# How many months each period lasts.
PERIOD_MONTHS = {FeePeriod.YEAR: 12, FeePeriod.QUARTER: 3}


class FigureSource(models.TextChoices):
    DECLARED = "declared", _("Declared for the year")
    EARLIER = "earlier", _("Declared for an earlier year")
    REGISTRY = "registry", _("Employees known to the registry")
    NONE = "none", _("Not declared: the top tier")
    NOT_NEEDED = "", _("Not needed")


class CompanyFeeSchedule(models.Model):
    """How the member companies under `unit` pay from `valid_from` until the unit's
    next schedule; a company follows the nearest unit above it with one in force.

    Tiered schedules have their tiers in `CompanyFeeTier`; a percent of the
    turnover has its percent, minimum and maximum here.
    """

    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("in force from"))
    basis = models.CharField(_("basis"), max_length=16, choices=FeeBasis.choices)
    period = models.CharField(_("period"), max_length=8, choices=FeePeriod.choices)
    # A percent of the turnover, in hundredths of a percent (50 is 0.5 %).
    percent_bp = models.PositiveIntegerField(
        _("percent of the turnover, in hundredths"), null=True, blank=True
    )
    minimum_tiyn = models.BigIntegerField(_("minimum (tiyn)"), null=True, blank=True)
    maximum_tiyn = models.BigIntegerField(_("maximum (tiyn)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("company fee schedule")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "valid_from"],
                name="dues_company_schedule_one_per_start",
            ),
            # A percent schedule has its percent, a minimum and a maximum (what a
            # company that does not declare its turnover pays); no other has.
            models.CheckConstraint(
                condition=(
                    Q(
                        basis=FeeBasis.TURNOVER_PERCENT,
                        percent_bp__gt=0,
                        percent_bp__lte=10000,
                        minimum_tiyn__gte=0,
                        maximum_tiyn__gte=F("minimum_tiyn"),
                    )
                    | (
                        ~Q(basis=FeeBasis.TURNOVER_PERCENT)
                        & Q(
                            percent_bp__isnull=True,
                            minimum_tiyn__isnull=True,
                            maximum_tiyn__isnull=True,
                        )
                    )
                ),
                name="dues_company_schedule_percent_terms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.valid_from} {self.basis}"

    @property
    def percent(self) -> Decimal | None:
        """The percent of the turnover (0.5 for 50 hundredths)."""
        return None if self.percent_bp is None else Decimal(self.percent_bp) / 100


class CompanyFeeTier(models.Model):
    """From `lower_bound` (inclusive; employees, or whole tenge of turnover) up to
    the next tier's bound, a company pays `fee_tiyn` a period.

    The first tier starts at 0 and bounds differ, so every figure falls in exactly
    one tier; a flat schedule has the one tier from 0.
    """

    schedule = models.ForeignKey(
        CompanyFeeSchedule, on_delete=models.CASCADE, related_name="tiers"
    )
    lower_bound = models.BigIntegerField(_("from"))
    fee_tiyn = models.BigIntegerField(_("fee (tiyn)"))

    class Meta:
        verbose_name = _("company fee tier")
        ordering = ["schedule", "lower_bound"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "lower_bound"],
                name="dues_company_tier_bounds_differ",
            ),
            models.CheckConstraint(
                condition=Q(lower_bound__gte=0, fee_tiyn__gte=0),
                name="dues_company_tier_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} from {self.lower_bound}: {self.fee_tiyn}"


class CompanyDeclaration(models.Model):
    """A company's figures for assessing its fee of `year`, as it declared them."""

    employer = models.ForeignKey(
        "orgtree.Employer", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    turnover_tenge = models.BigIntegerField(
        _("yearly turnover (tenge)"), null=True, blank=True
    )
    declared_on = models.DateField(_("declared on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("company declaration")
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "year"], name="dues_company_declaration_one_a_year"
            ),
            models.CheckConstraint(
                condition=Q(employees__isnull=False) | Q(turnover_tenge__isnull=False),
                name="dues_company_declaration_has_a_figure",
            ),
            models.CheckConstraint(
                condition=Q(turnover_tenge__isnull=True) | Q(turnover_tenge__gte=0),
                name="dues_company_declaration_turnover_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.year}"


class CompanyCharge(models.Model):
    """What a member company owes for a period; the fee run writes and corrects it.

    `org_unit` is the company's primary organization (the first of them, should it
    have several): where the charge is seen and where its payments' split starts.
    """

    employer = models.ForeignKey(
        "orgtree.Employer", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    period = models.CharField(_("period"), max_length=8, choices=FeePeriod.choices)
    org_unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    schedule = models.ForeignKey(
        CompanyFeeSchedule, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    basis = models.CharField(_("basis"), max_length=16, choices=FeeBasis.choices)
    # The employees or whole tenge of turnover the fee was worked out from.
    figure = models.BigIntegerField(_("figure"), null=True)
    source = models.CharField(
        _("figure from"), max_length=8, choices=FigureSource.choices, blank=True
    )
    tier_from = models.BigIntegerField(_("tier from"), null=True)
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "org_unit__path"

    class Meta:
        db_table = "company_fees"
        verbose_name = _("company fee")
        indexes = [models.Index(fields=["org_unit", "period_start"])]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "period_start"], name="company_fee_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(amount_tiyn__gte=0), name="company_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="company_fee_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.period_start}: {self.amount_tiyn}"


class CompanyPayment(models.Model):
    """A company's bank transfer, numbered by its payment order.

    A company numbers its own payment orders, so the number is unique per company:
    the same order can never be counted twice. It settles the company's charges
    oldest first and is split between the levels at once (LedgerEntry).
    """

    employer = models.ForeignKey(
        "orgtree.Employer", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    order_number = models.CharField(_("payment order number"), max_length=32)
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    paid_on = models.DateField(_("paid on"))
    # The company's primary organization when paid: where the split starts.
    org_unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_path = "org_unit__path"

    class Meta:
        verbose_name = _("company payment")
        indexes = [models.Index(fields=["org_unit", "paid_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "order_number"],
                name="dues_company_payment_counted_once",
            ),
            models.CheckConstraint(
                condition=Q(amount_tiyn__gt=0), name="dues_company_payment_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id} №{self.order_number}: {self.amount_tiyn}"
