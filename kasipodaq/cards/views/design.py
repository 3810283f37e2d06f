"""The centre's card design: colours, logo, the arrears that suspend a card."""

from __future__ import annotations

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

from ..forms import DesignForm
from ..images import CardFace, render_png
from ..models import CardDesign
from ..numbers import display, make_number
from ..printing import labels, look
from ..selectors import union_root
from ..services.design import KEEP_LOGO, update_design


def _require_centre(request: HttpRequest) -> None:
    root = union_root()
    if root is None or not policy.has_perm(request.user, Perm.CARD_DESIGN, unit=root):
        raise Http404


class DesignView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _require_centre(request)
        return self.respond(DesignForm(instance=CardDesign.current()))

    def post(self, request: HttpRequest) -> HttpResponse:
        _require_centre(request)
        form = DesignForm(request.POST, request.FILES, instance=CardDesign.current())
        if form.is_valid():
            data = form.cleaned_data
            logo = None if data["remove_logo"] else data["logo_file"] or KEEP_LOGO
            try:
                update_design(
                    actor=request.user,
                    background=data["background"],
                    foreground=data["foreground"],
                    suspend_after_months=data["suspend_after_months"],
                    logo=logo,
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The card design was saved."))
                return redirect("cards:design")
        return self.respond(form)

    def respond(self, form: DesignForm) -> HttpResponse:
        return render(self.request, "cards/design.html", {"form": form})


class DesignPreviewView(LoginRequiredMixin, View):
    """A sample card in the saved design (no member's data)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_centre(request)
        sample = CardFace(
            full_name=_("Last name First name Patronymic"),
            number=display(make_number("00", 1)),
            org_name=_("Primary organization"),
            issued_on=today(),
            serial=1,
            verify_url=request.build_absolute_uri(reverse("card-check-home")),
            labels=labels(),
        )
        response = HttpResponse(render_png(sample, look()), content_type="image/png")
        response["Cache-Control"] = "no-store"
        return response
