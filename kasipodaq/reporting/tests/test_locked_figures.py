"""A locked report never changes, whatever happens below it afterwards; and bad
numbers or texts are refused, never a crash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import Level, OrgUnit
from kasipodaq.registry.tests.factories import Tree, make_unit
from kasipodaq.reporting.entries import EntriesRefused, parse_entries
from kasipodaq.reporting.errors import ReportRefusal
from kasipodaq.reporting.layout import layout_of
from kasipodaq.reporting.models import Campaign, Report
from kasipodaq.reporting.services.forms import create_form, shipped_definitions
from kasipodaq.reporting.services.reports import (
    figures_of,
    mark_missing,
    save_entries,
    submit_report,
)


def report_at(campaign: Campaign, unit: OrgUnit) -> Report:
    return Report.objects.get(campaign=campaign, unit=unit)


def test_a_submitted_reports_sums_are_frozen(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """The district submitted 3 lawyers; a school opened since enters 500: the
    district's report still says 3, and says 503 once returned and resubmitted."""
    district = tree.districts[0]
    for school in tree.primaries[:2]:
        mark_missing(
            actor=tree.admin, report=report_at(legal_campaign, school), comment="—"
        )
    report = report_at(legal_campaign, district)
    save_entries(actor=tree.admin, report=report, raw={"lawyers": "3"})
    submit_report(actor=tree.admin, report=report)

    opened = make_unit(district, Level.PRIMARY, opened_on=today())
    save_entries(
        actor=tree.admin,
        report=report_at(legal_campaign, opened),
        raw={"lawyers": "500"},
    )

    assert figures_of(report_at(legal_campaign, district))["lawyers"] == 3


def test_nothing_below_a_missing_report_counts(
    tree: Tree, legal_campaign: Campaign
) -> None:
    """A district marked missing was not compiled: what its schools typed stays
    out of the region's figures."""
    region, district = tree.regions[0], tree.districts[0]
    save_entries(
        actor=tree.admin,
        report=report_at(legal_campaign, tree.primaries[0]),
        raw={"lawyers": "77"},
    )
    before = figures_of(report_at(legal_campaign, region))["lawyers"]
    assert before == 77
    mark_missing(
        actor=tree.admin, report=report_at(legal_campaign, district), comment="—"
    )
    assert figures_of(report_at(legal_campaign, region)).get("lawyers") is None


@pytest.mark.parametrize(
    "given", [float("nan"), Decimal("NaN"), "NaN", "inf", float("inf"), "-Infinity"]
)
def test_not_a_number_is_refused_not_crashed(
    legal_campaign: Campaign, given: object
) -> None:
    with pytest.raises(EntriesRefused) as refused:
        parse_entries(layout_of(legal_campaign.version), {"lawyers": given})
    assert "lawyers" in refused.value.errors


def test_a_text_with_a_nul_character_is_refused(forms: object) -> None:
    from kasipodaq.reporting.models import FormVersion

    version = FormVersion.objects.get(form__code="information")
    with pytest.raises(EntriesRefused) as refused:
        parse_entries(layout_of(version), {"highlights": "a\x00b"})
    assert "highlights" in refused.value.errors


def test_an_entered_percentage_cannot_be_added_up(db: None) -> None:
    """Two schools at 80 % do not make a district of 160 %."""
    definition = next(d for d in shipped_definitions() if d["code"] == "information")
    definition = {**definition, "code": "percent_sum"}
    section = definition["sections"][0]
    section["indicators"] = [
        *section["indicators"],
        {
            "code": "share_online",
            "type": "percent",
            "source": "entered",
            "aggregation": "sum",
            "name": {"ru": "Доля", "kk": "Үлес", "en": "Share"},
        },
    ]
    with pytest.raises(ReportRefusal) as refused:
        create_form(definition)
    assert refused.value.field == "aggregation"
