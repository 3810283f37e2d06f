"""Actual expenses and other income: the list of the year, entering, deleting.

Both kinds of entry are listed, entered and deleted alike (`EntriesView`,
`EntryDeleteView`); each kind names its form, its page and what it records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views import View

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.dues.money import to_tiyn
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.selectors import access_unit

from ..forms import ExpenseFilterForm, ExpenseForm, IncomeForm
from ..models import Entry
from ..selectors import (
    ENTRIES_SHOWN,
    access_expense,
    access_income,
    list_expenses,
    list_incomes,
)
from ..services.expenses import delete_entry, record_expense, record_income
from .budgets import checked_year


class EntriesView(LoginRequiredMixin, View, ABC):
    """The year's entries of one kind; POST enters one."""

    form_class: type[forms.Form]
    date_field: str
    template: str
    route: str  # the page's name, where an entry recorded leads
    recorded: Promise

    def get(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        checked_year(year)
        return self.respond(
            unit, year, self.form_class(initial={self.date_field: today()})
        )

    def post(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        checked_year(year)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                entry = self.record(unit, form.cleaned_data)
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, str(self.recorded))
                return redirect(self.route, pk=unit.pk, year=entry.dated.year)
        return self.respond(unit, year, form)

    def respond(self, unit: OrgUnit, year: int, form: forms.Form) -> HttpResponse:
        context = {
            "unit": unit,
            "year": year,
            "form": form,
            "can_manage": policy.has_perm(
                self.request.user, Perm.DUES_MANAGE, unit=unit
            ),
            **self.listing(unit, year),
        }
        return render(self.request, self.template, context)

    @abstractmethod
    def record(self, unit: OrgUnit, data: dict[str, Any]) -> Entry:
        """Enter the form's entry for `unit` through its service."""

    @abstractmethod
    def listing(self, unit: OrgUnit, year: int) -> dict[str, Any]:
        """What the page lists of the year (and its filters)."""


class ExpensesView(EntriesView):
    """The year's expenses with filters; POST enters one."""

    form_class = ExpenseForm
    date_field = "spent_on"
    template = "budget/expenses.html"
    route = "budget:expenses"
    recorded = _("The expense is recorded.")

    def record(self, unit: OrgUnit, data: dict[str, Any]) -> Entry:
        return record_expense(
            actor=self.request.user,
            unit=unit,
            spent_on=data["spent_on"],
            category=data["category"],
            amount_tiyn=to_tiyn(data["amount"]),
            document=data["document"],
            description=data["description"],
        )

    def listing(self, unit: OrgUnit, year: int) -> dict[str, Any]:
        filters = ExpenseFilterForm(self.request.GET)
        narrowed = filters.cleaned_data if filters.is_valid() else {}
        expenses = list_expenses(
            unit,
            year,
            category=narrowed.get("category") or "",
            since=narrowed.get("since"),
            until=narrowed.get("until"),
        )
        return {"filters": filters, "expenses": expenses[:ENTRIES_SHOWN]}


class IncomesView(EntriesView):
    """The year's income besides dues; POST enters one."""

    form_class = IncomeForm
    date_field = "received_on"
    template = "budget/incomes.html"
    route = "budget:incomes"
    recorded = _("The income is recorded.")

    def record(self, unit: OrgUnit, data: dict[str, Any]) -> Entry:
        return record_income(
            actor=self.request.user,
            unit=unit,
            received_on=data["received_on"],
            amount_tiyn=to_tiyn(data["amount"]),
            document=data["document"],
            description=data["description"],
        )

    def listing(self, unit: OrgUnit, year: int) -> dict[str, Any]:
        return {"incomes": list_incomes(unit, year)[:ENTRIES_SHOWN]}


class EntryDeleteView(LoginRequiredMixin, View):
    """Deleting an entry made in error, back to the year's list of its kind."""

    access: Callable[[Any, Any], Entry]
    route: str
    deleted: Promise

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = type(self).access(request.user, pk)
        try:
            delete_entry(actor=request.user, entry=entry)
        except PermissionRefused:
            raise Http404 from None
        messages.success(request, str(self.deleted))
        return redirect(self.route, pk=entry.unit_id, year=entry.dated.year)


class ExpenseDeleteView(EntryDeleteView):
    access = staticmethod(access_expense)
    route = "budget:expenses"
    deleted = _("The expense is deleted.")


class IncomeDeleteView(EntryDeleteView):
    access = staticmethod(access_income)
    route = "budget:incomes"
    deleted = _("The income is deleted.")
