"""A member's whole history of dues, a page their union can print for them."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.registry.selectors import access_person
from kasipodaq.registry.services.viewing import record_member_view

from ..arrears import months_overdue
from ..history import dues_history


class MemberHistoryView(LoginRequiredMixin, View):
    """Opening it is audited as a view of the member's record."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = access_person(request.user, pk, Perm.DUES_VIEW)
        record_member_view(actor=request.user, person=person)
        on = today()
        return render(
            request,
            "dues/member_history.html",
            {
                "person": person,
                "history": dues_history(person, on),
                "months_overdue": months_overdue([person.pk], on).get(person.pk, 0),
                "on": on,
            },
        )
