"""Staff pages of members: the list and its export, a member's record, the changes.

Each view reads through a selector (404 outside the user's subtree), calls at most
one service, and answers; a service's refusal is shown on the form it came from.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.orgtree.models import Level, OrgUnit, UnitStatus

from .. import exports
from ..forms.members import (
    AdmitForm,
    DeleteMemberForm,
    EditMemberForm,
    LeaveForm,
    MemberFilterForm,
    TransferForm,
    describe_filter,
    initial_for,
)
from ..models import Person
from ..selectors import (
    MemberFilter,
    access_person,
    access_unit,
    count_members,
    dated_memberships,
    list_members,
    list_units,
    membership_history,
)
from ..services.admission import admit_member
from ..services.people import delete_person, details_of, edit_member
from ..services.termination import end_membership
from ..services.transfers import transfer_membership
from ..services.viewing import record_member_view, record_members_export

PAGE_SIZE = 50


def _member_filter(
    request: HttpRequest, perm: Perm
) -> tuple[MemberFilterForm, MemberFilter]:
    """The list's filter from the query string; an organization outside scope is 404."""
    form = MemberFilterForm(request.GET)
    org = request.GET.get("org", "").strip()
    unit = access_unit(request.user, org, perm) if org else None
    return form, form.member_filter(unit=unit)


def _open_primaries(units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """The primary organizations among `units` that can take members."""
    return units.filter(level=Level.PRIMARY, status=UnitStatus.ACTIVE).order_by(
        "name_ru", "pk"
    )


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request for the results only (not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _date_changed(request: HttpRequest) -> bool:
    """Whether an htmx request asks for another date than the page shows.

    The page says above the results which date they are for, and whether the date
    was refused: a new date loads the whole page again, not only the results.
    """
    htmx = getattr(request, "htmx", None)
    current = urlsplit(getattr(htmx, "current_url", None) or "").query
    return QueryDict(current).get("on", "") != request.GET.get("on", "")


class MemberListView(LoginRequiredMixin, View):
    """Members in the user's subtrees, searched and filtered, 50 to a page.

    With ?on=<date>, the members on that date instead (MemberFilter.on): ages are
    then given on that date.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        partial = _is_partial(request)
        if partial and _date_changed(request):
            return HttpResponseClientRedirect(request.get_full_path())
        form, flt = _member_filter(request, Perm.MEMBER_VIEW)
        people = list_members(request.user, flt)
        paginator = Paginator(people, PAGE_SIZE)
        # Counted on memberships where it can be: the join of every person is slow.
        paginator.count = count_members(request.user, flt)
        page = paginator.get_page(request.GET.get("page"))
        on = flt.on or today()
        shown = dated_memberships(list(page), flt.on) if flt.on else {}
        query = request.GET.copy()
        query.pop("page", None)
        without_org = query.copy()
        without_org.pop("org", None)
        context = {
            "form": form,
            "unit": flt.unit,
            "on": flt.on,
            "page": page,
            "rows": [
                (
                    person,
                    person.age_on(on),
                    shown.get(person.pk, person.current_membership),
                )
                for person in page
            ],
            "query": query.urlencode(),
            "query_without_org": without_org.urlencode(),
            "can_admit": bool(policy.subtree_roots(request.user, Perm.MEMBER_MANAGE)),
            "can_export": bool(policy.subtree_roots(request.user, Perm.MEMBER_EXPORT)),
        }
        template = "members/_results.html" if partial else "members/list.html"
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


class MemberExportView(LoginRequiredMixin, View):
    """The filtered member list as CSV or XLSX, recorded once in the audit trail.

    With ?history=1 the file holds every membership period of the people listed,
    ended ones too, as a member import file.
    """

    def get(self, request: HttpRequest) -> HttpResponseBase:
        file_format = request.GET.get("format", "")
        if file_format not in exports.FORMATS:
            raise Http404
        history = request.GET.get("history") == "1"
        _form, flt = _member_filter(request, Perm.MEMBER_EXPORT)
        people = list_members(request.user, flt, Perm.MEMBER_EXPORT)
        try:
            record_members_export(
                actor=request.user,
                people=people,
                filters=describe_filter(flt),
                file_format=file_format,
                history=history,
            )
        except PermissionRefused:
            raise Http404 from None
        if history:
            sheet = exports.member_history_rows(people, user=request.user)
            filename = exports.export_filename(file_format, stem="members-history")
        else:
            sheet = exports.member_rows(people)
            filename = exports.export_filename(file_format)
        content_type = exports.CONTENT_TYPES[file_format]
        if file_format == exports.CSV:
            response = StreamingHttpResponse(
                exports.csv_chunks(sheet), content_type=content_type
            )
            response["Content-Disposition"] = content_disposition_header(True, filename)
            return response
        return FileResponse(
            exports.xlsx_file(sheet),
            as_attachment=True,
            filename=filename,
            content_type=content_type,
        )


class MemberDetailView(LoginRequiredMixin, View):
    """A member's record and membership history; every opening is audited."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        person = access_person(user, pk)
        record_member_view(actor=user, person=person)
        current = person.current_membership
        assert current is not None  # access_person finds people through it
        history = list(membership_history(person))
        linked = {
            m.org_unit_id
            for m in history
            if policy.has_perm(user, Perm.ORG_VIEW, unit=m.org_unit)
        }
        can_manage = policy.has_perm(user, Perm.MEMBER_MANAGE, unit=current.org_unit)
        context = {
            "person": person,
            "current": current,
            "age": person.age_on(today()),
            "history": history,
            "linked": linked,
            "can_manage": can_manage,
            "can_transfer": current.is_active
            and policy.has_perm(user, Perm.MEMBER_TRANSFER, unit=current.org_unit),
            "can_readmit": not current.is_active
            and bool(policy.subtree_roots(user, Perm.MEMBER_MANAGE)),
            "can_audit_person": policy.has_perm(
                user, Perm.AUDIT_VIEW, unit=current.org_unit
            ),
        }
        return render(request, "members/detail.html", context)


class MemberFormView(LoginRequiredMixin, View, metaclass=ABCMeta):
    """A form about one member: GET shows it, POST calls one service.

    The member is fetched with the right the change needs, so a user without it
    gets 404. A service's refusal is shown on the form with what the user typed;
    a PermissionRefused is answered as 404 like any object out of reach.
    """

    perm: Perm
    template_name = "members/form.html"
    title: str | Promise
    submit: str | Promise
    danger = False
    # Whether the form shows the person's details, so that opening it is a view.
    shows_details = False

    @abstractmethod
    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        """The form, bound to `data` when it was posted."""

    @abstractmethod
    def perform(self, person: Person, form: Any) -> Person | None:
        """Call the service; the person to show afterwards (None once erased)."""

    @abstractmethod
    def success_message(self, person: Person) -> str:
        """What the user is told once the change is made."""

    def success_url(self, person: Person | None) -> HttpResponse:
        assert person is not None
        return redirect("members:detail", pk=person.pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = access_person(request.user, pk, self.perm)
        if self.shows_details:
            record_member_view(actor=request.user, person=person)
        return self.respond(person, self.get_form(person))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = access_person(request.user, pk, self.perm)
        form = self.get_form(person, request.POST)
        if form.is_valid():
            try:
                result = self.perform(person, form)
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, self.success_message(person))
                return self.success_url(result)
        return self.respond(person, form)

    def respond(self, person: Person, form: forms.Form) -> HttpResponse:
        context = {
            "person": person,
            "form": form,
            "title": self.title,
            "submit": self.submit,
            "danger": self.danger,
        }
        return render(self.request, self.template_name, context)


class MemberEditView(MemberFormView):
    perm = Perm.MEMBER_MANAGE
    title = gettext_lazy("Edit member")
    submit = gettext_lazy("Save")
    shows_details = True

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        membership = person.current_membership
        assert membership is not None
        initial = {**initial_for(details_of(person)), "category": membership.category}
        return EditMemberForm(data, initial=initial, membership=membership)

    def perform(self, person: Person, form: Any) -> Person | None:
        return edit_member(
            actor=self.request.user,
            person=person,
            details=form.details(),
            category=form.cleaned_data["category"],
        )

    def success_message(self, person: Person) -> str:
        return _("The details of %(name)s were saved.") % {"name": person.full_name}


class MemberLeaveView(MemberFormView):
    perm = Perm.MEMBER_MANAGE
    title = gettext_lazy("End membership")
    submit = gettext_lazy("End membership")
    danger = True

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        return LeaveForm(data)

    def perform(self, person: Person, form: Any) -> Person | None:
        assert person.current_membership is not None
        end_membership(
            actor=self.request.user,
            membership=person.current_membership,
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
        )
        return person

    def success_message(self, person: Person) -> str:
        return _("The membership of %(name)s has ended.") % {"name": person.full_name}


class MemberTransferView(MemberFormView):
    perm = Perm.MEMBER_TRANSFER
    title = gettext_lazy("Transfer to another primary organization")
    submit = gettext_lazy("Transfer")

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        membership = person.current_membership
        assert membership is not None
        units = list_units(self.request.user, Perm.MEMBER_TRANSFER)
        offered = _open_primaries(units).exclude(pk=membership.org_unit_id)
        return TransferForm(data, units=units, offered=offered)

    def perform(self, person: Person, form: Any) -> Person | None:
        assert person.current_membership is not None
        transfer_membership(
            actor=self.request.user,
            membership=person.current_membership,
            to_unit=form.cleaned_data["to_unit"],
            on=form.cleaned_data["on"],
        )
        return person

    def success_message(self, person: Person) -> str:
        return _("%(name)s was transferred.") % {"name": person.full_name}


class MemberDeleteView(MemberFormView):
    perm = Perm.MEMBER_MANAGE
    template_name = "members/delete.html"
    title = gettext_lazy("Erase a record entered in error")
    submit = gettext_lazy("Erase the record")
    danger = True

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        return DeleteMemberForm(data)

    def perform(self, person: Person, form: Any) -> Person | None:
        delete_person(actor=self.request.user, person=person)
        return None

    def success_message(self, person: Person) -> str:
        return _("The record of %(name)s was erased.") % {"name": person.full_name}

    def success_url(self, person: Person | None) -> HttpResponse:
        return redirect("members:list")


class MemberAdmitView(LoginRequiredMixin, View):
    """Admit a person to a primary organization (?org= preselects it).

    ?person= fills the form from a former member's record, to admit them again.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {}
        unit = self._chosen_unit(request)
        if unit is not None:
            initial["org_unit"] = unit
        person_pk = request.GET.get("person", "").strip()
        if person_pk:
            person = access_person(request.user, person_pk)
            record_member_view(actor=request.user, person=person)
            initial.update(initial_for(details_of(person)))
        return self.respond(self.get_form(initial=initial), unit)

    def post(self, request: HttpRequest) -> HttpResponse:
        unit = self._chosen_unit(request)
        form = self.get_form(data=request.POST)
        if form.is_valid():
            try:
                membership = admit_member(
                    actor=request.user,
                    unit=form.cleaned_data["org_unit"],
                    details=form.details(),
                    joined_on=form.cleaned_data["joined_on"],
                    category=form.cleaned_data["category"],
                    join_method=form.cleaned_data["join_method"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                person = membership.person
                messages.success(
                    request,
                    _("%(name)s was admitted to %(unit)s.")
                    % {"name": person.full_name, "unit": membership.org_unit},
                )
                return redirect("members:detail", pk=person.pk)
        return self.respond(form, unit)

    def _chosen_unit(self, request: HttpRequest) -> OrgUnit | None:
        """The organization asked for in ?org=; 404 without the right to admit."""
        if not policy.subtree_roots(request.user, Perm.MEMBER_MANAGE):
            raise Http404
        org = request.GET.get("org", "").strip()
        return access_unit(request.user, org, Perm.MEMBER_MANAGE) if org else None

    def get_form(self, **kwargs: Any) -> AdmitForm:
        units = list_units(self.request.user, Perm.MEMBER_MANAGE)
        offered = _open_primaries(units)
        return AdmitForm(
            kwargs.pop("data", None), units=units, offered=offered, **kwargs
        )

    def respond(self, form: AdmitForm, unit: OrgUnit | None) -> HttpResponse:
        context = {
            "form": form,
            "unit": unit,
            "title": _("Admit a member"),
            "submit": _("Admit"),
        }
        return render(self.request, "members/form.html", context)
