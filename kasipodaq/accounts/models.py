"""Staff accounts: Django's user with a second factor and sign-in lock-out."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    totp_secret = models.CharField(_("second-factor secret"), max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(_("second factor set up at"), null=True)
    failed_sign_ins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None
