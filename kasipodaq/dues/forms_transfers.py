"""Forms of the distribution statement and the exports: a period of months, and
a transfer to a level above."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kasipodaq.orgtree.models import OrgUnit

from .forms import MonthField
from .months import next_month

_ACCOUNT = re.compile(r"^[A-Z0-9]{20}$")
EXPORT_FORMATS = (("csv", _("CSV for Excel")), ("1c", _("1C bank exchange")))


class PeriodForm(forms.Form):
    """Months `start` to `end`, both included; the selectors take [start, end)."""

    start = MonthField(label=_("From"))
    end = MonthField(label=_("To"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """[first day, day after the last) of the valid form's months."""
        return self.cleaned_data["start"], next_month(self.cleaned_data["end"])


class ExportForm(PeriodForm):
    format = forms.ChoiceField(label=_("Format"), choices=EXPORT_FORMATS)
    account = forms.CharField(
        label=_("Bank account (IBAN) of the organization"),
        max_length=40,
        required=False,
    )

    def clean_account(self) -> str:
        """Spaces dropped, capitals: KZ IBANs (and Russian accounts) have 20."""
        account = "".join(str(self.cleaned_data.get("account") or "").split()).upper()
        if account and not _ACCOUNT.match(account):
            raise forms.ValidationError(_("An account is 20 letters and digits."))
        return account


class TransferForm(forms.Form):
    to_unit = forms.TypedChoiceField(label=_("To"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount, tenge"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    transferred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    order_number = forms.CharField(label=_("Payment order number"), max_length=32)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, receivers: list[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.receivers = {unit.pk: unit for unit in receivers}
        field = self.fields["to_unit"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(unit.pk, unit.name) for unit in receivers]

    def receiver(self) -> OrgUnit:
        """The unit chosen on the valid form."""
        return self.receivers[self.cleaned_data["to_unit"]]
