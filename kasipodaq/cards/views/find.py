"""Finding a member by the number on their card, as typed from it."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from ..forms import FindForm
from ..selectors import holder_of


class FindView(LoginRequiredMixin, View):
    """?number= goes to the member's page; a typing error is caught by the check
    digit; a number outside the user's area reads like one that does not exist."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if "number" not in request.GET:
            return render(request, "cards/find.html", {"form": FindForm()})
        form = FindForm(request.GET)
        if form.is_valid():
            person = holder_of(request.user, form.cleaned_data["number"])
            if person is not None:
                return redirect("members:detail", pk=person.pk)
            form.add_error("number", _("No member of yours holds this card number."))
        return render(request, "cards/find.html", {"form": form})
