"""Forms of the companies' fees page: the input's shape; the rules are the
service's (`services/company_fees.py`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .company_fees import TierLine, parse_tiers
from .errors import DuesRefusal
from .models import FeeBasis, FeePeriod
from .money import NotMoney, to_tiyn

_DATE = forms.DateInput(attrs={"type": "date"})


def _tiyn(value: Decimal | None) -> int | None:
    if value is None:
        return None
    try:
        return to_tiyn(value)
    except NotMoney:
        raise forms.ValidationError(
            _("An amount is tenge with at most two decimals.")
        ) from None


class PeriodForm(forms.Form):
    """The period shown and charged: a year, or one of its quarters."""

    year = forms.IntegerField(label=_("Year"), min_value=1991, max_value=9998)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", _("The whole year")), *((q, str(q)) for q in range(1, 5))],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ScheduleForm(forms.Form):
    valid_from = forms.DateField(label=_("In force from"), widget=_DATE)
    basis = forms.ChoiceField(label=_("Basis"), choices=FeeBasis.choices)
    period = forms.ChoiceField(label=_("How often"), choices=FeePeriod.choices)
    tiers = forms.CharField(
        label=_("Tiers: «from-to: fee in tenge», one a line, the last «from+: fee»"),
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": "0-49: 150000\n50-249: 300000\n250+: 600000",
            }
        ),
        required=False,
    )
    percent = forms.DecimalField(
        label=_("Percent of the turnover"),
        max_digits=5,
        decimal_places=2,
        required=False,
    )
    minimum = forms.DecimalField(
        label=_("Minimum, tenge"), max_digits=14, decimal_places=2, required=False
    )
    maximum = forms.DecimalField(
        label=_("Maximum, tenge"), max_digits=14, decimal_places=2, required=False
    )

    def clean_tiers(self) -> list[TierLine]:
        try:
            return parse_tiers(self.cleaned_data["tiers"])
        except DuesRefusal as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_percent(self) -> int | None:
        percent = self.cleaned_data["percent"]
        return None if percent is None else int(percent * 100)

    def clean_minimum(self) -> int | None:
        return _tiyn(self.cleaned_data["minimum"])

    def clean_maximum(self) -> int | None:
        return _tiyn(self.cleaned_data["maximum"])

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "valid_from": data["valid_from"],
            "basis": data["basis"],
            "period": data["period"],
            "tiers": data["tiers"],
            "percent_bp": data["percent"],
            "minimum_tiyn": data["minimum"],
            "maximum_tiyn": data["maximum"],
        }


class DeclarationForm(forms.Form):
    bin = forms.CharField(label=_("Company's BIN"), max_length=12)
    year = forms.IntegerField(label=_("For the fee of the year"))
    employees = forms.IntegerField(label=_("Employees"), required=False)
    turnover = forms.IntegerField(
        label=_("Yearly turnover, whole tenge"), required=False
    )
    declared_on = forms.DateField(label=_("Declared on"), widget=_DATE)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "bin_": data["bin"],
            "year": data["year"],
            "employees": data["employees"],
            "turnover_tenge": data["turnover"],
            "declared_on": data["declared_on"],
        }


class CompanyPaymentForm(forms.Form):
    bin = forms.CharField(label=_("Company's BIN"), max_length=12)
    order_number = forms.CharField(label=_("Payment order №"), max_length=32)
    amount = forms.DecimalField(
        label=_("Amount, tenge"), max_digits=14, decimal_places=2
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=_DATE)

    def clean_amount(self) -> int | None:
        return _tiyn(self.cleaned_data["amount"])

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "bin_": data["bin"],
            "order_number": data["order_number"],
            "amount_tiyn": data["amount"],
            "paid_on": data["paid_on"],
        }
