"""Pages that move a report in and out as files: the report in the union's layout
as XLSX or PDF (Russian or Kazakh, ?language=, whatever the page's language; with
?children=1 the organizations below as further columns), the offline template,
and the upload of a filled template.

Each fetches the report with the right it needs (viewing for the files, filling
for the template and its upload): 404 without it, as for a report that does not
exist. A refused upload shows the page again with why, and for figures the form
does not take, the row of the file each one is in.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from kasipodaq.access.perms import Perm
from kasipodaq.core.errors import DomainError, PermissionRefused

from ..exchange.layout_rows import (
    FILE_LANGUAGES,
    PrintedReport,
    file_language,
    printed_report_of,
)
from ..exchange.page_forms import FileOptionsForm, TemplateUploadForm
from ..exchange.pdf import report_pdf
from ..exchange.template import (
    MAX_TEMPLATE_BYTES,
    TemplateFiguresRefused,
    template_file,
    template_filename,
    upload_template,
)
from ..exchange.xlsx import XLSX_CONTENT_TYPE, report_filename, report_xlsx_file
from ..models import Report
from ..selectors import access_report


class _FileOptions:
    """The ?language= and ?children= of a file: an unknown language is refused."""

    def __init__(self, request: HttpRequest) -> None:
        self.form = FileOptionsForm(request.GET)
        self.valid = self.form.is_valid()
        data = self.form.cleaned_data if self.valid else {}
        self.language = file_language(data.get("language"), fallback=get_language())
        self.children = bool(data.get("children"))

    def refusal(self) -> HttpResponse:
        return HttpResponseBadRequest(
            " ".join(str(e) for errors in self.form.errors.values() for e in errors),
            content_type="text/plain; charset=utf-8",
        )


class _PrintedFileView(LoginRequiredMixin, View, metaclass=ABCMeta):
    """A report as a file, for whoever may view it."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        report = access_report(request.user, pk, Perm.REPORT_VIEW)
        options = _FileOptions(request)
        if not options.valid:
            return options.refusal()
        printed = printed_report_of(
            report, language=options.language, children=options.children
        )
        return self.respond(printed)

    @abstractmethod
    def respond(self, printed: PrintedReport) -> HttpResponseBase:
        """The file's response."""


class ReportXlsxView(_PrintedFileView):
    def respond(self, printed: PrintedReport) -> HttpResponseBase:
        return FileResponse(
            report_xlsx_file(printed),
            as_attachment=True,
            filename=report_filename(printed, "xlsx"),
            content_type=XLSX_CONTENT_TYPE,
        )


class ReportPdfView(_PrintedFileView):
    def respond(self, printed: PrintedReport) -> HttpResponseBase:
        return FileResponse(
            BytesIO(report_pdf(printed)),
            as_attachment=True,
            filename=report_filename(printed, "pdf"),
            content_type="application/pdf",
        )


class ReportTemplateView(LoginRequiredMixin, View):
    """The offline template of a report that can still be changed; for a locked
    one, the upload page, which says why there is nothing to fill."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        report = access_report(request.user, pk, Perm.REPORT_FILL)
        if not report.is_editable:
            return redirect("reports:upload", pk=report.pk)
        options = _FileOptions(request)
        if not options.valid:
            return options.refusal()
        return FileResponse(
            template_file(report, language=options.language),
            as_attachment=True,
            filename=template_filename(report, options.language),
            content_type=XLSX_CONTENT_TYPE,
        )


class ReportUploadView(LoginRequiredMixin, View):
    """Upload a filled template: its figures are saved as if typed on the report's
    page, or the page says why not and nothing is saved."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        report = access_report(request.user, pk, Perm.REPORT_FILL)
        return self.respond(report, TemplateUploadForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        report = access_report(request.user, pk, Perm.REPORT_FILL)
        form = TemplateUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.respond(report, form)
        upload = form.cleaned_data["file"]
        upload.seek(0)
        try:
            upload_template(
                actor=request.user,
                report=report,
                data=upload.read(MAX_TEMPLATE_BYTES + 1),
            )
        except PermissionRefused:
            raise Http404 from None
        except TemplateFiguresRefused as exc:
            form.add_error("file", str(exc.message))
            return self.respond(report, form, problems=exc.problems)
        except DomainError as exc:
            form.add_error("file", str(exc.message))
            return self.respond(report, form)
        messages.success(request, _("The figures of the file are saved in the report."))
        return redirect("reports:detail", pk=report.pk)

    def respond(
        self, report: Report, form: TemplateUploadForm, problems: Any = ()
    ) -> HttpResponseBase:
        context = {
            "report": report,
            "form": form,
            "problems": problems,
            "languages": FILE_LANGUAGES.items(),
        }
        return render(self.request, "reports/exchange/upload.html", context)
