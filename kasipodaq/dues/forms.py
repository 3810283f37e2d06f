"""Forms of the dues pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .months import parse_month

MAX_PAYROLL_BYTES = 50 << 20


class MonthField(forms.CharField):
    """A month typed as 2026-03 (the browser's month input gives that too)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            max_length=7,
            widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"}),
            **kwargs,  # type: ignore[arg-type]
        )

    def clean(self, value: object) -> dt.date | None:
        text = super().clean(value)
        if not text and not self.required:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(_("A month is written YYYY-MM, e.g. 2026-03."))
        return month


class AccrueForm(forms.Form):
    month = MonthField(label=_("Month"))


class PayrollForm(forms.Form):
    file = forms.FileField(label=_("Payroll list (XLSX, XLS, ODS or CSV)"))
    matched_only = forms.BooleanField(
        label=_("Record the lines of known members and report the unknown IINs"),
        required=False,
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PAYROLL_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class CashForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount, tenge"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    paid_on = forms.DateField(
        label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    month = MonthField(
        label=_("For the month (empty: the oldest owed)"), required=False
    )

    def clean_month(self) -> dt.date | None:
        return self.cleaned_data.get("month") or None
