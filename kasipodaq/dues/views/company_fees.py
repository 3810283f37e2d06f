"""An employer association's page of its member companies' fees: the schedule in
force, each company's figures, fee, paid and owed; setting a schedule, entering a
declaration, recording a transfer and running the fees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.selectors import access_unit

from ..company_fee_forms import (
    CompanyPaymentForm,
    DeclarationForm,
    PeriodForm,
    ScheduleForm,
)
from ..company_fee_selectors import company_rows, schedule_in_force
from ..company_fees import span
from ..money import to_tenge
from ..services.company_fees import (
    charge_company_fees,
    declare_company_figures,
    record_company_payment,
    set_fee_schedule,
)

FORMS: dict[str, type[forms.Form]] = {
    "charge": PeriodForm,
    "schedule": ScheduleForm,
    "declaration": DeclarationForm,
    "payment": CompanyPaymentForm,
}


class CompanyFeesView(LoginRequiredMixin, View):
    """?year=&quarter= (default: this year); POST form=charge|schedule|declaration|
    payment does that one thing."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        return self.respond(unit, _period(request.GET), {})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        which = request.POST.get("form", "")
        if which not in FORMS:
            return HttpResponseBadRequest()
        form = FORMS[which](request.POST, auto_id=f"id_{which}_%s")
        if form.is_valid():
            try:
                done = _ACTIONS[which](request.user, unit, form)
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, done)
                year, quarter = _period(request.POST if which == "charge" else {})
                query = f"?year={year}" + (f"&quarter={quarter}" if quarter else "")
                return redirect(request.path + query)
        return self.respond(unit, _period(request.POST), {which: form})

    def respond(
        self,
        unit: OrgUnit,
        period: tuple[int, int | None],
        bound: dict[str, forms.Form],
    ) -> HttpResponse:
        year, quarter = period
        start, end = span(year, quarter)
        on = today()
        initial: dict[str, dict[str, Any]] = {
            "charge": {"year": year, "quarter": quarter or ""},
            "schedule": {"valid_from": start},
            "declaration": {"year": year, "declared_on": on},
            "payment": {"paid_on": on},
        }
        context: dict[str, Any] = {
            "unit": unit,
            "year": year,
            "quarter": quarter,
            "schedule": schedule_in_force(unit, start),
            "rows": company_rows(unit, start, end),
            "can_manage": policy.has_perm(
                self.request.user, Perm.DUES_MANAGE, unit=unit
            ),
        }
        for name, form_class in FORMS.items():
            context[f"{name}_form"] = bound.get(name) or form_class(
                initial=initial[name], auto_id=f"id_{name}_%s"
            )
        return render(self.request, "dues/company_fees.html", context)


def _period(data: Any) -> tuple[int, int | None]:
    """The year and quarter asked for; this year when none or nonsense."""
    form = PeriodForm(data)
    if data.get("year") and form.is_valid():
        return form.cleaned_data["year"], form.cleaned_data["quarter"]
    return today().year, None


def _charge(actor: Any, unit: OrgUnit, form: forms.Form) -> str:
    data = form.cleaned_data
    run = charge_company_fees(
        actor=actor, unit=unit, year=data["year"], quarter=data["quarter"]
    )
    return _(
        "Fees charged: %(charges)s, total %(total)s tenge (new %(created)s, "
        "corrected %(updated)s, removed %(removed)s; without figures, top tier: "
        "%(undeclared)s)."
    ) % {
        "charges": run.charges,
        "total": to_tenge(run.total_tiyn),
        "created": run.created,
        "updated": run.updated,
        "removed": run.removed,
        "undeclared": run.undeclared,
    }


def _schedule(actor: Any, unit: OrgUnit, form: forms.Form) -> str:
    assert isinstance(form, ScheduleForm)
    schedule = set_fee_schedule(actor=actor, unit=unit, **form.service_kwargs())
    return _("The fee schedule from %(day)s is set.") % {"day": schedule.valid_from}


def _declaration(actor: Any, unit: OrgUnit, form: forms.Form) -> str:
    assert isinstance(form, DeclarationForm)
    declaration = declare_company_figures(
        actor=actor, unit=unit, **form.service_kwargs()
    )
    return _("The declaration for %(year)s is recorded.") % {"year": declaration.year}


def _payment(actor: Any, unit: OrgUnit, form: forms.Form) -> str:
    assert isinstance(form, CompanyPaymentForm)
    payment = record_company_payment(actor=actor, unit=unit, **form.service_kwargs())
    return _("Payment order №%(number)s is recorded: %(amount)s tenge.") % {
        "number": payment.order_number,
        "amount": to_tenge(payment.amount_tiyn),
    }


_ACTIONS: dict[str, Callable[[Any, OrgUnit, forms.Form], str]] = {
    "charge": _charge,
    "schedule": _schedule,
    "declaration": _declaration,
    "payment": _payment,
}
