"""Pages of the reporting campaigns: the list (where the centre opens one) and a
campaign's completeness, level by level, with the organizations that are late."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.orgtree.models import Level

from ..forms import OpenCampaignForm
from ..models import ReportStatus
from ..selectors import (
    LATE,
    access_campaign,
    can_manage_campaigns,
    compute_completeness,
    is_late,
    list_campaign_reports,
    list_campaigns,
    list_home_reports,
    list_report_forms,
)
from ..services.campaigns import REPORTING_LEVELS, open_campaign

PAGE_SIZE = 50
DEFAULT_DAYS_TO_DEADLINE = 30


class CampaignListView(LoginRequiredMixin, View):
    """The campaigns, by year and form, each with the user's own report; the centre
    opens a new one here."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = None
        if can_manage_campaigns(request.user):
            now = today()
            form = OpenCampaignForm(
                report_forms=list_report_forms(),
                initial={
                    "year": now.year - 1,
                    "deadline": now + dt.timedelta(days=DEFAULT_DAYS_TO_DEADLINE),
                },
            )
        return self.respond(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not can_manage_campaigns(request.user):
            raise Http404
        form = OpenCampaignForm(request.POST, report_forms=list_report_forms())
        if form.is_valid():
            try:
                campaign = open_campaign(
                    actor=request.user,
                    form=form.cleaned_data["form"],
                    year=form.cleaned_data["year"],
                    deadline=form.cleaned_data["deadline"],
                )
            except PermissionRefused:
                raise Http404 from None
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("The %(year)s campaign of «%(form)s» is open.")
                    % {"year": campaign.year, "form": campaign.form.name},
                )
                return redirect("reports:campaign", pk=campaign.pk)
        return self.respond(form)

    def respond(self, form: OpenCampaignForm | None) -> HttpResponse:
        campaigns = list_campaigns(self.request.user)
        home = list_home_reports(self.request.user, campaigns)
        years: dict[int, list[Any]] = {}
        for campaign in campaigns:
            years.setdefault(campaign.year, []).append(
                (campaign, home.get(campaign.pk, []))
            )
        context = {
            "years": list(years.items()),
            "open_form": form,
            "today": today(),
        }
        return render(self.request, "reports/campaigns.html", context)


class CampaignDetailView(LoginRequiredMixin, View):
    """A campaign: the user's own report, how far each level of their subtree has
    got, and the organizations late (or in a status asked for), 50 to a page."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        campaign = access_campaign(user, pk)
        now = today()
        status = request.GET.get("status", LATE)
        if status not in (LATE, *ReportStatus.values):
            status = LATE
        level = request.GET.get("level", "")
        if level not in REPORTING_LEVELS:
            level = ""
        reports = list_campaign_reports(
            user, campaign, status=status, level=level, on=now
        )
        page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "campaign": campaign,
            "home_reports": list_home_reports(user, [campaign]).get(campaign.pk, []),
            "levels": compute_completeness(user, campaign, on=now),
            "statuses": ReportStatus.choices,
            "late_now": is_late(campaign, on=now),
            "status": status,
            "status_label": dict(ReportStatus.choices).get(status, ""),
            "level": level,
            "level_label": dict(Level.choices).get(level, ""),
            "page": page,
            "rows": [
                (
                    report,
                    report.unit.parent is not None
                    and policy.has_perm(
                        user, Perm.REPORT_VIEW, unit=report.unit.parent
                    ),
                )
                for report in page
            ],
            "query": query.urlencode(),
        }
        return render(request, "reports/campaign.html", context)
