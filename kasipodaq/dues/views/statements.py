"""An organization's distribution statement, and recording a transfer up."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.selectors import access_unit

from ..forms_transfers import PeriodForm, TransferForm
from ..money import to_tenge, to_tiyn
from ..months import month_of, next_month
from ..services.transfers import record_transfer
from ..statements import compute_statement, units_above


def period_form(request: HttpRequest) -> PeriodForm:
    """?from=YYYY-MM&to=YYYY-MM, both months included; by default this year up
    to this month."""
    this_month = month_of(today())
    form = PeriodForm(
        {
            "start": request.GET.get("from") or f"{this_month:%Y}-01",
            "end": request.GET.get("to") or f"{this_month:%Y-%m}",
        }
    )
    form.is_valid()
    return form


def chosen_period(form: PeriodForm) -> tuple[dt.date, dt.date]:
    """The form's period, or this year up to this month when it is wrong."""
    if form.is_valid():
        return form.period()
    this_month = month_of(today())
    return this_month.replace(month=1), next_month(this_month)


class StatementView(LoginRequiredMixin, View):
    """GET: the statement of ?from= to ?to=; POST: record a transfer up."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        return self.respond(unit, None)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        form = TransferForm(request.POST, receivers=units_above(unit))
        if form.is_valid():
            try:
                transfer = record_transfer(
                    actor=request.user,
                    from_unit=unit,
                    to_unit=form.receiver(),
                    amount_tiyn=to_tiyn(form.cleaned_data["amount"]),
                    transferred_on=form.cleaned_data["transferred_on"],
                    order_number=form.cleaned_data["order_number"],
                    note=form.cleaned_data["note"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("Transfer %(number)s of %(amount)s tenge is recorded.")
                    % {
                        "number": transfer.order_number,
                        "amount": to_tenge(transfer.amount_tiyn),
                    },
                )
                query = request.GET.urlencode()
                url = reverse("dues:statement", args=[unit.pk])
                return redirect(f"{url}?{query}" if query else url)
        return self.respond(unit, form)

    def respond(
        self, unit: OrgUnit, transfer_form: TransferForm | None
    ) -> HttpResponse:
        form = period_form(self.request)
        start, end = chosen_period(form)
        statement = compute_statement(unit, start, end)
        can_manage = policy.has_perm(self.request.user, Perm.DUES_MANAGE, unit=unit)
        receivers = [above for above, _amount in statement.collected.above]
        if transfer_form is None and can_manage and receivers:
            transfer_form = TransferForm(
                initial={"transferred_on": today()}, receivers=receivers
            )
        last = end - dt.timedelta(days=1)
        context = {
            "unit": unit,
            "form": form,
            "start": start,
            "last": last,
            "statement": statement,
            "transfer_form": transfer_form if can_manage else None,
            "can_manage": can_manage,
            "period_query": urlencode(
                {"from": f"{start:%Y-%m}", "to": f"{last:%Y-%m}"}
            ),
        }
        return render(self.request, "dues/statement.html", context)
