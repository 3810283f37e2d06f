"""A report as the union prints it, whatever the file: the form's name, the
organization, the year and the date it describes; the sections as header rows and
one row per indicator with its code and value; optionally the organizations right
below it as further columns (the consolidated view, as in the union's tables).

Everything is put in words when the report is built, in the language asked for
(Russian or Kazakh), not in the language of the page that asks: a district in a
Kazakh-speaking region files in Kazakh whatever its staff read on screen. The XLSX,
PDF and JSON writers only lay these rows out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgUnit, UnitStatus

from ..errors import ReportRefusal
from ..figures import Figures, apply_formulas, compute_figures
from ..formulas import Figure
from ..layout import Layout, layout_of
from ..models import Campaign, Report, ReportForm, ReportStatus, Source, ValueType
from ..registry_figures import compute_registry_figures
from ..services.campaigns import FIRST_YEAR, REPORTING_LEVELS
from ..services.forms import latest_published

# The languages the union's forms are printed in.
FILE_LANGUAGES = {"ru": gettext_lazy("Russian"), "kk": gettext_lazy("Kazakh")}
DEFAULT_LANGUAGE = "ru"
# Decimal places shown for each type of figure.
SHOWN_PLACES: dict[str, int] = {
    ValueType.COUNT: 0,
    ValueType.AMOUNT: 2,
    ValueType.PERCENT: 1,
}
NO_BREAK_SPACE = "\u00a0"


@dataclass(frozen=True)
class Organization:
    code: str
    name: str


@dataclass(frozen=True)
class PrintedRow:
    """A section's header row (no values) or an indicator's row."""

    code: str
    name: str
    is_section: bool
    value_type: str = ""
    source: str = ""
    # One value per column of the report: the organization's, then each child's.
    values: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class PrintedReport:
    language: str
    form_code: str
    form_name: str
    version: int
    year: int
    as_of: dt.date
    organization: Organization
    # The organization's report's status (code and words); empty for a year
    # without a campaign.
    status: str
    status_label: str
    children: tuple[Organization, ...]
    rows: tuple[PrintedRow, ...]
    # The title lines and column titles, in the report's language.
    heading: tuple[str, ...]
    column_titles: tuple[str, ...]

    @property
    def indicator_rows(self) -> list[PrintedRow]:
        return [row for row in self.rows if not row.is_section]

    @property
    def value_columns(self) -> int:
        return 1 + len(self.children)


def file_language(asked: str | None, *, fallback: str | None = None) -> str:
    """The language a file is printed in: the one asked for, else the fallback (the
    page's language) when it is one of the forms' languages, else Russian."""
    for candidate in (asked, fallback):
        if candidate and candidate[:2] in FILE_LANGUAGES:
            return candidate[:2]
    return DEFAULT_LANGUAGE


def printed_report_of(
    report: Report, *, language: str, children: bool = False
) -> PrintedReport:
    """One organization's report of a campaign, as printed."""
    return build_printed_report(
        campaign=report.campaign,
        unit=report.unit,
        language=language,
        children=children,
        status=report.status,
    )


def build_printed_report(
    *,
    campaign: Campaign,
    unit: OrgUnit,
    language: str,
    children: bool = False,
    status: str = "",
) -> PrintedReport:
    """The figures of `unit` in `campaign`, rolled up from below, as printed.

    `campaign` may be one that was never opened (not saved) for a form whose figures
    all come from the registry: its figures are then the registry's as of 1 January
    after the year, with nothing frozen and nothing entered.
    """
    if language not in FILE_LANGUAGES:
        raise ValueError(f"Reports are printed in Russian or Kazakh, not {language!r}.")
    layout = layout_of(campaign.version)
    below = _children(campaign, unit) if children else []
    figures = _figures(campaign, layout, [unit, *below])
    with translation.override(language):
        below.sort(key=lambda child: child.name.casefold())
        units = [unit, *below]
        organization = Organization(unit.code, unit.name)
        kids = tuple(Organization(child.code, child.name) for child in below)
        rows: list[PrintedRow] = []
        for section, indicators in layout.sections:
            rows.append(
                PrintedRow(code=section.code, name=section.name, is_section=True)
            )
            rows.extend(
                PrintedRow(
                    code=indicator.code,
                    name=indicator.name,
                    is_section=False,
                    value_type=indicator.value_type,
                    source=indicator.source,
                    values=tuple(figures[u.pk].get(indicator.code) for u in units),
                )
                for indicator in indicators
            )
        status_label = str(ReportStatus(status).label) if status else ""
        return PrintedReport(
            language=language,
            form_code=campaign.form.code,
            form_name=campaign.form.name,
            version=campaign.version.number,
            year=campaign.year,
            as_of=campaign.as_of,
            organization=organization,
            status=status,
            status_label=status_label,
            children=kids,
            rows=tuple(rows),
            heading=_heading(campaign, organization, status_label),
            column_titles=_column_titles(kids),
        )


def _heading(
    campaign: Campaign, organization: Organization, status: str
) -> tuple[str, ...]:
    lines = [
        campaign.form.name,
        _("Organization: %(name)s (code %(code)s)")
        % {"name": organization.name, "code": organization.code},
        _("Report for %(year)s, as of %(date)s")
        % {"year": campaign.year, "date": campaign.as_of.strftime("%d.%m.%Y")},
    ]
    if status:
        lines.append(_("Status: %(status)s") % {"status": status})
    else:
        lines.append(
            _("Computed from the registry: no report was collected that year.")
        )
    return tuple(lines)


def _column_titles(children: Sequence[Organization]) -> tuple[str, ...]:
    if not children:
        return (_("Code"), _("Indicator"), _("Value"))
    return (_("Code"), _("Indicator"), _("Total"), *(child.name for child in children))


def _children(campaign: Campaign, unit: OrgUnit) -> list[OrgUnit]:
    """The open organizations right below `unit` that report (in the campaign,
    those with a report in it), as the report page shows them."""
    below = OrgUnit.objects.filter(
        parent=unit, status=UnitStatus.ACTIVE, level__in=REPORTING_LEVELS
    )
    if campaign.pk is not None:
        below = below.filter(reports__campaign=campaign)
    return list(below)


def _figures(
    campaign: Campaign, layout: Layout, units: list[OrgUnit]
) -> dict[int, Figures]:
    if campaign.pk is not None:
        # The national report counts the whole tree at once, as the report page does.
        return compute_figures(
            campaign, layout, units, whole_tree=units[0].parent_id is None
        )
    if layout.of_source(Source.ENTERED):
        raise ReportRefusal(
            _(
                "The form has figures the organizations enter: there is no report "
                "for a year without its campaign."
            ),
            code="no_campaign",
        )
    registry = compute_registry_figures(
        on=campaign.as_of, roots=[unit.pk for unit in units]
    )
    found: dict[int, Figures] = {}
    for unit in units:
        counted = registry.of(unit.pk)
        unit_figures: Figures = {
            indicator.code: Decimal(counted[indicator.measure])
            for indicator in layout.of_source(Source.REGISTRY)
        }
        apply_formulas(unit_figures, layout)
        found[unit.pk] = unit_figures
    return found


def shown(value: Figure, value_type: str) -> str:
    """A figure as the union prints it: «613 860», «1 234,50», «72,0»."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    places = SHOWN_PLACES.get(value_type, 0)
    text = f"{value:,.{places}f}"
    return text.replace(",", NO_BREAK_SPACE).replace(".", ",")


def json_value(value: Figure, value_type: str) -> Any:
    """A figure for JSON: a whole count as an integer, other numbers as numbers."""
    if value is None or isinstance(value, str):
        return value
    if value_type == ValueType.COUNT or value == value.to_integral_value():
        return int(value)
    return float(value)


def as_json(printed: PrintedReport) -> dict[str, Any]:
    """The report as data: its header, its sections with their indicators and the
    organization's values, and each child's values by indicator code."""
    sections: list[dict[str, Any]] = []
    for row in printed.rows:
        if row.is_section:
            sections.append({"code": row.code, "name": row.name, "indicators": []})
            continue
        sections[-1]["indicators"].append(
            {
                "code": row.code,
                "name": row.name,
                "type": row.value_type,
                "source": row.source,
                "value": json_value(row.values[0], row.value_type),
            }
        )
    data: dict[str, Any] = {
        "form": {
            "code": printed.form_code,
            "name": printed.form_name,
            "version": printed.version,
        },
        "year": printed.year,
        "as_of": printed.as_of.isoformat(),
        "language": printed.language,
        "organization": {
            "code": printed.organization.code,
            "name": printed.organization.name,
        },
        "status": printed.status,
        "sections": sections,
    }
    if printed.children:
        data["children"] = [
            {
                "code": child.code,
                "name": child.name,
                "values": {
                    row.code: json_value(row.values[column], row.value_type)
                    for row in printed.indicator_rows
                },
            }
            for column, child in enumerate(printed.children, start=1)
        ]
    return data


def find_printed_report(
    *, form_code: str, year: int, org_code: str, language: str, children: bool = False
) -> PrintedReport:
    """The report of the organization with code `org_code` for `year`, by form code,
    for the command line (which sees the whole union).

    It is the year's campaign's; for a form whose figures all come from the
    registry, a year without a campaign is computed from the registry on 1 January
    after it, in the form's latest published version.
    """
    form = ReportForm.objects.filter(code=form_code.strip()).first()
    if form is None:
        raise ReportRefusal(
            _("No report form has the code «%(code)s».") % {"code": form_code},
            code="unknown_form",
        )
    unit = OrgUnit.objects.filter(code=org_code.strip()).first()
    if unit is None:
        raise ReportRefusal(
            _("No organization has the code «%(code)s».") % {"code": org_code},
            code="unknown_org",
        )
    campaign = (
        Campaign.objects.filter(form=form, year=year)
        .select_related("form", "version")
        .first()
    )
    status = ""
    if campaign is not None:
        report = Report.objects.filter(campaign=campaign, unit=unit).first()
        status = report.status if report is not None else ""
    else:
        campaign = _registry_year(form, year)
    return build_printed_report(
        campaign=campaign,
        unit=unit,
        language=language,
        children=children,
        status=status,
    )


def _registry_year(form: ReportForm, year: int) -> Campaign:
    """A year without a campaign, computable for a registry-only form: an unsaved
    campaign of the latest published version."""
    version = latest_published(form)
    no_campaign = ReportRefusal(
        _(
            "The form «%(form)s» has no campaign for %(year)s, and its figures entered "
            "by the organizations exist only in one."
        )
        % {"form": form.code, "year": year},
        code="no_campaign",
    )
    if version is None or layout_of(version).of_source(Source.ENTERED):
        raise no_campaign
    if not FIRST_YEAR <= year <= today().year:
        raise ReportRefusal(
            _("Reports are for the years from %(first)s to %(last)s.")
            % {"first": FIRST_YEAR, "last": today().year},
            code="bad_year",
        )
    return Campaign(form=form, version=version, year=year, deadline=today())
