"""An organization's budget: the year against actual, editing, approving, export."""

from __future__ import annotations

import csv
import io

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
from kasipodaq.dues.money import to_tenge, to_tiyn
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.exports import BOM, CSV_DELIMITER
from kasipodaq.registry.selectors import access_unit

from ..forms import BudgetForm, ReasonForm
from ..models import Budget
from ..selectors import (
    BudgetReport,
    access_budget,
    budget_report,
    current_budget,
    earlier_revisions,
    expected_dues,
    rollup,
)
from ..services.budgets import (
    approve_budget,
    is_plannable,
    reopen_budget,
    revise_budget,
    save_budget,
)
from ..training import TRAINING_MIN_BP, as_percent


def checked_year(year: int) -> int:
    """The year of a URL, or 404 when no budget can be of it."""
    if not is_plannable(year):
        raise Http404
    return year


class OrgBudgetView(LoginRequiredMixin, View):
    """The organization's budget of this year."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        return redirect("budget:year", pk=unit.pk, year=today().year)


def render_year(
    request: HttpRequest,
    unit: OrgUnit,
    year: int,
    *,
    reopen_form: ReasonForm | None = None,
    revise_form: ReasonForm | None = None,
) -> HttpResponse:
    report = budget_report(unit, year)
    context = {
        "unit": unit,
        "year": year,
        "report": report,
        "revisions": earlier_revisions(report.budget) if report.budget else [],
        "reopen_form": reopen_form or ReasonForm(prefix="reopen"),
        "revise_form": revise_form or ReasonForm(prefix="revise"),
        "can_manage": policy.has_perm(request.user, Perm.DUES_MANAGE, unit=unit),
        "years": [other for other in (year - 1, year + 1) if is_plannable(other)],
    }
    return render(request, "budget/year.html", context)


class BudgetYearView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        return render_year(request, unit, checked_year(year))


class BudgetEditView(LoginRequiredMixin, View):
    """The draft's lines, all on one form."""

    def get(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        budget = current_budget(unit, checked_year(year))
        form = BudgetForm(initial=BudgetForm.initial_of(budget))
        return self.respond(unit, year, form)

    def post(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        checked_year(year)
        form = BudgetForm(request.POST)
        if form.is_valid():
            try:
                save_budget(
                    actor=request.user,
                    unit=unit,
                    year=year,
                    lines=form.lines(),
                    planned_dues_tiyn=to_tiyn(form.cleaned_data["planned_dues"]),
                    planned_other_income_tiyn=to_tiyn(
                        form.cleaned_data["planned_other_income"]
                    ),
                    note=form.cleaned_data["note"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The budget is saved."))
                return redirect("budget:year", pk=unit.pk, year=year)
        return self.respond(unit, year, form)

    def respond(self, unit: OrgUnit, year: int, form: BudgetForm) -> HttpResponse:
        context = {
            "unit": unit,
            "year": year,
            "form": form,
            "budget": current_budget(unit, year),
            "expected": expected_dues(unit, year),
            "minimum_bp": TRAINING_MIN_BP,
        }
        return render(self.request, "budget/edit.html", context)


class BudgetActionView(LoginRequiredMixin, View):
    """POST: approve, reopen or revise (these two with a reason) the budget in force."""

    action = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        budget = access_budget(request.user, pk, Perm.DUES_MANAGE)
        form = None
        if self.action != "approve":
            form = ReasonForm(request.POST, prefix=self.action)
            if not form.is_valid():
                return self.refused(budget, form)
        try:
            done = self.act(budget, form.cleaned_data["reason"] if form else "")
        except PermissionRefused:
            raise Http404 from None
        except DomainError as exc:
            if form is not None and exc.field in form.fields:
                add_refusal(form, exc)
            else:  # about the budget, whose form may not be on the page
                messages.error(request, str(exc.message))
            return self.refused(budget, form)
        messages.success(request, done)
        return redirect("budget:year", pk=budget.unit_id, year=budget.year)

    def act(self, budget: Budget, reason: str) -> str:
        actor = self.request.user
        if self.action == "approve":
            approve_budget(actor=actor, budget=budget)
            return _("The budget is approved.")
        if self.action == "reopen":
            reopen_budget(actor=actor, budget=budget, reason=reason)
            return _("The budget is a draft again.")
        revise_budget(actor=actor, budget=budget, reason=reason)
        return _("A new revision is started as a draft.")

    def refused(self, budget: Budget, form: ReasonForm | None) -> HttpResponse:
        forms = {f"{self.action}_form": form} if form is not None else {}
        return render_year(self.request, budget.unit, budget.year, **forms)


class RollupView(LoginRequiredMixin, View):
    """The budgets of the organizations below, those short of training first."""

    def get(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        context = {
            "unit": unit,
            "year": checked_year(year),
            "rollup": rollup(unit, year),
            "minimum_bp": TRAINING_MIN_BP,
        }
        return render(request, "budget/rollup.html", context)


class BudgetCsvView(LoginRequiredMixin, View):
    """The year's budget against actual, for a spreadsheet or the accounts."""

    def get(self, request: HttpRequest, pk: int, year: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        report = budget_report(unit, checked_year(year))
        response = HttpResponse(
            BOM + _csv_text(report), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="budget-{unit.code or unit.pk}-{year}.csv"'
        )
        return response


def _csv_text(report: BudgetReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER)
    writer.writerow(
        [
            _("Category"),
            _("Planned, tenge"),
            _("Spent, tenge"),
            _("Remaining, tenge"),
            _("Used, %"),
        ]
    )
    for row in report.rows:
        writer.writerow(
            [
                row.label,
                to_tenge(row.planned_tiyn),
                to_tenge(row.spent_tiyn),
                to_tenge(row.remaining_tiyn),
                _percent(row.used_bp),
            ]
        )
    writer.writerow(
        [
            _("Total expenses"),
            to_tenge(report.planned_tiyn),
            to_tenge(report.spent_tiyn),
            to_tenge(report.remaining_tiyn),
            _percent(report.used_bp),
        ]
    )
    planned_dues = report.budget.planned_dues_tiyn if report.budget else 0
    planned_other = report.budget.planned_other_income_tiyn if report.budget else 0
    writer.writerow([])
    writer.writerow([_("Income"), _("Planned, tenge"), _("Received, tenge")])
    writer.writerow([_("Dues"), to_tenge(planned_dues), to_tenge(report.dues_tiyn)])
    writer.writerow(
        [
            _("Other income"),
            to_tenge(planned_other),
            to_tenge(report.other_income_tiyn),
        ]
    )
    writer.writerow([])
    writer.writerow([_("Training share"), _("Planned, %"), _("Spent, %")])
    writer.writerow(
        [
            _("Training of union staff and activists"),
            _percent(report.planned_training_bp),
            _percent(report.spent_training_bp),
        ]
    )
    return out.getvalue()


def _percent(bp: int | None) -> str:
    value = as_percent(bp)
    return "" if value is None else str(value)
