"""Forms of monthly card payments."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models.card_payments import LAST_CHARGE_DAY

LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]


class CardPaymentsForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Monthly amount, tenge"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    charge_day = forms.IntegerField(
        label=_("Day of the month to charge the card"),
        min_value=1,
        max_value=LAST_CHARGE_DAY,
        initial=5,
    )
    language = forms.ChoiceField(
        label=_("Language of the member's messages"), choices=LANGUAGES
    )


class CancelCardPaymentsForm(forms.Form):
    at_members_request = forms.BooleanField(
        label=_("At the member's request"), required=False, initial=True
    )
