"""The reminders of arrears sent to members, so that none is sent too often."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArrearsReminder(models.Model):
    """A message sent to a member about dues overdue: what it said, and when."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    email = models.EmailField(_("email"))
    months = models.PositiveSmallIntegerField(_("months overdue"))
    owed_tiyn = models.BigIntegerField(_("owed (tiyn)"))

    scope_path = "person__current_membership__org_unit__path"

    class Meta:
        verbose_name = _("reminder of arrears")
        indexes = [models.Index(fields=["person", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.sent_at:%Y-%m-%d}: {self.months}"
