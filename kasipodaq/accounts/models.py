"""Staff accounts: Django's user with a second factor and sign-in lock-out."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    totp_secret = models.CharField(_("second-factor secret"), max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(
        _("second factor set up at"), null=True, blank=True
    )
    # The time step of the last code accepted, so that no code is accepted twice.
    totp_last_step = models.PositiveBigIntegerField(
        _("last second-factor time step used"), null=True, blank=True, editable=False
    )
    failed_sign_ins = models.PositiveIntegerField(
        _("failed sign-in attempts"), default=0, editable=False
    )
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    # The language of the messages Kasipodaq sends the user by email.
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=[("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))],
        default="ru",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(totp_confirmed_at__isnull=True) | ~Q(totp_secret=""),
                name="user_second_factor_has_secret",
            )
        ]

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None
