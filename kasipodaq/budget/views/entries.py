"""Actual expenses and other income: the list of the year, entering, deleting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
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
from ..selectors import (
    ENTRIES_SHOWN,
    access_expense,
    access_income,
    list_expenses,
    list_incomes,
)
from ..services.expenses import (
    delete_expense,
    delete_income,
    record_expense,
    record_income,
)
from .budgets import checked_year


class ExpensesView(LoginRequiredMixin, View):
    """The year's expenses with filters; POST enters one."""

    def get(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        checked_year(year)
        return self.respond(unit, year, ExpenseForm(initial={"spent_on": today()}))

    def post(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        checked_year(year)
        form = ExpenseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_expense(
                    actor=request.user,
                    unit=unit,
                    spent_on=data["spent_on"],
                    category=data["category"],
                    amount_tiyn=to_tiyn(data["amount"]),
                    document=data["document"],
                    description=data["description"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The expense is recorded."))
                return redirect(
                    "budget:expenses", pk=unit.pk, year=data["spent_on"].year
                )
        return self.respond(unit, year, form)

    def respond(self, unit: OrgUnit, year: int, form: ExpenseForm) -> HttpResponse:
        filters = ExpenseFilterForm(self.request.GET)
        narrowed = filters.cleaned_data if filters.is_valid() else {}
        expenses = list_expenses(
            unit,
            year,
            category=narrowed.get("category") or "",
            since=narrowed.get("since"),
            until=narrowed.get("until"),
        )
        context = {
            "unit": unit,
            "year": year,
            "form": form,
            "filters": filters,
            "expenses": expenses[:ENTRIES_SHOWN],
            "can_manage": policy.has_perm(
                self.request.user, Perm.DUES_MANAGE, unit=unit
            ),
        }
        return render(self.request, "budget/expenses.html", context)


class ExpenseDeleteView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        expense = access_expense(request.user, pk)
        try:
            delete_expense(actor=request.user, expense=expense)
        except PermissionRefused:
            raise Http404 from None
        messages.success(request, _("The expense is deleted."))
        return redirect(
            "budget:expenses", pk=expense.unit_id, year=expense.spent_on.year
        )


class IncomesView(LoginRequiredMixin, View):
    """The year's income besides dues; POST enters one."""

    def get(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        checked_year(year)
        return self.respond(unit, year, IncomeForm(initial={"received_on": today()}))

    def post(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        checked_year(year)
        form = IncomeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_income(
                    actor=request.user,
                    unit=unit,
                    received_on=data["received_on"],
                    amount_tiyn=to_tiyn(data["amount"]),
                    document=data["document"],
                    description=data["description"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The income is recorded."))
                return redirect(
                    "budget:incomes", pk=unit.pk, year=data["received_on"].year
                )
        return self.respond(unit, year, form)

    def respond(self, unit: OrgUnit, year: int, form: IncomeForm) -> HttpResponse:
        context = {
            "unit": unit,
            "year": year,
            "form": form,
            "incomes": list_incomes(unit, year)[:ENTRIES_SHOWN],
            "can_manage": policy.has_perm(
                self.request.user, Perm.DUES_MANAGE, unit=unit
            ),
        }
        return render(self.request, "budget/incomes.html", context)


class IncomeDeleteView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        income = access_income(request.user, pk)
        try:
            delete_income(actor=request.user, income=income)
        except PermissionRefused:
            raise Http404 from None
        messages.success(request, _("The income is deleted."))
        return redirect(
            "budget:incomes", pk=income.unit_id, year=income.received_on.year
        )
