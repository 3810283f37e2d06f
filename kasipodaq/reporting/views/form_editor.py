"""The centre's pages of report forms: the forms and their versions, a version's
sections, indicators and rules, and the editor of a draft version.

Only a user holding the centre's right on reports at the root of the union sees
these pages; anyone else gets 404, as for a page that does not exist. A published
version is read-only: the centre opens a new version (a draft copy of the latest),
edits it, and publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal

from ..editor_forms import KINDS, DraftEditor, with_row_added
from ..layout import layout_of
from ..models import FormVersion, ReportForm
from ..selectors import can_manage_campaigns, list_report_forms
from ..services.forms import (
    definition_of,
    open_draft_version,
    publish_version,
    replace_draft,
)

# --- reads (the forms are the whole union's: only the centre's right matters) ------


def _require_centre(user: Any) -> None:
    if not can_manage_campaigns(user):
        raise Http404


def _versions() -> Any:
    return FormVersion.objects.select_related("form").annotate(
        campaigns_count=Count("campaigns")
    )


def _access_version(user: Any, pk: int) -> FormVersion:
    """The version with its form and number of campaigns, for the centre; else 404."""
    _require_centre(user)
    try:
        version: FormVersion = _versions().get(pk=pk)
    except FormVersion.DoesNotExist:
        raise Http404 from None
    return version


def _access_form(user: Any, pk: int) -> ReportForm:
    _require_centre(user)
    form = list_report_forms().filter(pk=pk).first()
    if form is None:
        raise Http404
    return form


@dataclass
class FormRow:
    form: ReportForm
    versions: list[FormVersion]  # newest first

    @property
    def draft(self) -> FormVersion | None:
        latest = self.versions[0] if self.versions else None
        return latest if latest is not None and not latest.is_published else None


def _list_form_rows() -> list[FormRow]:
    """Every form with its versions, newest first: two queries."""
    by_form: dict[int, list[FormVersion]] = {}
    for version in _versions().order_by("form_id", "-number"):
        by_form.setdefault(version.form_id, []).append(version)
    return [FormRow(form, by_form.get(form.pk, [])) for form in list_report_forms()]


def _sibling_versions(version: FormVersion) -> list[FormVersion]:
    return list(_versions().filter(form_id=version.form_id).order_by("-number"))


# --- pages -------------------------------------------------------------------------


class FormListView(LoginRequiredMixin, View):
    """The forms, each with its versions: published or draft, and how many
    campaigns collect each."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_centre(request.user)
        return render(request, "reports/forms/list.html", {"rows": _list_form_rows()})


class VersionDetailView(LoginRequiredMixin, View):
    """One version: its sections with their indicators, and its rules."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = _access_version(request.user, pk)
        versions = _sibling_versions(version)
        context = {
            "version": version,
            "form": version.form,
            "layout": layout_of(version),
            "versions": versions,
            "can_open_draft": version.is_published and versions[0].pk == version.pk,
        }
        return render(request, "reports/forms/version.html", context)


class VersionNewView(LoginRequiredMixin, View):
    """Open the form's draft: a copy of its latest version (or the draft already
    open), then edit it."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = _access_form(request.user, pk)
        return self.respond(form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = _access_form(request.user, pk)
        try:
            draft = open_draft_version(actor=request.user, form=form)
        except PermissionRefused:
            raise Http404 from None
        except DomainError as exc:
            return self.respond(form, error=str(exc.message))
        messages.success(
            request,
            _("Version %(number)s of «%(form)s» is open for editing.")
            % {"number": draft.number, "form": form.name},
        )
        return redirect("reports:version-edit", pk=draft.pk)

    def respond(self, form: ReportForm, error: str = "") -> HttpResponse:
        row = FormRow(form, list(_versions().filter(form=form).order_by("-number")))
        context = {"form": form, "row": row, "error": error}
        return render(self.request, "reports/forms/new_version.html", context)


class VersionEditView(LoginRequiredMixin, View):
    """The editor of a draft version: the form's names, its sections, indicators
    and rules, with rows to add and remove. Saving puts the whole definition into
    the draft, or nothing: a refusal is shown with what was typed."""

    def get_draft(self, pk: int) -> FormVersion:
        version = _access_version(self.request.user, pk)
        if version.is_published:
            raise Http404
        return version

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_draft(pk)
        editor = DraftEditor(code=version.form.code, definition=definition_of(version))
        return self.respond(version, editor, checked=False)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_draft(pk)
        added = request.POST.get("add", "")
        if added in KINDS:
            editor = DraftEditor(
                code=version.form.code, data=with_row_added(request.POST, added)
            )
            return self.respond(version, editor, checked=False)
        editor = DraftEditor(code=version.form.code, data=request.POST)
        if editor.is_valid():
            try:
                saved = replace_draft(
                    actor=request.user, version=version, definition=editor.definition()
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(editor.names, exc)
            else:
                messages.success(
                    request,
                    _("Version %(number)s of «%(form)s» is saved.")
                    % {"number": saved.number, "form": saved.form.name},
                )
                return redirect("reports:version", pk=version.pk)
        return self.respond(version, editor, checked=True)

    def respond(
        self, version: FormVersion, editor: DraftEditor, *, checked: bool
    ) -> HttpResponse:
        context = {
            "version": version,
            "form": version.form,
            "editor": editor,
            "checked": checked,
        }
        return render(self.request, "reports/forms/edit.html", context)


class VersionPublishView(LoginRequiredMixin, View):
    """Publish a draft: from then on it is frozen, and new campaigns collect it."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = _access_version(request.user, pk)
        if version.is_published:
            return redirect("reports:version", pk=version.pk)
        return self.respond(version)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = _access_version(request.user, pk)
        try:
            publish_version(actor=request.user, version=version)
        except PermissionRefused:
            raise Http404 from None
        except DomainError as exc:
            return self.respond(version, error=str(exc.message))
        messages.success(
            request,
            _("Version %(number)s of «%(form)s» is published.")
            % {"number": version.number, "form": version.form.name},
        )
        return redirect("reports:version", pk=version.pk)

    def respond(self, version: FormVersion, error: str = "") -> HttpResponse:
        context = {
            "version": version,
            "form": version.form,
            "layout": layout_of(version),
            "error": error,
        }
        return render(self.request, "reports/forms/publish.html", context)
