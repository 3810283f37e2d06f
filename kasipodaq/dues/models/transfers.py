"""Money passed up the tree: a unit's transfer of the shares it collected for the
levels above it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LevelTransfer(models.Model):
    """A bank payment order by which `from_unit` paid `to_unit` (a unit above it)
    the shares of collected dues it holds for it.

    Only upward: money sent down (a grant, help) is the sender's own expense, not
    a settlement of shares, and belongs in its budget.
    """

    from_unit = models.ForeignKey(
        "orgtree.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from"),
        db_index=False,  # the (from_unit, order_number) unique index serves it
    )
    to_unit = models.ForeignKey(
        "orgtree.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to"),
        db_index=False,
    )
    amount_tiyn = models.BigIntegerField(_("amount (tiyn)"))
    transferred_on = models.DateField(_("transferred on"))
    order_number = models.CharField(_("payment order number"), max_length=32)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_path = "from_unit__path"

    class Meta:
        verbose_name = _("transfer between levels")
        indexes = [
            models.Index(fields=["from_unit", "transferred_on"]),
            models.Index(fields=["to_unit", "transferred_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["from_unit", "order_number"],
                name="dues_transfer_order_once",
            ),
            models.CheckConstraint(
                condition=Q(amount_tiyn__gt=0), name="dues_transfer_positive"
            ),
            models.CheckConstraint(
                condition=~Q(from_unit=F("to_unit")), name="dues_transfer_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_unit_id}→{self.to_unit_id} {self.order_number}"
