"""A member's card on the staff pages: issue, reissue, revoke, download."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.registry.models import Person
from kasipodaq.registry.selectors import access_person
from kasipodaq.registry.views.members import MemberFormView

from ..errors import CardRefusal
from ..forms import ConfirmForm, ReissueForm, RevokeForm
from ..models import Card
from ..printing import card_png
from ..selectors import card_in_force
from ..services.issuing import issue_card, reissue_card, revoke_card
from ..services.printing import record_printed


def _card_in_force(person: Person) -> Card:
    card = card_in_force(person, today())
    if card is None:
        raise CardRefusal(_("This member holds no card in force."))
    return card


class CardIssueView(MemberFormView):
    perm = Perm.CARD_ISSUE
    title = gettext_lazy("Issue a membership card")
    submit = gettext_lazy("Issue the card")

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        return ConfirmForm(data)

    def perform(self, person: Person, form: Any) -> Person | None:
        issue_card(actor=self.request.user, person=person)
        return person

    def success_message(self, person: Person) -> str:
        return _("A card was issued to %(name)s.") % {"name": person.full_name}


class CardReissueView(MemberFormView):
    perm = Perm.CARD_ISSUE
    title = gettext_lazy("Reissue the membership card")
    submit = gettext_lazy("Reissue")

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        return ReissueForm(data)

    def perform(self, person: Person, form: Any) -> Person | None:
        reissue_card(
            actor=self.request.user,
            card=_card_in_force(person),
            reason=form.cleaned_data["reason"],
        )
        return person

    def success_message(self, person: Person) -> str:
        return _(
            "The card of %(name)s was reissued: the old one no longer checks out."
        ) % {"name": person.full_name}


class CardRevokeView(MemberFormView):
    perm = Perm.CARD_ISSUE
    title = gettext_lazy("Revoke the membership card")
    submit = gettext_lazy("Revoke")
    danger = True

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        return RevokeForm(data)

    def perform(self, person: Person, form: Any) -> Person | None:
        revoke_card(
            actor=self.request.user,
            card=_card_in_force(person),
            reason=form.cleaned_data["reason"],
        )
        return person

    def success_message(self, person: Person) -> str:
        return _("The card of %(name)s was revoked.") % {"name": person.full_name}


class CardImageView(LoginRequiredMixin, View):
    """The card in force as a PNG to print or send, for those who issue cards (a
    card is as good as the real one); every download is audited."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = access_person(request.user, pk, Perm.CARD_ISSUE)
        card = card_in_force(person, today())
        if card is None:
            raise Http404
        record_printed(actor=request.user, cards=[card])
        response = HttpResponse(card_png(card), content_type="image/png")
        response["Content-Disposition"] = (
            content_disposition_header(
                "download" in request.GET, f"card-{card.number}-{card.serial}.png"
            )
            or ""
        )
        response["Cache-Control"] = "private, no-store"
        return response
