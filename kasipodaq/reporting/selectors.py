"""Reads of statistical reporting for a user: always through the scoping function.

Reports are reached through `scope` (their organization's path); a campaign is the
whole union's, so anyone with a right on reports sees it, and the figures it
shows are narrowed to the user's subtrees. Every function answers in a number of
queries that does not grow with the number of reports or organizations, except
`compute_dynamics`, whose work grows with the years asked for (at most 15).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.access.scoping import scope
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgUnit, UnitStatus

from .errors import ReportRefusal
from .figures import Figures, Violation, apply_formulas, check_rules, compute_figures
from .layout import Layout, layout_of
from .models import (
    EDITABLE,
    Campaign,
    FormVersion,
    Report,
    ReportEvent,
    ReportForm,
    ReportStatus,
    ReportValue,
    Source,
)
from .registry_figures import compute_registry_figures
from .services.campaigns import FIRST_YEAR, REPORTING_LEVELS
from .services.forms import latest_published

# Any one of these rights lets a user see the campaigns.
REPORT_RIGHTS = (
    Perm.REPORT_VIEW,
    Perm.REPORT_FILL,
    Perm.REPORT_APPROVE,
    Perm.REPORT_MANAGE,
)
# The longest run of years the dynamics page computes at once.
MAX_DYNAMICS_YEARS = 15
# What the list of a campaign's reports shows when no status is asked for.
LATE = "late"


def has_report_rights(user: Any) -> bool:
    return any(policy.subtree_roots(user, perm) for perm in REPORT_RIGHTS)


# --- reports and campaigns -------------------------------------------------------


def access_report(user: Any, pk: Any, perm: Perm = Perm.REPORT_VIEW) -> Report:
    """The report if the user holds `perm` on its organization; else 404, the same
    answer as for a report that does not exist."""
    try:
        return (
            scope(Report.objects.all(), user, perm)
            .select_related("campaign__version__form", "campaign__form", "unit__parent")
            .get(pk=pk)
        )
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_campaign(user: Any, pk: Any) -> Campaign:
    """A campaign, for a user with any right on reports; else 404."""
    if not has_report_rights(user):
        raise Http404
    try:
        return Campaign.objects.select_related("form", "version").get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_campaigns(user: Any) -> list[Campaign]:
    """Every campaign, newest year first, for a user with any right on reports."""
    if not has_report_rights(user):
        return []
    return list(
        Campaign.objects.select_related("form", "version").order_by(
            "-year", "form__position", "form__code"
        )
    )


def list_report_forms() -> QuerySet[ReportForm]:
    return ReportForm.objects.order_by("position", "code")


def can_manage_campaigns(user: Any) -> bool:
    """Whether the user holds the centre's right at the root of the union."""
    root = OrgUnit.objects.filter(parent__isnull=True, status=UnitStatus.ACTIVE).first()
    return root is not None and policy.has_perm(user, Perm.REPORT_MANAGE, unit=root)


def list_home_reports(
    user: Any, campaigns: Iterable[Campaign]
) -> dict[int, list[Report]]:
    """The reports of the organizations where the user's grants start, by campaign
    id: the report each of them files."""
    ids = [c.pk for c in campaigns]
    homes = policy.home_unit_ids(user)
    if not ids or not homes:
        return {}
    found: dict[int, list[Report]] = defaultdict(list)
    reports = (
        scope(Report.objects.all(), user, Perm.REPORT_VIEW)
        .filter(campaign_id__in=ids, unit_id__in=homes)
        .select_related("unit")
        .order_by("unit__path")
    )
    for report in reports:
        found[report.campaign_id].append(report)
    return found


# --- completeness ----------------------------------------------------------------


@dataclass
class LevelProgress:
    """How far the reports of one level of the tree have got."""

    level: str
    label: str
    by_status: dict[str, int]
    late: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def settled(self) -> int:
        return (
            self.by_status[ReportStatus.APPROVED] + self.by_status[ReportStatus.MISSING]
        )

    def cells(self) -> list[tuple[str, int]]:
        """(status, count) in the order of the statuses."""
        return [(status, self.by_status[status]) for status in ReportStatus.values]


def is_late(campaign: Campaign, *, on: dt.date) -> bool:
    """Whether the campaign's deadline has passed on `on`."""
    return on > campaign.deadline


def _in_scope(user: Any, campaign: Campaign) -> QuerySet[Report]:
    """The campaign's reports of open organizations in the user's subtrees."""
    return scope(
        Report.objects.filter(
            campaign=campaign,
            unit__status=UnitStatus.ACTIVE,
            unit__level__in=REPORTING_LEVELS,
        ),
        user,
        Perm.REPORT_VIEW,
    )


def compute_completeness(
    user: Any, campaign: Campaign, *, on: dt.date | None = None
) -> list[LevelProgress]:
    """For each level of the tree within the user's scope: the number of reports in
    each status, and how many are late (the deadline passed and the report is
    neither submitted, approved nor marked missing). One grouped query."""
    on = on or today()
    rows = (
        _in_scope(user, campaign)
        .values("unit__level", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(ReportStatus.values, 0)
    )
    for row in rows:
        counts[row["unit__level"]][row["status"]] = row["n"]
    late_now = is_late(campaign, on=on)
    labels = dict(OrgUnit._meta.get_field("level").flatchoices)
    progress = []
    for level in REPORTING_LEVELS:
        if level not in counts:
            continue
        by_status = counts[level]
        late = sum(by_status[s] for s in EDITABLE) if late_now else 0
        progress.append(LevelProgress(level, str(labels[level]), by_status, late))
    return progress


def list_campaign_reports(
    user: Any,
    campaign: Campaign,
    *,
    status: str = LATE,
    level: str = "",
    on: dt.date | None = None,
) -> QuerySet[Report]:
    """The campaign's reports in scope in a status (by default the late ones: none
    before the deadline), of one level if given, in the order of the tree."""
    reports = _in_scope(user, campaign)
    if status == LATE:
        if not is_late(campaign, on=on or today()):
            return reports.none()
        reports = reports.filter(status__in=EDITABLE)
    elif status in ReportStatus.values:
        reports = reports.filter(status=status)
    if level in REPORTING_LEVELS:
        reports = reports.filter(unit__level=level)
    return reports.select_related("unit__parent").order_by("unit__path")


# --- one report ------------------------------------------------------------------


def list_child_reports(report: Report) -> list[Report]:
    """The reports of the open organizations directly below the report's, by name.

    Pass a report obtained through `access_report`: what lies below it is in the
    same user's scope.
    """
    return list(
        Report.objects.filter(
            campaign_id=report.campaign_id,
            unit__parent_id=report.unit_id,
            unit__status=UnitStatus.ACTIVE,
            unit__level__in=REPORTING_LEVELS,
        )
        .select_related("unit")
        .order_by("unit__name_ru", "unit_id")
    )


def parent_report(user: Any, report: Report) -> Report | None:
    """The report of the organization above, if the user may see it."""
    parent = report.unit.parent
    if parent is None or not policy.has_perm(user, Perm.REPORT_VIEW, unit=parent):
        return None
    return (
        Report.objects.filter(campaign_id=report.campaign_id, unit=parent)
        .select_related("unit")
        .first()
    )


def list_report_events(report: Report) -> list[ReportEvent]:
    """The report's trail, newest first."""
    return list(ReportEvent.objects.filter(report=report).select_related("actor"))


def report_values(report: Report) -> Figures:
    """The figures stored in the report itself (its organization's own entries,
    and the registry's frozen at submission), by indicator code."""
    rows = ReportValue.objects.filter(report=report).values_list(
        "indicator__code", "number", "text"
    )
    return {
        code: text if number is None and text else number for code, number, text in rows
    }


@dataclass
class ReportTable:
    """A report's figures beside those of the organizations directly below it."""

    layout: Layout
    unit_id: int
    children: list[Report]
    # Figures by unit id: the report's unit and each child's.
    figures: dict[int, Figures]
    violations: list[Violation]

    @property
    def own(self) -> Figures:
        return self.figures[self.unit_id]


def compute_report_table(report: Report, children: list[Report]) -> ReportTable:
    """The figures of the report's unit and its children in one computation, and
    the form's rules the unit's figures break."""
    layout = layout_of(report.campaign.version)
    units = [report.unit, *(child.unit for child in children)]
    figures = compute_figures(
        report.campaign, layout, units, whole_tree=report.unit.parent_id is None
    )
    return ReportTable(
        layout=layout,
        unit_id=report.unit_id,
        children=children,
        figures=figures,
        violations=check_rules(figures[report.unit_id], layout),
    )


def list_unit_reports(
    user: Any, unit: OrgUnit, campaigns: Iterable[Campaign]
) -> dict[int, Report]:
    """The unit's reports in these campaigns that the user may see, by year."""
    return {
        report.campaign.year: report
        for report in scope(Report.objects.all(), user, Perm.REPORT_VIEW)
        .filter(unit=unit, campaign__in=list(campaigns))
        .select_related("campaign")
    }


def list_child_units(user: Any, unit: OrgUnit) -> list[OrgUnit]:
    """The open reporting organizations directly below `unit`, within scope."""
    return list(
        scope(OrgUnit.objects.all(), user, Perm.REPORT_VIEW)
        .filter(parent=unit, status=UnitStatus.ACTIVE, level__in=REPORTING_LEVELS)
        .order_by("name_ru", "pk")
    )


# --- dynamics --------------------------------------------------------------------


@dataclass
class YearFigures:
    year: int
    as_of: dt.date
    open: bool  # whether the organization existed on that date
    campaign: Campaign | None
    figures: Figures = field(default_factory=dict)


@dataclass
class Dynamics:
    """A form's figures of one organization across years: rows of the latest
    published layout, a column per year."""

    form: ReportForm
    layout: Layout
    unit: OrgUnit
    years: list[YearFigures]

    def series(self, code: str) -> list[tuple[int, Any]]:
        return [(y.year, y.figures.get(code)) for y in self.years]


def check_years(first: int, last: int) -> None:
    """Refuse a run of years that is reversed, too long, or outside the reports'."""
    latest = today().year
    if not FIRST_YEAR <= first <= latest:
        raise ReportRefusal(
            _("Years from %(first)s to %(last)s can be shown.")
            % {"first": FIRST_YEAR, "last": latest},
            field="from",
        )
    if not FIRST_YEAR <= last <= latest:
        raise ReportRefusal(
            _("Years from %(first)s to %(last)s can be shown.")
            % {"first": FIRST_YEAR, "last": latest},
            field="to",
        )
    if first > last:
        raise ReportRefusal(_("The first year comes after the last one."), field="from")
    if last - first + 1 > MAX_DYNAMICS_YEARS:
        raise ReportRefusal(
            _("At most %(count)s years can be shown at once.")
            % {"count": MAX_DYNAMICS_YEARS},
            field="to",
        )


def compute_dynamics(
    *, form: ReportForm, unit: OrgUnit, first: int, last: int
) -> Dynamics:
    """The unit's figures for each year from `first` to `last`.

    Pass a unit obtained for the user through the scoped selectors. Each year's
    figures describe 1 January of the next year: the registry's are computed for
    that date whether or not the year had a campaign; the entered ones come from
    the year's campaign, rolled up the tree, when there was one.
    """
    check_years(first, last)
    version = latest_published(form)
    if version is None:
        raise ReportRefusal(_("The form has no published version."), field="form")
    layout = layout_of(version)
    campaigns = {
        c.year: c
        for c in Campaign.objects.filter(
            form=form, year__gte=first, year__lte=last
        ).select_related("version")
    }
    registry = layout.of_source(Source.REGISTRY)
    years = []
    for year in range(first, last + 1):
        campaign = campaigns.get(year)
        as_of = dt.date(year + 1, 1, 1)
        column = YearFigures(year, as_of, unit.is_open_on(as_of), campaign)
        if not column.open:
            years.append(column)
            continue
        if campaign is not None:
            column.figures = compute_figures(
                campaign, _layout_of(campaign.version, version, layout), [unit]
            )[unit.pk]
        else:
            counted = (
                compute_registry_figures(on=as_of, roots=[unit.pk]).of(unit.pk)
                if registry
                else {}
            )
            column.figures = {i.code: Decimal(counted[i.measure]) for i in registry}
            apply_formulas(column.figures, layout)
        years.append(column)
    return Dynamics(form=form, layout=layout, unit=unit, years=years)


def _layout_of(version: FormVersion, latest: FormVersion, layout: Layout) -> Layout:
    return layout if version.pk == latest.pk else layout_of(version)
