"""Forms of the budget pages: input shape only; the services decide the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kasipodaq.dues.money import to_tenge, to_tiyn

from .models import Budget, ExpenseCategory


def _tenge(label: Any, *, min_value: str = "0", required: bool = True) -> Any:
    return forms.DecimalField(
        label=label,
        max_digits=15,
        decimal_places=2,
        min_value=Decimal(min_value),
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def line_field(category: str) -> str:
    return f"line_{category}"


class BudgetForm(forms.Form):
    """One field per expense category, and the planned income."""

    planned_dues = _tenge(_("Dues (the organization's share), tenge"))
    planned_other_income = _tenge(_("Other income, tenge"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in ExpenseCategory:
            self.fields[line_field(category.value)] = _tenge(category.label)

    @classmethod
    def initial_of(cls, budget: Budget | None) -> dict[str, Any]:
        """The form's values for `budget` (zeros for a new one)."""
        initial: dict[str, Any] = {
            line_field(c.value): Decimal("0.00") for c in ExpenseCategory
        }
        if budget is None:
            initial.update(
                planned_dues=Decimal("0.00"), planned_other_income=Decimal("0.00")
            )
            return initial
        for category, amount in budget.lines.values_list("category", "planned_tiyn"):
            initial[line_field(category)] = to_tenge(amount)
        initial.update(
            planned_dues=to_tenge(budget.planned_dues_tiyn),
            planned_other_income=to_tenge(budget.planned_other_income_tiyn),
            note=budget.note,
        )
        return initial

    def line_fields(self) -> list[forms.BoundField]:
        return [self[line_field(c.value)] for c in ExpenseCategory]

    def lines(self) -> list[tuple[str, int]]:
        """(category, tiyn) of every line, for the service."""
        return [
            (c.value, to_tiyn(self.cleaned_data[line_field(c.value)]))
            for c in ExpenseCategory
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the approved budget changed?"), max_length=300
    )


class ExpenseForm(forms.Form):
    spent_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.ChoiceField(label=_("Category"), choices=ExpenseCategory.choices)
    amount = _tenge(_("Amount, tenge"), min_value="0.01")
    document = forms.CharField(label=_("Document number"), max_length=64)
    description = forms.CharField(
        label=_("Description"), max_length=300, required=False
    )


class IncomeForm(forms.Form):
    received_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = _tenge(_("Amount, tenge"), min_value="0.01")
    document = forms.CharField(label=_("Document number"), max_length=64)
    description = forms.CharField(
        label=_("Description"), max_length=300, required=False
    )


class ExpenseFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All categories")), *ExpenseCategory.choices],
        required=False,
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
