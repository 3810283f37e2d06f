"""An organization's dues rule and, for the union and its regions, the
distribution regulation: what is in force, the history, setting a new one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.selectors import access_unit

from ..forms_rules import DistributionForm, DuesRuleForm
from ..in_force import (
    REGULATING_LEVELS,
    distribution_history,
    distribution_in_force,
    dues_rule_history,
    dues_rule_in_force,
)
from ..money import to_tenge
from ..months import month_of, next_month
from ..services.rules import set_distribution, set_dues_rule


def months_text(months: list[dt.date]) -> str:
    return ", ".join(f"{month:%Y-%m}" for month in months)


class DuesRulesView(LoginRequiredMixin, View):
    """GET shows the rule in force and the unit's own rules; POST sets one."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_VIEW)
        in_force = dues_rule_in_force(unit, month_of(today()))
        rule = in_force.rule
        initial: dict[str, Any] = {
            "valid_from": f"{next_month(month_of(today())):%Y-%m}",
            "percent": to_tenge(in_force.percent_bp),
            "student": to_tenge(rule.student_tiyn if rule else 0),
            "pensioner": to_tenge(rule.pensioner_tiyn if rule else 0),
            "non_working": to_tenge(rule.non_working_tiyn if rule else 0),
            "rounding": rule.rounding if rule else "",
        }
        return self.respond(unit, DuesRuleForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.DUES_MANAGE)
        form = DuesRuleForm(request.POST)
        if form.is_valid():
            try:
                result = set_dues_rule(actor=request.user, unit=unit, **form.values())
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("The rule from %(month)s is set.")
                    % {"month": f"{result.rule.valid_from:%Y-%m}"},
                )
                if result.to_reaccrue:
                    messages.warning(
                        request,
                        _(
                            "These months were already accrued and change under "
                            "the new rule once they are accrued again: %(months)s."
                        )
                        % {"months": months_text(result.to_reaccrue)},
                    )
                return redirect("dues:rules", pk=unit.pk)
        return self.respond(unit, form)

    def respond(self, unit: OrgUnit, form: forms.Form) -> HttpResponse:
        context = {
            "unit": unit,
            "in_force": dues_rule_in_force(unit, month_of(today())),
            "history": dues_rule_history(unit),
            "form": form,
            "can_manage": policy.has_perm(
                self.request.user, Perm.DUES_MANAGE, unit=unit
            ),
        }
        return render(self.request, "dues/rules.html", context)


class DistributionView(LoginRequiredMixin, View):
    """The union's or a region's regulation of how dues are shared between the
    levels; other units have none of their own (404)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = _regulating(access_unit(request.user, pk, Perm.DUES_VIEW))
        shares = distribution_in_force(unit, today()).shares
        initial = {
            "valid_from": today() + dt.timedelta(days=1),
            **{level: to_tenge(share) for level, share in shares.items()},
        }
        return self.respond(unit, DistributionForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = _regulating(access_unit(request.user, pk, Perm.DUES_MANAGE))
        form = DistributionForm(request.POST)
        if form.is_valid():
            try:
                rule = set_distribution(actor=request.user, unit=unit, **form.values())
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("The distribution from %(date)s is set.")
                    % {"date": rule.valid_from.isoformat()},
                )
                return redirect("dues:distribution", pk=unit.pk)
        return self.respond(unit, form)

    def respond(self, unit: OrgUnit, form: forms.Form) -> HttpResponse:
        context = {
            "unit": unit,
            "in_force": distribution_in_force(unit, today()),
            "history": distribution_history(unit),
            "form": form,
            "can_manage": policy.has_perm(
                self.request.user, Perm.DUES_MANAGE, unit=unit
            ),
        }
        return render(self.request, "dues/rules_distribution.html", context)


def _regulating(unit: OrgUnit) -> OrgUnit:
    if unit.level not in REGULATING_LEVELS:
        raise Http404
    return unit
