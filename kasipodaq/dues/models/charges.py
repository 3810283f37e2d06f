"""What a member owes for a month."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .rules import DuesRule


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
