"""A member's dues on the staff pages: cash with a receipt."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.registry.models import Person
from kasipodaq.registry.views.members import MemberFormView

from ..forms import CashForm
from ..models import Payment
from ..money import to_tiyn
from ..receipts import receipt_pdf
from ..selectors import access_cash_payment, union_name
from ..services.cash import record_cash


class CashView(MemberFormView):
    perm = Perm.DUES_MANAGE
    title = gettext_lazy("Record dues paid in cash")
    submit = gettext_lazy("Record and make the receipt")

    def get_form(self, person: Person, data: Any = None) -> forms.Form:
        return CashForm(data, initial={"paid_on": today()})

    def perform(self, person: Person, form: Any) -> Person | None:
        self.payment = record_cash(
            actor=self.request.user,
            person=person,
            amount_tiyn=to_tiyn(form.cleaned_data["amount"]),
            paid_on=form.cleaned_data["paid_on"],
            month=form.cleaned_data["month"],
        )
        return person

    def success_message(self, person: Person) -> str:
        return _("Receipt %(number)s: the payment of %(name)s is recorded.") % {
            "number": self.payment.reference,
            "name": person.full_name,
        }

    def success_url(self, person: Person | None) -> HttpResponse:
        assert person is not None
        return HttpResponseRedirect(
            reverse("members:detail", args=[person.pk]) + "#dues"
        )


class ReceiptView(LoginRequiredMixin, View):
    """The receipt of a cash payment as a PDF."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        payment: Payment = access_cash_payment(request.user, pk)
        response = HttpResponse(
            receipt_pdf(payment, union_name=union_name()),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = content_disposition_header(
            True, f"receipt-{payment.reference}.pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response
