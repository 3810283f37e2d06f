"""Collection over a year: charged against received, per month and below."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.registry.selectors import access_unit

from ..collection import compute_collection

FIRST_YEAR = 2000


def chosen_year(text: str, this_year: int) -> int:
    """?year=2026; this year when it is missing or no year we could hold."""
    if text.isdigit() and FIRST_YEAR <= int(text) <= this_year + 1:
        return int(text)
    return this_year


class CollectionView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        on = today()
        year = chosen_year(request.GET.get("year", "").strip(), on.year)
        context = {
            "unit": unit,
            "year": year,
            "years": list(range(on.year, max(FIRST_YEAR, on.year - 5) - 1, -1)),
            "collection": compute_collection(unit, year, on),
            "today": on,
        }
        return render(request, "dues/collection.html", context)
