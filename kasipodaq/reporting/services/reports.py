"""The life of a report: draft → submitted (locked) → approved by the parent, or
returned with a comment; marked missing by the parent; reopened by the centre.

Each step is one function in one transaction: it checks the actor's right, locks
the report row, checks the step is allowed from the report's status, writes, and
records the step in the report's trail. A locked report cannot be changed by any
page, upload or API call, because they all come here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record
from kasipodaq.orgtree.models import UnitStatus
from kasipodaq.orgtree.paths import ancestor_ids

from ..entries import parse_entries
from ..errors import ReportRefusal
from ..figures import FROZEN, Violation, check_rules, compute_figures
from ..layout import Layout, layout_of
from ..models import (
    SETTLED,
    Aggregation,
    Report,
    ReportAction,
    ReportEvent,
    ReportStatus,
    ReportValue,
    Source,
)
from ..tasks import send_returned_notice
from .campaigns import REPORTING_LEVELS, create_reports


class RulesBroken(ReportRefusal):
    """Submitting was refused: the report's figures break the form's rules."""

    code = "rules_broken"

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(" ".join(v.message for v in violations))
        self.violations = violations


def _locked(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("campaign__version__form", "unit")
        .get(pk=report.pk)
    )


def _record(
    report: Report, action: ReportAction, actor: Any, comment: str = ""
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment,
    )


def _require_editable(report: Report) -> None:
    if not report.is_editable:
        raise ReportRefusal(
            _("The report is %(status)s and cannot be changed.")
            % {"status": report.get_status_display().lower()},
            code="locked",
        )


def _require_comment(comment: str) -> str:
    comment = comment.strip()
    if not comment:
        raise ReportRefusal(_("Say why in a comment."), field="comment")
    return comment


def _require_parent_open(report: Report) -> None:
    """A decision on a report stands while the parent's report is still open."""
    parent = _parent_report(report)
    if parent is not None and not parent.is_editable:
        raise ReportRefusal(
            _(
                "The report of %(unit)s, which includes this one, is already "
                "submitted: it must be returned first."
            )
            % {"unit": parent.unit.name},
            code="parent_locked",
        )


def _parent_report(report: Report) -> Report | None:
    if report.unit.parent_id is None:
        return None
    # Locked, so that the parent cannot be submitted while a decision below it
    # is being taken (lock order: the child, then its parent, as submit never
    # locks the reports below it).
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(campaign=report.campaign, unit_id=report.unit.parent_id)
        .first()
    )


def _require_decider(actor: Any, report: Report) -> None:
    """Decisions on a report are the parent organization's."""
    parent = report.unit.parent
    if parent is None or not policy.has_perm(actor, Perm.REPORT_APPROVE, unit=parent):
        raise ReportRefusal(
            _("Only the organization above this one decides on its report."),
            code="forbidden",
        )


@transaction.atomic
def save_entries(
    *,
    actor: Any,
    report: Report,
    raw: Mapping[str, object],
    action: ReportAction = ReportAction.SAVED,
) -> Report:
    """Store the figures the organization entered; a blank clears one."""
    policy.require(actor, Perm.REPORT_FILL, unit=report.unit)
    report = _locked(report)
    _require_editable(report)
    layout = layout_of(report.campaign.version)
    values = parse_entries(layout, raw)
    write_values(report, layout, values)
    _record(report, action, actor)
    report.save(update_fields=["updated_at"])
    return report


def write_values(report: Report, layout: Layout, values: Mapping[str, Any]) -> None:
    """Replace the given indicators' values: one delete and one insert."""
    indicators = [layout.by_code[code] for code in values]
    ReportValue.objects.filter(report=report, indicator__in=indicators).delete()
    ReportValue.objects.bulk_create(
        ReportValue(
            report=report,
            indicator=indicator,
            number=value if isinstance(value, Decimal) else None,
            text=value if isinstance(value, str) else "",
        )
        for indicator in indicators
        if (value := values[indicator.code]) is not None
    )


def unsettled_children(report: Report) -> list[Report]:
    """Reports directly below this one that are neither approved nor missing."""
    return list(
        Report.objects.filter(
            campaign=report.campaign,
            unit__parent=report.unit,
            unit__status=UnitStatus.ACTIVE,
            unit__level__in=REPORTING_LEVELS,
        )
        .exclude(status__in=SETTLED)
        .select_related("unit")
        .order_by("unit__name_ru")
    )


def figures_of(report: Report) -> dict[str, Any]:
    layout = layout_of(report.campaign.version)
    return compute_figures(report.campaign, layout, [report.unit])[report.unit.pk]


def submit_report(*, actor: Any, report: Report) -> Report:
    """Lock the report and send it up, once its children are settled and its
    figures keep the form's rules. The registry's and the summed entered figures
    are frozen with it.

    Organizations loaded since the campaign began (an import opens them without
    asking) get their reports first, in a step of its own, so that a refusal
    naming them does not take their reports away again.
    """
    create_reports(report.campaign)
    return _submit(actor=actor, report=report)


@transaction.atomic
def _submit(*, actor: Any, report: Report) -> Report:
    policy.require(actor, Perm.REPORT_FILL, unit=report.unit)
    report = _locked(report)
    _require_editable(report)
    waiting = unsettled_children(report)
    if waiting:
        names = ", ".join(child.unit.name for child in waiting[:5])
        raise ReportRefusal(
            ngettext(
                "%(count)s report below is neither approved nor marked missing: "
                "%(names)s.",
                "%(count)s reports below are neither approved nor marked missing: "
                "%(names)s.",
                len(waiting),
            )
            % {"count": len(waiting), "names": names},
            code="children_unsettled",
        )
    layout = layout_of(report.campaign.version)
    figures = figures_of(report)
    violations = check_rules(figures, layout)
    if violations:
        raise RulesBroken(violations)
    write_values(
        report,
        layout,
        {i.code: figures.get(i.code) for i in layout.of_source(Source.REGISTRY)},
    )
    freeze_totals(report, layout, figures)
    root = report.unit.parent_id is None
    report.status = ReportStatus.APPROVED if root else ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.comment = ""
    report.save(update_fields=["status", "submitted_at", "comment", "updated_at"])
    _record(report, ReportAction.SUBMITTED, actor)
    return report


@transaction.atomic
def approve_report(*, actor: Any, report: Report) -> Report:
    report = _locked(report)
    _require_decider(actor, report)
    if report.status != ReportStatus.SUBMITTED:
        raise ReportRefusal(_("Only a submitted report can be approved."))

    _require_parent_open(report)
    report.status = ReportStatus.APPROVED
    report.save(update_fields=["status", "updated_at"])
    _record(report, ReportAction.APPROVED, actor)
    return report


@transaction.atomic
def return_report(*, actor: Any, report: Report, comment: str) -> Report:
    """Send a submitted or approved report back for correction, saying why."""
    report = _locked(report)
    _require_decider(actor, report)
    comment = _require_comment(comment)
    if report.status not in FROZEN:
        raise ReportRefusal(_("Only a submitted or approved report can be returned."))
    _require_parent_open(report)
    _unlock(report, ReportStatus.RETURNED, comment)
    _record(report, ReportAction.RETURNED, actor, comment)
    # A message that cannot go (mail server down) is logged; the return stands.
    transaction.on_commit(lambda: send_returned_notice.delay(report.pk), robust=True)
    return report


@transaction.atomic
def mark_missing(*, actor: Any, report: Report, comment: str) -> Report:
    """Settle a report that will not come, so that the parent can go on."""
    report = _locked(report)
    _require_decider(actor, report)
    comment = _require_comment(comment)
    _require_editable(report)
    _require_parent_open(report)
    report.status = ReportStatus.MISSING
    report.comment = comment
    report.save(update_fields=["status", "comment", "updated_at"])
    _record(report, ReportAction.MARKED_MISSING, actor, comment)
    return report


def mark_missing_below(*, actor: Any, report: Report, comment: str) -> int:
    """Settle every report directly below this one that has not come (draft or
    returned) as missing, with one comment: what a district does at the deadline.
    Submitted reports still wait for a decision. The number marked."""
    create_reports(report.campaign)
    return _mark_missing_below(actor=actor, report=report, comment=comment)


@transaction.atomic
def _mark_missing_below(*, actor: Any, report: Report, comment: str) -> int:
    report = _locked(report)
    policy.require(actor, Perm.REPORT_APPROVE, unit=report.unit)
    comment = _require_comment(comment)
    _require_editable(report)
    waiting = [
        child
        for child in unsettled_children(report)
        if child.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
    ]
    marked = Report.objects.select_for_update().filter(
        pk__in=[child.pk for child in waiting],
        status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED],
    )
    ids = list(marked.values_list("pk", flat=True))
    Report.objects.filter(pk__in=ids).update(
        status=ReportStatus.MISSING, comment=comment, updated_at=timezone.now()
    )
    ReportEvent.objects.bulk_create(
        ReportEvent(
            report_id=pk,
            action=ReportAction.MARKED_MISSING,
            actor=actor if getattr(actor, "pk", None) else None,
            comment=comment,
        )
        for pk in ids
    )
    return len(ids)


@transaction.atomic
def reopen_report(*, actor: Any, report: Report, comment: str) -> list[Report]:
    """The centre opens a settled report again, and every report above it that
    already includes it; each gets an entry in its trail and in the audit trail."""
    report = _locked(report)
    policy.require(actor, Perm.REPORT_MANAGE, unit=report.unit)
    comment = _require_comment(comment)
    if report.is_editable:
        raise ReportRefusal(_("The report is open already."))
    reopened = []
    ancestors = _locked_ancestors(report)
    for item in [report, *ancestors]:
        _unlock(item, ReportStatus.DRAFT, comment)
        _record(item, ReportAction.REOPENED, actor, comment)
        record(
            actor=actor,
            action=AuditAction.REPORT_REOPENED,
            target=item,
            after={"status": ReportStatus.DRAFT},
            note=comment[:300],
        )
        reopened.append(item)
    return reopened


def _locked_ancestors(report: Report) -> list[Report]:
    """The reports above this one that are settled or submitted, nearest first."""
    above = ancestor_ids(report.unit.path)[:-1]
    rows = {
        r.unit_id: r
        for r in Report.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(campaign=report.campaign, unit_id__in=above)
        .exclude(status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED])
    }
    return [rows[unit_id] for unit_id in reversed(above) if unit_id in rows]


def freeze_totals(report: Report, layout: Layout, figures: dict[str, Any]) -> None:
    """Keep the summed entered figures as they stand, with the reports below."""
    summed = [
        i
        for i in layout.of_source(Source.ENTERED)
        if i.aggregation == Aggregation.SUM and i.is_number
    ]
    own = {
        value.indicator_id: value
        for value in ReportValue.objects.filter(report=report, indicator__in=summed)
    }
    for indicator in summed:
        total = figures.get(indicator.code)
        value = own.get(indicator.pk)
        if value is not None:
            value.total = total
            value.save(update_fields=["total"])
        elif total is not None:
            ReportValue.objects.create(report=report, indicator=indicator, total=total)


def _unlock(report: Report, status: ReportStatus, comment: str) -> None:
    """Back to the organization: the frozen figures are let go."""
    layout = layout_of(report.campaign.version)
    ReportValue.objects.filter(
        report=report, indicator__in=layout.of_source(Source.REGISTRY)
    ).delete()
    ReportValue.objects.filter(report=report).update(total=None)
    ReportValue.objects.filter(report=report, number=None, text="").delete()
    report.status = status
    report.comment = comment
    report.submitted_at = None
    report.save(update_fields=["status", "comment", "submitted_at", "updated_at"])
