"""An organization's yearly budget (смета), its lines, and what it actually spent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Budgets are planned from this year on, and at most this many years ahead.
FIRST_YEAR = 2000
YEARS_AHEAD = 2


class ExpenseCategory(models.TextChoices):
    """The expense lines of a trade union's смета.

    Transfers to the higher organizations are not a line: the dues ledger credits
    each level its share of every payment directly, so a unit's actual income is
    already its own share and a transfer line would count the money twice.
    """

    TRAINING = "training", _("Training of union staff and activists")
    MATERIAL_AID = "material_aid", _("Material aid to members")
    CULTURE_SPORT_HEALTH = (
        "culture_sport_health",
        _("Cultural, sports and health work"),
    )
    YOUTH = "youth", _("Work with youth")
    LEGAL_SAFETY = "legal_safety", _("Legal protection and labour safety")
    INFORMATION = "information", _("Information work")
    EVENTS = "events", _("Congresses, plenums, conferences and meetings")
    SALARIES = "salaries", _("Staff salaries")
    TAXES = "taxes", _("Taxes and social contributions")
    ADMINISTRATION = "administration", _("Administrative and office expenses")
    OTHER = "other", _("Other expenses")


class BudgetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Budget(models.Model):
    """The budget of `unit` for `year`, revision `revision`.

    The latest revision is the budget in force. An approved budget changes only
    by reopening it (back to a draft) or by a new revision that starts as a copy;
    at most one revision of a year is a draft.
    """

    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BudgetStatus.choices,
        default=BudgetStatus.DRAFT,
    )
    planned_dues_tiyn = models.BigIntegerField(_("planned dues (tiyn)"), default=0)
    planned_other_income_tiyn = models.BigIntegerField(
        _("planned other income (tiyn)"), default=0
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("budget")
        ordering = ["unit", "year", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "revision"], name="budget_one_per_revision"
            ),
            models.UniqueConstraint(
                fields=["unit", "year"],
                condition=Q(status="draft"),
                name="budget_one_draft_per_year",
            ),
            models.CheckConstraint(
                condition=Q(planned_dues_tiyn__gte=0)
                & Q(planned_other_income_tiyn__gte=0),
                name="budget_income_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(approved_at__isnull=False) & Q(approved_by__isnull=False)),
                name="budget_approved_with_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}/{self.revision}"

    @property
    def is_draft(self) -> bool:
        return self.status == BudgetStatus.DRAFT


class BudgetLine(models.Model):
    """The planned amount of one expense category."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(
        _("category"), max_length=32, choices=ExpenseCategory.choices
    )
    planned_tiyn = models.BigIntegerField(_("planned (tiyn)"))

    class Meta:
        verbose_name = _("budget line")
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "category"], name="budget_line_one_per_category"
            ),
            models.CheckConstraint(
                condition=Q(planned_tiyn__gte=0), name="budget_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.category}: {self.planned_tiyn}"


class Entry(models.Model):
    """Money an organization spent or received, entered from its document."""

    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    document = models.CharField(_("document number"), max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_path = "unit__path"
    # The name of the entry's date field.
    date_field: str

    class Meta:
        abstract = True

    @property
    def dated(self) -> dt.date:
        value: dt.date = getattr(self, self.date_field)
        return value


class Expense(Entry):
    """Money an organization actually spent, entered from its document."""

    spent_on = models.DateField(_("date"))
    category = models.CharField(
        _("category"), max_length=32, choices=ExpenseCategory.choices
    )

    date_field = "spent_on"

    class Meta:
        verbose_name = _("expense")
        ordering = ["-spent_on", "-pk"]
        indexes = [models.Index(fields=["unit", "spent_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_tiyn__gt=0), name="budget_expense_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.spent_on} {self.category}: {self.amount_tiyn}"


class OtherIncome(Entry):
    """Income besides the dues' shares: employers' support, grants, interest."""

    received_on = models.DateField(_("date"))

    date_field = "received_on"

    class Meta:
        verbose_name = _("other income")
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["unit", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_tiyn__gt=0), name="budget_income_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.received_on}: {self.amount_tiyn}"
