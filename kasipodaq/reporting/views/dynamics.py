"""Dynamics: one organization's figures of a form across years, and a chart of one.

The table has a column per year (the state on 1 January of the next year) and a
row per indicator, like the union's printed "membership dynamics" tables; the
chart draws one indicator's column of values as bars, in inline SVG.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError
from kasipodaq.core.refusals import add_refusal
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.selectors import access_unit, home_units

from ..forms import DynamicsForm
from ..models import Indicator, ValueType
from ..selectors import (
    Dynamics,
    compute_dynamics,
    list_child_units,
    list_report_forms,
    list_unit_reports,
)
from ..services.campaigns import FIRST_YEAR
from .charts import bar_chart
from .formatting import format_figure

DEFAULT_YEARS = 5


def _unit(request: HttpRequest) -> OrgUnit:
    """The organization of ?org=, or the user's first home unit; 404 outside scope."""
    org = request.GET.get("org", "").strip()
    if org:
        return access_unit(request.user, org, Perm.REPORT_VIEW)
    for unit in home_units(request.user):
        return access_unit(request.user, unit.pk, Perm.REPORT_VIEW)
    raise Http404


def _data(request: HttpRequest, unit: OrgUnit) -> dict[str, Any]:
    """The query with a default for what it leaves out: the last five years."""
    last = today().year - 1
    data: dict[str, Any] = {
        "form": "",
        "to": str(last),
        "chart": "",
        "org": str(unit.pk),
    }
    data.update({key: value for key, value in request.GET.items() if value != ""})
    if "from" not in request.GET or not request.GET["from"]:
        try:
            to = int(data["to"])
        except ValueError:
            to = last
        data["from"] = str(max(FIRST_YEAR, to - DEFAULT_YEARS + 1))
    if not data["form"]:
        first = list_report_forms().first()
        data["form"] = first.code if first else ""
    return data


def _chart(dynamics: Dynamics, indicator: Indicator) -> dict[str, Any]:
    values: list[tuple[str, Decimal | None]] = [
        (str(year), value if isinstance(value, Decimal) else None)
        for year, value in dynamics.series(indicator.code)
    ]

    def text(value: Decimal | None) -> str:
        return format_figure(value, indicator.value_type)

    chart = bar_chart(values, text=text, whole=indicator.value_type == ValueType.COUNT)
    description = _("%(indicator)s by year: %(values)s.") % {
        "indicator": indicator.name,
        "values": "; ".join(f"{label} — {text(value)}" for label, value in values),
    }
    return {"chart": chart, "indicator": indicator, "description": description}


class DynamicsView(LoginRequiredMixin, View):
    """?form=CODE&org=<unit>&from=YEAR&to=YEAR&chart=CODE"""

    def get(self, request: HttpRequest) -> HttpResponse:
        unit = _unit(request)
        form = DynamicsForm(_data(request, unit), report_forms=list_report_forms())
        dynamics = None
        if form.is_valid():
            try:
                dynamics = compute_dynamics(
                    form=form.cleaned_data["form"],
                    unit=unit,
                    first=form.cleaned_data["from"],
                    last=form.cleaned_data["to"],
                )
            except DomainError as exc:
                add_refusal(form, exc)
                dynamics = None
        context: dict[str, Any] = {
            "form": form,
            "unit": unit,
            "dynamics": dynamics,
            "children": list_child_units(request.user, unit),
        }
        if dynamics is not None:
            numbers = [i for i in dynamics.layout.indicators if i.is_number]
            form.offer_charts(numbers)
            chosen = form.cleaned_data.get("chart", "")
            indicator = next((i for i in numbers if i.code == chosen), None)
            indicator = indicator or (numbers[0] if numbers else None)
            reports = list_unit_reports(
                request.user,
                unit,
                [y.campaign for y in dynamics.years if y.campaign is not None],
            )
            context.update(
                first_year=dynamics.years[0].year,
                last_year=dynamics.years[-1].year,
                years=[(y, reports.get(y.year)) for y in dynamics.years],
                blocks=[
                    (
                        section.name,
                        [
                            (
                                i,
                                [
                                    format_figure(y.figures.get(i.code), i.value_type)
                                    if y.open
                                    else ""
                                    for y in dynamics.years
                                ],
                            )
                            for i in indicators
                        ],
                    )
                    for section, indicators in dynamics.layout.sections
                ],
                query=urlencode(
                    {
                        "form": dynamics.form.code,
                        "from": dynamics.years[0].year,
                        "to": dynamics.years[-1].year,
                        "chart": indicator.code if indicator else "",
                    }
                ),
            )
            if indicator is not None:
                context.update(_chart(dynamics, indicator))
        return render(request, "reports/dynamics.html", context)
