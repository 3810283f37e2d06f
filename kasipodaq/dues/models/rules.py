"""Who pays what: the rules, the salaries from the employers' lists, exemptions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
