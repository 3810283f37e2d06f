"""Collecting a form for a year: the campaign, each organization's report, its values.

A yearly report for year Y describes the state on 1 January of Y+1 (SPEC): that
is the campaign's `as_of`, the date every registry figure is computed on.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .definitions import FormVersion, Indicator, ReportForm


class Campaign(models.Model):
    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        FormVersion, on_delete=models.PROTECT, related_name="campaigns"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    deadline = models.DateField(_("deadline"))
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "form__position"]
        verbose_name = _("reporting campaign")
        verbose_name_plural = _("reporting campaigns")
        constraints = [
            models.UniqueConstraint(fields=["form", "year"], name="campaign_form_year")
        ]

    def __str__(self) -> str:
        return f"{self.form} — {self.year}"

    @property
    def as_of(self) -> dt.date:
        return dt.date(self.year + 1, 1, 1)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    MISSING = "missing", _("Marked as missing")


# The statuses in which a report can be changed by the organization.
EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})
# The statuses a parent may submit over: its child is settled.
SETTLED = frozenset({ReportStatus.APPROVED, ReportStatus.MISSING})


class Report(models.Model):
    """One organization's report in a campaign."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="reports"
    )
    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
    )
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="report_unique")
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.unit_id}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class ReportValue(models.Model):
    """A figure of a report: entered by the organization, or the registry's figure
    frozen when the report was submitted."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    number = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    text = models.TextField(blank=True)
    # A summed entered figure rolled up with the reports below, frozen when the
    # report was submitted, so that a locked report never changes.
    total = models.DecimalField(max_digits=18, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator"], name="reportvalue_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(text=""),
                name="reportvalue_number_or_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.text or self.number}"


class ReportAction(models.TextChoices):
    SAVED = "saved", _("Figures saved")
    UPLOADED = "uploaded", _("Template uploaded")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    MARKED_MISSING = "missing", _("Marked as missing")
    REOPENED = "reopened", _("Reopened by the centre")
    REMINDED = "reminded", _("Reminder sent")


class ReportEvent(models.Model):
    """The report's trail: who did what to it, when, and why."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=ReportAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action} {self.at:%Y-%m-%d}"
