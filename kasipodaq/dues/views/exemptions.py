"""A member's exemptions from dues: listing, granting, ending one early."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.registry.models import Person
from kasipodaq.registry.views.members import MemberFormView

from ..forms_rules import EndExemptionForm, ExemptionForm
from ..in_force import access_exemption, exemptions_of
from ..models import Exemption
from ..months import month_of
from ..services.exemptions import ExemptionChange, end_exemption, exempt_member
from .rules import months_text


def _dues_panel(person_id: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("members:detail", args=[person_id]) + "#dues")


def _tell_to_reaccrue(request: HttpRequest, change: ExemptionChange) -> None:
    if change.to_reaccrue:
        messages.warning(
            request,
            _(
                "These months were already accrued and change once they are "
                "accrued again: %(months)s."
            )
            % {"months": months_text(change.to_reaccrue)},
        )


class ExemptionsView(MemberFormView):
    """The member's exemptions and the form granting a new one."""

    perm = Perm.DUES_MANAGE
    template_name = "dues/exemptions.html"
    title = gettext_lazy("Exemptions from dues")
    submit = gettext_lazy("Exempt")

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        return ExemptionForm(data, initial={"valid_from": f"{month_of(today()):%Y-%m}"})

    def perform(self, person: Person, form: Any) -> Person | None:
        change = exempt_member(
            actor=self.request.user, person=person, **form.cleaned_data
        )
        _tell_to_reaccrue(self.request, change)
        return person

    def success_message(self, person: Person) -> str:
        return _("%(name)s is exempted from dues.") % {"name": person.full_name}

    def success_url(self, person: Person | None) -> HttpResponse:
        assert person is not None
        return _dues_panel(person.pk)

    def respond(self, person: Person, form: forms.Form) -> HttpResponse:
        context = {
            "person": person,
            "form": form,
            "title": self.title,
            "submit": self.submit,
            "exemptions": exemptions_of(person),
        }
        return render(self.request, self.template_name, context)


class ExemptionEndView(LoginRequiredMixin, View):
    """End an exemption early: the member pays again from a month."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        exemption = access_exemption(request.user, pk)
        initial = {"pays_from": f"{month_of(today()):%Y-%m}"}
        return self.respond(exemption, EndExemptionForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        exemption = access_exemption(request.user, pk)
        form = EndExemptionForm(request.POST)
        if form.is_valid():
            try:
                change = end_exemption(
                    actor=request.user,
                    exemption=exemption,
                    pays_from=form.cleaned_data["pays_from"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s pays dues again from %(month)s.")
                    % {
                        "name": exemption.person.full_name,
                        "month": f"{change.exemption.valid_to:%Y-%m}",
                    },
                )
                _tell_to_reaccrue(request, change)
                return _dues_panel(exemption.person_id)
        return self.respond(exemption, form)

    def respond(self, exemption: Exemption, form: forms.Form) -> HttpResponse:
        context = {"exemption": exemption, "person": exemption.person, "form": form}
        return render(self.request, "dues/exemption_end.html", context)
