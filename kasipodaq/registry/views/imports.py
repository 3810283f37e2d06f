"""Staff pages of imports: upload a file, confirm its columns, follow the job, read
its problems and download them; and the list of one's own imports.

A job is its maker's alone: anybody else gets 404 for it, as for a job that does not
exist; so does a user who may import nothing at the upload page. What a job may
write is decided by the import service against the maker's subtree, when it runs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_htmx.http import HttpResponseClientRefresh

from kasipodaq.core.errors import DomainError, PermissionRefused

from ..forms.imports import MappingForm, RunAgainForm, UploadForm
from ..import_selectors import (
    access_job,
    access_saved_mapping,
    importable_kinds,
    list_jobs,
    list_saved_mappings,
    mapping_from_saved,
    preview_job,
    problem_page,
)
from ..imports.errors import ImportFileError
from ..imports.pipeline import CHECKING, READING, WRITING
from ..imports.report import report_file, report_filename
from ..models import ImportJob, ImportKind, ImportMode, ImportStatus
from ..services.imports import confirm_import, open_import, result_lines

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PHASE_LABELS = {
    READING: gettext_lazy("Reading the file"),
    CHECKING: gettext_lazy("Checking the rows"),
    WRITING: gettext_lazy("Writing to the registry"),
}
# What a finished job wrote, by the keys of its result (those of the command line's
# summary, kasipodaq/registry/management/importing.py).


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def rerun_modes(job: ImportJob) -> list[str]:
    """How a job that wrote nothing may run again: a checked file imported whole,
    a rejected one with its valid rows only (when it has any)."""
    if job.status == ImportStatus.CHECKED:
        return [ImportMode.ALL_OR_NOTHING]
    if job.status == ImportStatus.REJECTED and job.rows_rejected < job.rows_read:
        return [ImportMode.VALID_ROWS]
    return []


class ImportListView(LoginRequiredMixin, View):
    """The user's own imports, newest first, 50 to a page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(list_jobs(request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context = {"page": page, "can_upload": bool(importable_kinds(request.user))}
        return render(request, "imports/list.html", context)


class ImportUploadView(LoginRequiredMixin, View):
    """Upload a file of members or organizations (?kind= preselects one).

    A file that cannot be read is refused on the form with the reason.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        kinds = self._kinds()
        asked = request.GET.get("kind", "")
        initial = {"kind": asked} if asked in {k.value for k in kinds} else {}
        return self.respond(UploadForm(kinds=kinds, initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES, kinds=self._kinds())
        if form.is_valid():
            upload = form.cleaned_data["file"]
            upload.seek(0)
            try:
                job = open_import(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    source=upload,
                    original_name=upload.name or "",
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                form.add_error("file", str(exc.message))
            else:
                return redirect("imports:columns", pk=job.pk)
        return self.respond(form)

    def _kinds(self) -> list[ImportKind]:
        """The kinds the user may import; none at all answers 404."""
        kinds = importable_kinds(self.request.user)
        if not kinds:
            raise Http404
        return kinds

    def respond(self, form: UploadForm) -> HttpResponse:
        return render(self.request, "imports/upload.html", {"form": form})


class ImportColumnsView(LoginRequiredMixin, View):
    """The columns of a new job: which field each holds, shown with the first rows.

    ?saved= lays one of the user's saved mappings onto the file's headers. POST
    confirms the mapping and the mode and starts the job; a refusal shows the page
    again with every choice the user made.
    """

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = access_job(request.user, pk)
        if job.status != ImportStatus.NEW:
            return redirect("imports:detail", pk=job.pk)
        mapping, applied = job.mapping, None
        saved_pk = request.GET.get("saved", "").strip()
        if saved_pk:
            applied = access_saved_mapping(request.user, job.kind, saved_pk)
            mapping = mapping_from_saved(applied, job.headers)
        form = MappingForm(kind=job.kind, headers=job.headers, mapping=mapping)
        return self.respond(job, form, applied_pk=applied.pk if applied else None)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = access_job(request.user, pk)
        if job.status != ImportStatus.NEW:
            messages.error(request, _("This import has already run."))
            return redirect("imports:detail", pk=job.pk)
        form = MappingForm(
            request.POST, kind=job.kind, headers=job.headers, mapping=job.mapping
        )
        if form.is_valid():
            try:
                confirm_import(
                    actor=request.user,
                    job=job,
                    mapping=form.mapping(),
                    mode=form.cleaned_data["mode"],
                    save_as=form.cleaned_data["save_as"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                form.refuse(exc)
            else:
                return redirect("imports:detail", pk=job.pk)
        return self.respond(job, form)

    def respond(
        self, job: ImportJob, form: MappingForm, applied_pk: int | None = None
    ) -> HttpResponse:
        try:
            preview = preview_job(job)
        except ImportFileError as exc:
            preview, file_error = None, str(exc)
        else:
            file_error = ""
        samples = (
            [preview.column(i) for i in range(len(job.headers))] if preview else []
        )
        context = {
            "job": job,
            "form": form,
            "columns": form.column_rows(samples),
            "sample_rows": [number for number, _values in preview.rows]
            if preview
            else [],
            "required": form.required_fields(),
            "saved_mappings": list_saved_mappings(self.request.user, job.kind),
            "applied_pk": applied_pk,
            "file_error": file_error,
        }
        return render(self.request, "imports/columns.html", context)


def _job_context(job: ImportJob) -> dict[str, Any]:
    return {
        "job": job,
        "phase": PHASE_LABELS.get(job.phase, ""),
    }


class ImportDetailView(LoginRequiredMixin, View):
    """A job's progress while it runs, then its result and its problems."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = access_job(request.user, pk)
        if job.status == ImportStatus.NEW:
            return redirect("imports:columns", pk=job.pk)
        context = _job_context(job)
        if job.is_finished:
            context.update(
                result=result_lines(job.result),
                problems=problem_page(job, request.GET.get("page"))
                if job.rows_rejected
                else None,
                rerun_modes=rerun_modes(job),
                members_kind=job.kind == ImportKind.MEMBERS,
            )
        return render(request, "imports/detail.html", context)


class ImportProgressView(LoginRequiredMixin, View):
    """The progress box that htmx polls; once the job ends, the page reloads."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = access_job(request.user, pk)
        response: HttpResponse
        if not _is_htmx(request):
            response = redirect("imports:detail", pk=job.pk)
        elif job.is_finished or job.status == ImportStatus.NEW:
            response = HttpResponseClientRefresh()
        else:
            response = render(request, "imports/_progress.html", _job_context(job))
        patch_vary_headers(response, ("HX-Request",))
        return response


class ImportRunView(LoginRequiredMixin, View):
    """Run a job that wrote nothing once more: a checked file for real, or a
    rejected one with its valid rows only, with the mapping it was read with."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = access_job(request.user, pk)
        form = RunAgainForm(request.POST)
        if form.is_valid() and form.cleaned_data["mode"] in rerun_modes(job):
            try:
                confirm_import(
                    actor=request.user,
                    job=job,
                    mapping=job.mapping,
                    mode=form.cleaned_data["mode"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                messages.error(request, str(exc.message))
        else:
            messages.error(request, _("This import cannot run that way now."))
        return redirect("imports:detail", pk=job.pk)


class ImportReportView(LoginRequiredMixin, View):
    """The refused rows of a job as written in its file, with their problems (XLSX)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        job = access_job(request.user, pk)
        if not job.is_finished or not job.rows_rejected:
            raise Http404
        try:
            report = report_file(job)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("imports:detail", pk=job.pk)
        return FileResponse(
            report,
            as_attachment=True,
            filename=report_filename(job),
            content_type=XLSX,
        )
