"""Figures of a campaign: the registry's as of the period's date, entered ones rolled
up the tree, formulas recomputed at every level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Category
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.factories import MALE, Tree
from kasipodaq.reporting.figures import (
    Figures,
    compute_figures,
    registry_columns,
    work_out_formulas,
)
from kasipodaq.reporting.layout import layout_of
from kasipodaq.reporting.models import Campaign, Report
from kasipodaq.reporting.registry_figures import compute_registry_figures
from kasipodaq.reporting.services.reports import save_entries


def figures(campaign: Campaign, *units: OrgUnit) -> dict[int, Figures]:
    return compute_figures(campaign, layout_of(campaign.version), list(units))


def test_registry_figures_count_the_members_of_the_period_date(
    tree: Tree, membership_campaign: Campaign
) -> None:
    """Members are those whose membership covers 1 January after the year; women,
    youth and categories come from the same rows, and coverage from employees."""
    school, other = tree.primaries[0], tree.primaries[1]
    tree.admit(school, birth_date=dt.date(1999, 3, 1))  # 26 on 1.1.2026
    tree.admit(school, birth_date=dt.date(1992, 3, 1), sex=MALE)  # 33
    tree.admit(school, category=Category.STUDENT, birth_date=dt.date(1980, 1, 1))
    late = tree.admit(other, joined_on=dt.date(2026, 2, 1))  # after the date
    gone = tree.admit(other)
    end_membership(
        actor=tree.admin, membership=gone, on=dt.date(2025, 12, 31), reason="own_wish"
    )
    assert late.joined_on > membership_campaign.as_of

    found = figures(membership_campaign, tree.central, school, other)
    at_school = found[school.pk]
    assert at_school["members"] == 3
    assert at_school["working"] == 2
    assert at_school["students"] == 1
    assert at_school["women"] == 2
    assert at_school["youth_29"] == 1
    assert at_school["youth_35"] == 2
    assert at_school["primary_orgs"] == 1
    assert at_school["employees"] == 50
    assert at_school["coverage"] == Decimal("4.0")
    assert at_school["students_share"] == Decimal("33.3")
    assert found[other.pk]["members"] == 0
    national = found[tree.central.pk]
    assert national["members"] == 3
    assert national["primary_orgs"] == 8
    assert national["employees"] == 400
    assert national["coverage"] == Decimal("0.5")


def test_every_units_figures_at_once_are_each_units_own(
    tree: Tree, membership_campaign: Campaign
) -> None:
    """The registry's counts of every unit and the formulas worked out over all of
    them at once give each unit the figures it is given alone, to the digit."""
    school, other = tree.primaries[0], tree.primaries[1]
    for birth_date in (dt.date(1999, 3, 1), dt.date(1980, 1, 1)):
        tree.admit(school, birth_date=birth_date)
    tree.admit(school, category=Category.STUDENT)
    tree.admit(other, sex=MALE)
    layout = layout_of(membership_campaign.version)
    counted = compute_registry_figures(on=membership_campaign.as_of)
    columns = registry_columns(counted, layout)
    work_out_formulas(columns, layout, rows=len(counted.rows))

    units = list(OrgUnit.objects.filter(pk__in=counted.rows))
    alone = compute_figures(membership_campaign, layout, units)
    for row, unit in enumerate(counted.rows):
        at_once = {code: column[row] for code, column in columns.items()}
        assert {code: str(v) for code, v in at_once.items()} == {
            code: str(v) for code, v in alone[unit].items()
        }
    assert alone[school.pk]["students_share"] == Decimal("33.3")


def test_entered_figures_add_up_the_tree(tree: Tree, legal_campaign: Campaign) -> None:
    """A district's figure is its own plus its schools'; a region's adds its
    districts'; formulas and missing figures count as documented."""
    district = tree.districts[0]
    school_a, school_b = tree.primaries[0], tree.primaries[1]
    for unit, appeals in ((school_a, "10"), (school_b, "5"), (district, "1")):
        report = Report.objects.get(campaign=legal_campaign, unit=unit)
        save_entries(actor=tree.admin, report=report, raw={"appeals": appeals})
    found = figures(legal_campaign, tree.regions[0], district, school_a)
    assert found[school_a.pk]["appeals"] == 10
    assert found[district.pk]["appeals"] == 16
    assert found[tree.regions[0].pk]["appeals"] == 16
    assert "consultations" not in found[district.pk]
