"""An organization's dues: the month's figures, its arrears, accruing, payroll."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
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

from ..forms import AccrueForm, PayrollForm
from ..models import PayrollList
from ..money import to_tenge
from ..months import month_of, parse_month
from ..selectors import (
    access_payroll,
    arrears_under,
    month_figures,
    payroll_exceptions,
    payroll_lists,
)
from ..services.accrual import accrue_month
from ..services.payroll import import_payroll
from ..tasks import remind_arrears_task


class OrgDuesView(LoginRequiredMixin, View):
    """?month= (default: this month); POST accrues the month."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        month = parse_month(request.GET.get("month", "")) or month_of(today())
        return self.respond(
            unit, month, AccrueForm(initial={"month": f"{month:%Y-%m}"})
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        form = AccrueForm(request.POST)
        if form.is_valid():
            month = form.cleaned_data["month"]
            try:
                accrued = accrue_month(actor=request.user, month=month, unit=unit)
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(month)s accrued: charges %(charges)s, total %(total)s "
                        "tenge (new %(created)s, corrected %(updated)s, removed "
                        "%(removed)s)."
                    )
                    % {
                        "month": f"{month:%Y-%m}",
                        "charges": accrued.charges,
                        "total": to_tenge(accrued.total_tiyn),
                        "created": accrued.created,
                        "updated": accrued.updated,
                        "removed": accrued.removed,
                    },
                )
                return redirect(f"{request.path}?month={month:%Y-%m}")
        return self.respond(unit, month_of(today()), form)

    def respond(self, unit: OrgUnit, month: dt.date, form: AccrueForm) -> HttpResponse:
        user = self.request.user
        context = {
            "unit": unit,
            "month": month,
            "figures": month_figures(unit, month),
            "arrears": arrears_under(unit, today()),
            "lists": payroll_lists(unit),
            "form": form,
            "can_manage": policy.has_perm(user, Perm.DUES_MANAGE, unit=unit),
        }
        return render(self.request, "dues/org.html", context)


class RemindView(LoginRequiredMixin, View):
    """POST: email the members in arrears under the unit, in the background."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        remind_arrears_task.delay(unit.pk)
        messages.success(
            request,
            _(
                "Reminders are being sent to the members in arrears who have an "
                "email; those reminded in the last %(days)s days are left alone."
            )
            % {"days": settings.KASIPODAQ_ARREARS_REMINDER_DAYS},
        )
        return redirect("dues:org", pk=unit.pk)


class PayrollUploadView(LoginRequiredMixin, View):
    """Upload an employer's list for the members under a unit."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        return render(
            request, "dues/payroll_upload.html", {"unit": unit, "form": PayrollForm()}
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        form = PayrollForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                payroll = _import(
                    request, unit, upload, form.cleaned_data["matched_only"]
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                return redirect("dues:payroll", pk=payroll.pk)
        return render(request, "dues/payroll_upload.html", {"unit": unit, "form": form})


def _import(
    request: HttpRequest, unit: OrgUnit, upload: UploadedFile, matched_only: bool
) -> PayrollList:
    """Keep the upload on disk (readers stream from a file) while it is read."""
    folder = Path(settings.DATA_DIR) / "payroll"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".upload") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
        stored.flush()
        return import_payroll(
            actor=request.user,
            unit=unit,
            path=Path(stored.name),
            original_name=upload.name or "",
            matched_only=matched_only,
        )


class PayrollView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        payroll = access_payroll(request.user, pk)
        context = {
            "payroll": payroll,
            "unit": payroll.unit,
            "outcomes": payroll.outcomes,
            "exceptions": payroll_exceptions(payroll),
        }
        return render(request, "dues/payroll.html", context)
