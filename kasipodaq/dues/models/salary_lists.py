"""The employers' salary lists, as recorded."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SalaryList(models.Model):
    """An employer's list of salaries recorded for the members under `unit`, with
    what it changed. A refused list writes nothing, so only recorded ones are here.
    """

    original_name = models.CharField(_("file"), max_length=255)
    unit = models.ForeignKey(
        "orgtree.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Lines read, salaries new, changed and already on record, and the months.
    lines = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    first_month = models.DateField(null=True)
    last_month = models.DateField(null=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("salary list")
        indexes = [models.Index(fields=["unit", "-uploaded_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"
