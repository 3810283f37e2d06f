"""The report page: an organization's figures beside those of the organizations
below it, its own entries, the steps of the workflow, and its trail.

Each step is its own POST: the report is fetched with the right the step needs
(404 without it, as for a report that does not exist), one service is called,
and a refusal shows the page again with why, and with what the user typed.
"""

from __future__ import annotations

import datetime as dt
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.core.refusals import add_refusal
from kasipodaq.registry.models import Category, Sex
from kasipodaq.registry.selectors import AgeBand

from ..entries import EntriesRefused
from ..figures import FROZEN, Violation
from ..forms import CommentForm, ConfirmForm, EntryForm
from ..layout import Layout, layout_of
from ..models import SETTLED, Indicator, Measure, Report, ReportStatus, Source
from ..selectors import (
    ReportTable,
    access_report,
    compute_report_table,
    list_child_reports,
    list_report_events,
    parent_report,
    report_values,
)
from ..services import reports as workflow
from .formatting import format_figure, input_text

# The member list's filters that select the people a registry figure counts.
MEMBER_FILTERS: dict[str, dict[str, str]] = {
    Measure.MEMBERS: {},
    Measure.WORKING: {"category": Category.WORKING},
    Measure.STUDENTS: {"category": Category.STUDENT},
    Measure.PENSIONERS: {"category": Category.PENSIONER},
    Measure.WOMEN: {"sex": Sex.FEMALE},
    Measure.YOUTH_29: {"age": AgeBand.UP_TO_29},
    Measure.YOUTH_35: {"age": AgeBand.UP_TO_35},
}
SAVE, SUBMIT, APPROVE, RETURN, MISSING, REOPEN, SETTLE = (
    "save",
    "submit",
    "approve",
    "return",
    "missing",
    "reopen",
    "settle",
)
COMMENTED = (RETURN, MISSING, REOPEN, SETTLE)
# The reports below that have not come: what settling marks as missing.
NOT_COME = (ReportStatus.DRAFT, ReportStatus.RETURNED)


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""
    title: str = ""
    numeric: bool = True


@dataclass
class Line:
    """One indicator across the table: the unit's figure, then each child's."""

    indicator: Indicator
    own: Cell
    children: list[Cell]
    entry: forms.BoundField | None = None
    breaks: bool = False  # the figure takes part in a broken rule


@dataclass
class Block:
    name: str
    lines: list[Line] = field(default_factory=list)


def _member_link(
    user: Any, unit: Any, indicator: Indicator, on: dt.date
) -> tuple[str, str]:
    """Where a registry figure's people are listed, and a note saying so.

    The member list on the figure's date shows the very people it counts, those
    the user may see. A date still ahead (the current year's report) cannot be
    listed yet: the link then leads to today's members and says so.
    """
    if indicator.measure == Measure.PRIMARY_ORGS:
        if policy.has_perm(user, Perm.ORG_VIEW, unit=unit):
            return reverse("orgs:detail", args=[unit.pk]), _(
                "The organization and those below it"
            )
        return "", ""
    filters = MEMBER_FILTERS.get(indicator.measure)
    if filters is None or not policy.has_perm(user, Perm.MEMBER_VIEW, unit=unit):
        return "", ""
    date = date_format(on)
    if on > today():
        query = urlencode({"org": unit.pk, **filters})
        title = _(
            "The member list as it stands today; the figure counts the members "
            "on %(date)s"
        ) % {"date": date}
    else:
        query = urlencode({"org": unit.pk, **filters, "on": on.isoformat()})
        title = _("The members behind this figure, on %(date)s") % {"date": date}
    return f"{reverse('members:list')}?{query}", title


def _lines(
    request: HttpRequest,
    report: Report,
    table: ReportTable,
    entry_form: EntryForm | None,
) -> list[Block]:
    user = request.user
    own = table.own
    broken = {code for v in table.violations for code in _rule_codes(table.layout, v)}
    blocks = []
    for section, indicators in table.layout.sections:
        block = Block(section.name)
        for indicator in indicators:
            kind = indicator.value_type
            href, title = "", ""
            if indicator.source == Source.REGISTRY:
                href, title = _member_link(
                    user, report.unit, indicator, report.campaign.as_of
                )
            children = [
                Cell(
                    format_figure(
                        table.figures[child.unit_id].get(indicator.code), kind
                    ),
                    href=reverse("reports:detail", args=[child.pk])
                    + f"#row-{indicator.code}",
                    title=child.unit.name,
                    numeric=indicator.is_number,
                )
                for child in table.children
            ]
            entry = (
                entry_form[indicator.code]
                if entry_form is not None and indicator.code in entry_form.fields
                else None
            )
            block.lines.append(
                Line(
                    indicator=indicator,
                    own=Cell(
                        format_figure(own.get(indicator.code), kind),
                        href=href,
                        title=title,
                        numeric=indicator.is_number,
                    ),
                    children=children,
                    entry=entry,
                    breaks=indicator.code in broken,
                )
            )
        blocks.append(block)
    return blocks


def _rule_codes(layout: Layout, violation: Violation) -> tuple[str, ...]:
    for parsed in layout.rules:
        if parsed.rule.code == violation.code:
            return (*parsed.left.codes, *parsed.right.codes)
    return ()


def report_page(
    request: HttpRequest,
    report: Report,
    *,
    bound: dict[str, forms.Form] | None = None,
    refused_rules: list[Violation] | None = None,
) -> HttpResponse:
    """The report page; `bound` holds the form of a step that was refused."""
    user = request.user
    unit = report.unit
    bound = bound or {}
    children = list_child_reports(report)
    table = compute_report_table(report, children)
    editable = report.is_editable
    can_fill = policy.has_perm(user, Perm.REPORT_FILL, unit=unit)
    decider = unit.parent is not None and policy.has_perm(
        user, Perm.REPORT_APPROVE, unit=unit.parent
    )
    entered = any(i.is_entered for i in table.layout.indicators)
    allowed = {
        SAVE: editable and can_fill and entered,
        SUBMIT: editable and can_fill,
        APPROVE: decider and report.status == ReportStatus.SUBMITTED,
        RETURN: decider and report.status in FROZEN,
        MISSING: decider and editable,
        REOPEN: not editable and policy.has_perm(user, Perm.REPORT_MANAGE, unit=unit),
        SETTLE: editable
        and any(child.status in NOT_COME for child in children)
        and policy.has_perm(user, Perm.REPORT_APPROVE, unit=unit),
    }
    entry_form: EntryForm | None = None
    if allowed[SAVE]:
        found = bound.get(SAVE)
        if isinstance(found, EntryForm):
            entry_form = found
        else:
            own = report_values(report)
            entry_form = EntryForm(
                layout=table.layout,
                initial={
                    i.code: input_text(own.get(i.code), i.value_type)
                    for i in table.layout.indicators
                    if i.is_entered
                },
            )
    # A refused step's form is shown again, with what was typed, even when the
    # step is no longer offered; its refusal is said at the top of the page.
    comment_forms = {
        action: bound.get(action) or CommentForm(auto_id=f"id_{action}_%s")
        for action in COMMENTED
        if allowed[action] or action in bound
    }
    refusals = [str(e) for form in bound.values() for e in form.non_field_errors()]
    context = {
        "report": report,
        "campaign": report.campaign,
        "unit": unit,
        "parent_report": parent_report(user, report),
        "children": children,
        "waiting": [c for c in children if c.status not in SETTLED],
        "blocks": _lines(request, report, table, entry_form),
        "violations": table.violations,
        "refused_rules": refused_rules or [],
        "entry_form": entry_form,
        "columns": 2 + len(children) + (entry_form is not None),
        "comment_forms": comment_forms,
        "refusals": refusals,
        "allowed": allowed,
        "any_step": any(allowed[a] for a in (SUBMIT, *COMMENTED, APPROVE)),
        "events": list_report_events(report),
        "can_view_org": policy.has_perm(user, Perm.ORG_VIEW, unit=unit),
    }
    return render(request, "reports/detail.html", context)


class ReportDetailView(LoginRequiredMixin, View):
    """A report, for whoever may see its organization's reports."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return report_page(request, access_report(request.user, pk))


class _ReportStepView(LoginRequiredMixin, View, metaclass=ABCMeta):
    """One step of a report's life: POST calls its service; GET shows the report."""

    perm: Perm
    action: str

    def make_form(self, report: Report, data: Any) -> forms.Form:
        return ConfirmForm(data)

    @abstractmethod
    def perform(self, report: Report, form: Any) -> str:
        """Call the service; what the user is told once it is done."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = access_report(request.user, pk, self.perm)
        return redirect("reports:detail", pk=report.pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = access_report(request.user, pk, self.perm)
        form = self.make_form(report, request.POST)
        refused_rules: list[Violation] = []
        if form.is_valid():
            try:
                done = self.perform(report, form)
            except PermissionRefused:
                raise Http404 from None
            except workflow.RulesBroken as exc:
                refused_rules = exc.violations
                form.add_error(None, _("The figures break the form's rules."))
            except EntriesRefused as exc:
                form.add_error(None, str(exc.message))
                for code, message in exc.errors.items():
                    form.add_error(code if code in form.fields else None, message)
            except DomainError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, done)
                return redirect("reports:detail", pk=report.pk)
        return report_page(
            request, report, bound={self.action: form}, refused_rules=refused_rules
        )


class ReportSaveView(_ReportStepView):
    """The organization's own figures, as typed; a blank clears one."""

    perm = Perm.REPORT_FILL
    action = SAVE

    def make_form(self, report: Report, data: Any) -> forms.Form:
        return EntryForm(data, layout=layout_of(report.campaign.version))

    def perform(self, report: Report, form: Any) -> str:
        workflow.save_entries(actor=self.request.user, report=report, raw=form.raw())
        return _("The figures were saved.")


class ReportSubmitView(_ReportStepView):
    perm = Perm.REPORT_FILL
    action = SUBMIT

    def perform(self, report: Report, form: Any) -> str:
        done = workflow.submit_report(actor=self.request.user, report=report)
        if done.status == ReportStatus.APPROVED:
            return _("The report was submitted and approved.")
        return _("The report was submitted.")


class ReportApproveView(_ReportStepView):
    perm = Perm.REPORT_APPROVE
    action = APPROVE

    def perform(self, report: Report, form: Any) -> str:
        workflow.approve_report(actor=self.request.user, report=report)
        return _("The report was approved.")


class _CommentedStepView(_ReportStepView):
    def make_form(self, report: Report, data: Any) -> forms.Form:
        return CommentForm(data, auto_id=f"id_{self.action}_%s")


class ReportReturnView(_CommentedStepView):
    perm = Perm.REPORT_APPROVE
    action = RETURN

    def perform(self, report: Report, form: Any) -> str:
        workflow.return_report(
            actor=self.request.user,
            report=report,
            comment=form.cleaned_data["comment"],
        )
        return _("The report was returned for correction.")


class ReportSettleView(_CommentedStepView):
    """Every report below that has not come is marked missing, with one comment."""

    perm = Perm.REPORT_APPROVE
    action = SETTLE

    def perform(self, report: Report, form: Any) -> str:
        count = workflow.mark_missing_below(
            actor=self.request.user,
            report=report,
            comment=form.cleaned_data["comment"],
        )
        return ngettext(
            "%(count)s report below was marked as missing.",
            "%(count)s reports below were marked as missing.",
            count,
        ) % {"count": count}


class ReportMissingView(_CommentedStepView):
    perm = Perm.REPORT_APPROVE
    action = MISSING

    def perform(self, report: Report, form: Any) -> str:
        workflow.mark_missing(
            actor=self.request.user,
            report=report,
            comment=form.cleaned_data["comment"],
        )
        return _("The report was marked as missing.")


class ReportReopenView(_CommentedStepView):
    perm = Perm.REPORT_MANAGE
    action = REOPEN

    def perform(self, report: Report, form: Any) -> str:
        reopened = workflow.reopen_report(
            actor=self.request.user,
            report=report,
            comment=form.cleaned_data["comment"],
        )
        above = len(reopened) - 1
        if not above:
            return _("The report was reopened.")
        return ngettext(
            "The report was reopened, and %(count)s report above it that included it.",
            "The report was reopened, and %(count)s reports above it that included it.",
            above,
        ) % {"count": above}
