"""The organization pages of the staff interface: tree, organization, history actions.

Views parse, fetch through the scoped selectors, call one service and answer. A
unit outside the user's subtree, or an action the user may not take, answers 404.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from kasipodaq.access.perms import Perm
from kasipodaq.access.policy import has_perm
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.orgtree.models import Level, OrgUnit

from .. import org_selectors
from ..forms.organizations import (
    CloseForm,
    EmployeesForm,
    MergeForm,
    MoveForm,
    SearchForm,
    UnitCreateForm,
    UnitEditForm,
)
from ..selectors import access_unit, compute_unit_figures
from ..services import organizations as org_services
from ..services.employers import EmployerDetails, create_organization_at_employer
from ..services.organizations import UnitDetails


class OrgTreeView(LoginRequiredMixin, TemplateView):
    """The tree from the user's home units down, or the units matching a search."""

    template_name = "orgs/tree.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET)
        text = form.cleaned_data["q"] if form.is_valid() else ""
        user = self.request.user
        if text:
            rows = org_selectors.search_unit_rows(user, text)
        else:
            rows = org_selectors.list_home_rows(user)
        context.update(
            form=form,
            searching=bool(text),
            rows=rows,
            search_limit=org_selectors.SEARCH_LIMIT,
        )
        return context


class OrgChildrenView(LoginRequiredMixin, View):
    """The rows below one node, for htmx to put under it in the tree."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk)
        response: HttpResponse
        if getattr(request, "htmx", False):
            rows = org_selectors.list_child_rows(request.user, unit)
            response = render(request, "orgs/_nodes.html", {"rows": rows})
        else:
            response = redirect("orgs:detail", pk=unit.pk)
        patch_vary_headers(response, ("HX-Request",))
        return response


class OrgDetailView(LoginRequiredMixin, TemplateView):
    template_name = "orgs/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        unit = access_unit(user, kwargs["pk"])
        events = org_selectors.list_unit_events(unit)
        referenced = {unit.merged_into_id} | {
            ref
            for event in events
            for ref in (
                event.parent_before_id,
                event.parent_after_id,
                event.other_unit_id,
            )
        }
        can_manage = has_perm(user, Perm.ORG_MANAGE, unit=unit)
        figures = compute_unit_figures(unit)
        history_open = can_manage and unit.is_active and unit.parent_id is not None
        context.update(
            unit=unit,
            ancestors=org_selectors.list_ancestors_in_scope(user, unit),
            figures=figures,
            children=org_selectors.list_child_rows(
                user,
                unit,
                include_closed=True,
                members_by_child=figures.members_by_child,
            ),
            events=events,
            visible_ids=org_selectors.visible_unit_ids(user, referenced),
            can_manage=can_manage,
            can_create=can_manage
            and unit.is_active
            and bool(org_selectors.levels_under(unit)),
            can_change_history=history_open,
            can_close=can_close(user, unit),
            can_admit=unit.is_active
            and unit.level == Level.PRIMARY
            and has_perm(user, Perm.MEMBER_MANAGE, unit=unit),
            can_see_dues=has_perm(user, Perm.DUES_VIEW, unit=unit),
            can_issue_cards=unit.is_active
            and has_perm(user, Perm.CARD_ISSUE, unit=unit),
        )
        return context


class OrgActionView(LoginRequiredMixin, View, metaclass=ABCMeta):
    """A form that changes one unit through one service; shown again on refusal."""

    template_name = "orgs/action.html"
    title: Any = ""
    submit_label: Any = gettext_lazy("Save")
    danger = False

    def get_unit(self, pk: int) -> OrgUnit:
        """The unit, if the user may take this action on it; else 404."""
        return access_unit(self.request.user, pk, Perm.ORG_MANAGE)

    @abstractmethod
    def make_form(self, unit: OrgUnit, data: Any = None) -> forms.Form:
        """The action's form, bound to `data` when it was posted."""

    @abstractmethod
    def perform(self, unit: OrgUnit, form: Any) -> OrgUnit:
        """Call the service; return the unit to show afterwards."""

    @abstractmethod
    def success_message(self, unit: OrgUnit) -> str:
        """What the user is told once the change is made."""

    def extra_context(self, unit: OrgUnit) -> dict[str, Any]:
        return {}

    def render_form(self, unit: OrgUnit, form: forms.Form) -> HttpResponse:
        context = {
            "unit": unit,
            "form": form,
            "title": self.title,
            "submit_label": self.submit_label,
            "danger": self.danger,
            **self.extra_context(unit),
        }
        return render(self.request, self.template_name, context)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = self.get_unit(pk)
        return self.render_form(unit, self.make_form(unit))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = self.get_unit(pk)
        form = self.make_form(unit, data=request.POST)
        if form.is_valid():
            try:
                shown = self.perform(unit, form)
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, self.success_message(shown))
                return redirect("orgs:detail", pk=shown.pk)
        return self.render_form(unit, form)


class OrgCreateView(OrgActionView):
    """A new sub-organization under this one."""

    template_name = "orgs/create.html"
    title = gettext_lazy("New sub-organization")
    submit_label = gettext_lazy("Create")

    def get_unit(self, pk: int) -> OrgUnit:
        unit = super().get_unit(pk)
        if not org_selectors.levels_under(unit):
            raise Http404
        return unit

    def make_form(self, unit: OrgUnit, data: Any = None) -> forms.Form:
        initial = {"region_code": unit.region_code}
        return UnitCreateForm(
            data, initial=initial, levels=org_selectors.levels_under(unit)
        )

    def perform(self, unit: OrgUnit, form: Any) -> OrgUnit:
        data = form.cleaned_data
        return create_organization_at_employer(
            actor=self.request.user,
            parent=unit,
            level=data["level"],
            details=UnitDetails(
                code=data["code"],
                name_ru=data["name_ru"],
                name_kk=data["name_kk"],
                region_code=data["region_code"],
                address=data["address"],
            ),
            employer=EmployerDetails(
                bin=data["employer_bin"],
                name_ru=data["employer_name_ru"],
                name_kk=data["employer_name_kk"],
                sector=data["employer_sector"],
            ),
            opened_on=data["on"],
            employees=data["employees"],
        )

    def success_message(self, unit: OrgUnit) -> str:
        return _("%(unit)s has been created.") % {"unit": unit}


class OrgEditView(OrgActionView):
    title = gettext_lazy("Edit details")

    def make_form(self, unit: OrgUnit, data: Any = None) -> forms.Form:
        initial = {
            name: getattr(unit, name)
            for name in ("name_ru", "name_kk", "region_code", "address")
        }
        return UnitEditForm(data, initial=initial)

    def perform(self, unit: OrgUnit, form: Any) -> OrgUnit:
        data = form.cleaned_data
        return org_services.update_organization(
            actor=self.request.user,
            unit=unit,
            details=UnitDetails(
                code=unit.code,
                name_ru=data["name_ru"],
                name_kk=data["name_kk"],
                employer=unit.employer,
                region_code=data["region_code"],
                address=data["address"],
            ),
        )

    def success_message(self, unit: OrgUnit) -> str:
        return _("The details of %(unit)s have been saved.") % {"unit": unit}


class OrgEmployeesView(OrgActionView):
    title = gettext_lazy("Number of employees")

    def make_form(self, unit: OrgUnit, data: Any = None) -> forms.Form:
        return EmployeesForm(data)

    def perform(self, unit: OrgUnit, form: Any) -> OrgUnit:
        org_services.set_employees(
            actor=self.request.user,
            unit=unit,
            counted_on=form.cleaned_data["on"],
            employees=form.cleaned_data["employees"],
        )
        return unit

    def success_message(self, unit: OrgUnit) -> str:
        return _("The number of employees of %(unit)s has been recorded.") % {
            "unit": unit
        }


class OrgMoveView(OrgActionView):
    title = gettext_lazy("Move under another organization")
    submit_label = gettext_lazy("Move")

    def make_form(self, unit: OrgUnit, data: Any = None) -> forms.Form:
        parents = org_selectors.list_parent_choices(self.request.user, unit)
        return MoveForm(data, parents=parents)

    def perform(self, unit: OrgUnit, form: Any) -> OrgUnit:
        data = form.cleaned_data
        new_parent = data["parent"]
        if data["parent_code"]:
            new_parent = _unit_by_code(
                self.request.user, data["parent_code"], field="parent_code"
            )
        return org_services.move_organization(
            actor=self.request.user, unit=unit, new_parent=new_parent, on=data["on"]
        )

    def success_message(self, unit: OrgUnit) -> str:
        return _("%(unit)s now stands under %(parent)s.") % {
            "unit": unit,
            "parent": unit.parent,
        }


class OrgClosingView(OrgActionView):
    """An action that closes the unit, decided by whoever manages its parent."""

    def get_unit(self, pk: int) -> OrgUnit:
        unit = access_unit(self.request.user, pk)
        if not can_close(self.request.user, unit):
            raise Http404
        return unit


def can_close(user: Any, unit: OrgUnit) -> bool:
    return (
        unit.is_active
        and unit.parent is not None
        and has_perm(user, Perm.ORG_MANAGE, unit=unit.parent)
    )


class OrgMergeView(OrgClosingView):
    title = gettext_lazy("Merge into another organization")
    submit_label = gettext_lazy("Merge")
    danger = True

    def make_form(self, unit: OrgUnit, data: Any = None) -> forms.Form:
        return MergeForm(data)

    def perform(self, unit: OrgUnit, form: Any) -> OrgUnit:
        data = form.cleaned_data
        into = _unit_by_code(self.request.user, data["into"], field="into")
        org_services.merge_organization(
            actor=self.request.user, unit=unit, into=into, on=data["on"]
        )
        return into

    def success_message(self, unit: OrgUnit) -> str:
        return _("The organization has been merged into %(unit)s.") % {"unit": unit}

    def extra_context(self, unit: OrgUnit) -> dict[str, Any]:
        members = compute_unit_figures(unit).members
        warning = ngettext(
            "Its %(count)s member and its sub-organizations move to the organization "
            "it merges into; it closes for good.",
            "Its %(count)s members and its sub-organizations move to the organization "
            "it merges into; it closes for good.",
            members,
        ) % {"count": members}
        return {"warning": warning}


class OrgLiquidateView(OrgClosingView):
    title = gettext_lazy("Liquidate")
    submit_label = gettext_lazy("Liquidate")
    danger = True

    def make_form(self, unit: OrgUnit, data: Any = None) -> forms.Form:
        return CloseForm(data)

    def perform(self, unit: OrgUnit, form: Any) -> OrgUnit:
        return org_services.liquidate_organization(
            actor=self.request.user, unit=unit, on=form.cleaned_data["on"]
        )

    def success_message(self, unit: OrgUnit) -> str:
        return _("%(unit)s has been liquidated.") % {"unit": unit}

    def extra_context(self, unit: OrgUnit) -> dict[str, Any]:
        members = compute_unit_figures(unit).members
        warning = ngettext(
            "The membership of its %(count)s member ends on the date given.",
            "The memberships of its %(count)s members end on the date given.",
            members,
        ) % {"count": members}
        return {"warning": warning}


class OrgLeaveUnionView(OrgClosingView):
    title = gettext_lazy("Leave the union")
    submit_label = gettext_lazy("Leave the union")
    danger = True

    def make_form(self, unit: OrgUnit, data: Any = None) -> forms.Form:
        return CloseForm(data)

    def perform(self, unit: OrgUnit, form: Any) -> OrgUnit:
        return org_services.leave_union(
            actor=self.request.user, unit=unit, on=form.cleaned_data["on"]
        )

    def success_message(self, unit: OrgUnit) -> str:
        return _("%(unit)s has left the union.") % {"unit": unit}

    def extra_context(self, unit: OrgUnit) -> dict[str, Any]:
        members = compute_unit_figures(unit).members
        warning = ngettext(
            "It leaves with all its sub-organizations; the membership of its "
            "%(count)s member ends on the date given.",
            "It leaves with all its sub-organizations; the memberships of its "
            "%(count)s members end on the date given.",
            members,
        ) % {"count": members}
        return {"warning": warning}


def _unit_by_code(user: Any, code: str, *, field: str) -> OrgUnit:
    """The unit with this code that the user manages, or a refusal on `field`."""
    unit = org_selectors.find_unit_by_code(user, code, Perm.ORG_MANAGE)
    if unit is None:
        raise DomainError(
            _("No organization with code %(code)s in your area.")
            % {"code": code.strip()},
            field=field,
        )
    return unit
