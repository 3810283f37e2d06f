"""Forms of the pages that set who pays what: rules, distribution, exemptions,
salary lists. Percents and amounts are typed with two decimals and leave the
form as whole hundredths (basis points, tiyn)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import MAX_PAYROLL_BYTES, MonthField
from .models import ExemptionReason, Rounding
from .money import to_tiyn

HUNDRED = Decimal(100)


def _percent(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=HUNDRED,
        **kwargs,
    )


def _tenge(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=12, decimal_places=2, min_value=Decimal(0)
    )


def hundredths(value: Decimal) -> int:
    """A percent with two decimals as whole hundredths of a percent."""
    return int(value * 100)


class DuesRuleForm(forms.Form):
    valid_from = MonthField(label=_("In force from the month"))
    percent = _percent(_("Percent of the salary (working members)"))
    student = _tenge(_("Students, tenge a month"))
    pensioner = _tenge(_("Pensioners, tenge a month"))
    non_working = _tenge(_("Non-working members, tenge a month"))
    rounding = forms.ChoiceField(label=_("Rounding"), choices=Rounding.choices)

    def values(self) -> dict[str, Any]:
        """The service's arguments."""
        data = self.cleaned_data
        return {
            "valid_from": data["valid_from"],
            "percent_bp": hundredths(data["percent"]),
            "student_tiyn": to_tiyn(data["student"]),
            "pensioner_tiyn": to_tiyn(data["pensioner"]),
            "non_working_tiyn": to_tiyn(data["non_working"]),
            "rounding": data["rounding"],
        }


class DistributionForm(forms.Form):
    valid_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    primary = _percent(_("Primary organization, %"))
    district = _percent(_("District, %"))
    region = _percent(_("Region, %"))
    central = _percent(_("Central committee, %"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = ("primary", "district", "region", "central")
        shares: list[Decimal] = [data[n] for n in names if data.get(n) is not None]
        if len(shares) == len(names):
            total = sum(shares, Decimal(0))
            if total != HUNDRED:
                raise forms.ValidationError(
                    _("The shares add up to %(sum)s %%, not exactly 100 %%."),
                    params={"sum": total.quantize(Decimal("0.01"))},
                )
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "valid_from": data["valid_from"],
            "primary_bp": hundredths(data["primary"]),
            "district_bp": hundredths(data["district"]),
            "region_bp": hundredths(data["region"]),
            "central_bp": hundredths(data["central"]),
        }


class ExemptionForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=ExemptionReason.choices)
    valid_from = MonthField(label=_("Exempt from the month"))
    valid_to = MonthField(
        label=_("Pays again from the month"),
        required=False,
        help_text=_("Empty: until the exemption is ended."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("The committee's decision, e.g. its number and date."),
    )

    def clean_valid_to(self) -> dt.date | None:
        return self.cleaned_data.get("valid_to") or None


class EndExemptionForm(forms.Form):
    pays_from = MonthField(label=_("Pays again from the month"))


class SalaryListForm(forms.Form):
    file = forms.FileField(label=_("Salary list (XLSX, XLS, ODS or CSV)"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PAYROLL_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload
