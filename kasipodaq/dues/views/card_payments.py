"""Monthly card payments: the provider's notifications, a member's card payment
(start, cancel) and an organization's dashboard of them."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from kasipodaq.access.perms import Perm
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.registry.models import Person
from kasipodaq.registry.selectors import access_unit
from kasipodaq.registry.views.members import MemberFormView

from ..card_selectors import (
    access_card_subscription,
    live_subscription,
    recent_charges,
    refused_notifications_under,
    status_counts,
    subscriptions_under,
)
from ..errors import DuesRefusal
from ..forms_card import LANGUAGES, CancelCardPaymentsForm, CardPaymentsForm
from ..models import SubscriptionStatus
from ..money import to_tenge, to_tiyn
from ..providers.base import Answer, BadNotification
from ..services.card_payments import (
    cancel_card_payments,
    current_provider,
    payment_page_of,
    receive_notification,
    request_card_payments,
)

log = logging.getLogger(__name__)


@method_decorator(csrf_exempt, name="dispatch")
class CardNotificationView(View):
    """Where the provider posts Check, Pay and Fail: signed, no session."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, kind: str) -> HttpResponse:
        provider = current_provider()
        if provider is None:
            raise Http404
        try:
            event = provider.parse_notification(
                kind=kind, body=request.body, headers=request.headers
            )
        except BadNotification as exc:
            log.warning("Payment notification refused: %s", exc)
            return JsonResponse({"code": int(Answer.REFUSED)}, status=403)
        return JsonResponse({"code": int(receive_notification(event=event))})


class CardPaymentsView(MemberFormView):
    """Start paying by card monthly: the member is sent to the provider's page."""

    perm = Perm.DUES_MANAGE
    title = gettext_lazy("Pay dues by card monthly")
    submit = gettext_lazy("Go to the payment page")
    template_name = "dues/card_start.html"

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        language = translation.get_language() or "ru"
        return CardPaymentsForm(
            data,
            initial={
                "language": language[:2] if language[:2] in dict(LANGUAGES) else "ru"
            },
        )

    def perform(self, person: Person, form: Any) -> Person | None:
        subscription = request_card_payments(
            actor=self.request.user,
            person=person,
            amount_tiyn=to_tiyn(form.cleaned_data["amount"]),
            charge_day=form.cleaned_data["charge_day"],
            language=form.cleaned_data["language"],
        )
        self.page = payment_page_of(subscription)
        return person

    def success_message(self, person: Person) -> str:
        return _("The member pays the first month on the payment page.")

    def success_url(self, person: Person | None) -> HttpResponse:
        return redirect(self.page)

    def respond(self, person: Person, form: forms.Form) -> HttpResponse:
        live = live_subscription(person)
        context = {
            "person": person,
            "form": form,
            "title": self.title,
            "submit": self.submit,
            "subscription": live,
            "charges": recent_charges(live) if live else [],
            "can_start": live is None or live.status == SubscriptionStatus.PENDING,
        }
        return render(self.request, self.template_name, context)


class CardCancelView(LoginRequiredMixin, View):
    """Stop a member's monthly card payments (POST only changes anything)."""

    template_name = "dues/card_cancel.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        subscription = access_card_subscription(request.user, pk)
        return self.respond(subscription, CancelCardPaymentsForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        subscription = access_card_subscription(request.user, pk)
        form = CancelCardPaymentsForm(request.POST)
        if form.is_valid():
            try:
                cancel_card_payments(
                    actor=request.user,
                    subscription=subscription,
                    at_members_request=form.cleaned_data["at_members_request"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DuesRefusal as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The monthly card payment is cancelled."))
                return redirect("members:detail", pk=subscription.person_id)
        return self.respond(subscription, form)

    def respond(self, subscription: Any, form: forms.Form) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "subscription": subscription,
                "person": subscription.person,
                "amount": to_tenge(subscription.amount_tiyn),
                "form": form,
            },
        )


class CardSubscriptionsView(LoginRequiredMixin, View):
    """The card payments of an organization's members, failing and stopped first."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        return render(
            request,
            "dues/card_subscriptions.html",
            {
                "unit": unit,
                "counts": [
                    (status, SubscriptionStatus(status).label, n)
                    for status, n in status_counts(unit).items()
                ],
                "subscriptions": subscriptions_under(unit),
                "refused": refused_notifications_under(unit),
            },
        )
