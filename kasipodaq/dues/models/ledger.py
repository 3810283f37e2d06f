"""Where the money goes between the levels of the union."""

from __future__ import annotations

import functools
import operator
from typing import Any

from django.db import models
from django.db.models import F, Q
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


# What an entry's money came from: one of these is set.
SOURCES = ("payment", "payroll", "company_payment")


def _exactly_one_of(fields: tuple[str, ...]) -> Q:
    """The condition that exactly one of `fields` is set."""
    one = [
        Q(**{f"{other}__isnull": other != chosen for other in fields})
        for chosen in fields
    ]
    return functools.reduce(operator.or_, one)


def _source(to: type[models.Model] | str) -> Any:
    """A source of ledger entries: empty unless it is the entry's one source."""
    return models.ForeignKey(
        to,
        on_delete=models.PROTECT,
        related_name="entries",
        null=True,
        db_index=False,
    )


class LedgerEntry(models.Model):
    """A level's share of money collected, credited to that level's organization.

    The one ledger of the union's income. Each entry names the organization that
    collected the money (where its split starts, and who owes the upper levels
    their shares until it transfers them) and exactly one source:

    - a member's payment (cash, card, or a single payroll payment);
    - an employer's payroll list: one transfer from the employer, whose money
      collected at each organization is split once — a handful of entries
      instead of four per line;
    - a company's payment, in an employer association.

    The entries of each source add up to it, to the tiyn (`statements.reconcile`).
    """

    collected_by = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The source; each indexed only where set (see Meta).
    payment = _source(Payment)
    payroll = _source("dues.PayrollList")
    company_payment = _source("dues.CompanyPayment")
    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.CharField(_("level"), max_length=16)
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    booked_on = models.DateField(_("booked on"))

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("ledger entry")
        indexes = [
            models.Index(fields=["unit", "booked_on"]),
            models.Index(fields=["collected_by", "booked_on"]),
            *(
                models.Index(
                    fields=[source],
                    condition=Q(**{f"{source}__isnull": False}),
                    name=f"dues_entry_{source}",
                )
                for source in SOURCES
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_of(SOURCES), name="dues_entry_one_source"
            ),
            models.CheckConstraint(
                condition=Q(amount_tiyn__gt=0), name="dues_entry_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.level}: {self.amount_tiyn}"
