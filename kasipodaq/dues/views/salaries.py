"""The salaries on record under an organization, and recording an employer's list."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
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
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.selectors import access_unit

from ..forms_rules import SalaryListForm
from ..in_force import latest_salary_lists, salary_months
from ..models import SalaryList
from ..payroll_file import Problem
from ..services.salaries import SalaryListRefused, import_salaries


class SalariesView(LoginRequiredMixin, View):
    """GET: the latest lists and months on record; POST records a list."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        return self.respond(unit, SalaryListForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        form = SalaryListForm(request.POST, request.FILES)
        problems: list[Problem] = []
        more = 0
        if form.is_valid():
            try:
                salaries = _import(request, unit, form.cleaned_data["file"])
            except PermissionRefused:
                raise Http404 from None
            except SalaryListRefused as exc:
                add_refusal(form, exc)
                problems, more = exc.problems, exc.more
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(file)s recorded: %(lines)s lines, new salaries "
                        "%(created)s, changed %(updated)s, unchanged %(unchanged)s."
                    )
                    % {
                        "file": salaries.original_name,
                        "lines": salaries.lines,
                        "created": salaries.created,
                        "updated": salaries.updated,
                        "unchanged": salaries.unchanged,
                    },
                )
                return redirect("dues:salaries", pk=unit.pk)
        return self.respond(unit, form, problems=problems, more=more)

    def respond(
        self,
        unit: OrgUnit,
        form: forms.Form,
        *,
        problems: list[Problem] | None = None,
        more: int = 0,
    ) -> HttpResponse:
        context = {
            "unit": unit,
            "form": form,
            "problems": problems or [],
            "more": more,
            "lists": latest_salary_lists(unit),
            "months": salary_months(unit),
            "can_manage": policy.has_perm(
                self.request.user, Perm.DUES_MANAGE, unit=unit
            ),
        }
        return render(self.request, "dues/salaries.html", context)


def _import(request: HttpRequest, unit: OrgUnit, upload: UploadedFile) -> SalaryList:
    """Keep the upload on disk (readers stream from a file) while it is read."""
    folder = Path(settings.DATA_DIR) / "salaries"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".upload") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
        stored.flush()
        return import_salaries(
            actor=request.user,
            unit=unit,
            path=Path(stored.name),
            original_name=upload.name or "",
        )
