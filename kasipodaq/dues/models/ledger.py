"""Where the money goes between the levels of the union."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from kasipodaq.orgtree.models import Level

from .payments import Payment


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
