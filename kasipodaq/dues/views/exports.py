"""Downloading a unit's dues money for its accounting system (CSV or 1C)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views import View

from kasipodaq.access.perms import Perm
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.registry.selectors import access_unit

from ..exports_1c import CONTENT_TYPES, export_filename
from ..forms_transfers import ExportForm
from ..services.exports import export_dues


class ExportView(LoginRequiredMixin, View):
    """?from=YYYY-MM&to=YYYY-MM&format=csv|1c[&account=IBAN]: the file; without
    a valid query, the form to choose them."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        query = request.GET
        if not query:
            return render(
                request,
                "dues/statement_export.html",
                {"unit": unit, "form": ExportForm()},
            )
        form = ExportForm(
            {
                "start": query.get("from", ""),
                "end": query.get("to", ""),
                "format": query.get("format", ""),
                "account": query.get("account", ""),
            }
        )
        if not form.is_valid():
            return render(
                request, "dues/statement_export.html", {"unit": unit, "form": form}
            )
        start, end = form.period()
        file_format = form.cleaned_data["format"]
        try:
            content = export_dues(
                actor=request.user,
                unit=unit,
                start=start,
                end=end,
                file_format=file_format,
                account=form.cleaned_data["account"],
            )
        except PermissionRefused:
            raise Http404 from None
        response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
        response["Content-Disposition"] = content_disposition_header(
            True, export_filename(unit, start, end, file_format)
        )
        return response
