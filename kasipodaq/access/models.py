"""A role held by a user on one node of the tree, valid for the node's subtree."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .perms import Role


class RoleGrant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="grants"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], name="rolegrant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.unit}"
