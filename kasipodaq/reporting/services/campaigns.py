"""Opening a campaign: the centre asks every organization for a form's yearly report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import Level, OrgUnit, UnitStatus

from ..errors import ReportRefusal
from ..models import Campaign, Report, ReportForm, ReportStatus
from .forms import latest_published

# The levels that file reports; union groups report through their primary.
REPORTING_LEVELS = (Level.CENTRAL, Level.REGION, Level.DISTRICT, Level.PRIMARY)
FIRST_YEAR = 2000


def union_root() -> OrgUnit:
    root = OrgUnit.objects.filter(parent__isnull=True, status=UnitStatus.ACTIVE).first()
    if root is None:
        raise ReportRefusal(_("The union has no central committee yet."))
    return root


@transaction.atomic
def open_campaign(
    *, actor: Any, form: ReportForm, year: int, deadline: dt.date
) -> Campaign:
    """Open the year's campaign of a form: a draft report for every organization."""
    root = union_root()
    policy.require(actor, Perm.REPORT_MANAGE, unit=root)
    version = latest_published(form)
    if version is None:
        raise ReportRefusal(_("The form has no published version."), field="form")
    if not FIRST_YEAR <= year <= today().year:
        raise ReportRefusal(
            _("Reports are collected for a past or the current year."), field="year"
        )
    if deadline < today():
        raise ReportRefusal(_("The deadline has already passed."), field="deadline")
    if Campaign.objects.filter(form=form, year=year).exists():
        raise _already_open(year)
    try:
        # Two people opening the same campaign at once: the unique constraint
        # lets one through, and the other hears why.
        with transaction.atomic():
            campaign = Campaign.objects.create(
                form=form,
                version=version,
                year=year,
                deadline=deadline,
                opened_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise _already_open(year) from None
    create_reports(campaign)
    return campaign


def _already_open(year: int) -> ReportRefusal:
    return ReportRefusal(
        _("The %(year)s campaign of this form is already open.") % {"year": year},
        field="year",
    )


_CREATE_REPORTS = """
    INSERT INTO {report} (campaign_id, unit_id, status, comment, updated_at)
    SELECT %s, u.id, %s, '', %s FROM {unit} u
    WHERE u.status = %s AND u.level IN ({levels})
        AND NOT EXISTS (
            SELECT 1 FROM {report} r WHERE r.campaign_id = %s AND r.unit_id = u.id
        )
"""


def create_reports(campaign: Campaign) -> int:
    """A draft report for every active organization that has none, in one statement."""
    sql = _CREATE_REPORTS.format(
        report=Report._meta.db_table,
        unit=OrgUnit._meta.db_table,
        levels=", ".join(["%s"] * len(REPORTING_LEVELS)),
    )
    params: list[Any] = [
        campaign.pk,
        ReportStatus.DRAFT,
        timezone.now(),
        UnitStatus.ACTIVE,
        *REPORTING_LEVELS,
        campaign.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def ask_new_unit(unit: OrgUnit) -> int:
    """A report of every running campaign (its national report not yet approved)
    for an organization just opened; the number made."""
    if not (unit.is_active and unit.level in REPORTING_LEVELS):
        return 0
    finished = Report.objects.filter(
        campaign=OuterRef("pk"),
        unit__parent__isnull=True,
        status=ReportStatus.APPROVED,
    )
    running = Campaign.objects.exclude(Exists(finished))
    made = [
        Report(campaign=campaign, unit=unit)
        for campaign in running
        if not Report.objects.filter(campaign=campaign, unit=unit).exists()
    ]
    Report.objects.bulk_create(made)
    return len(made)


def report_of(campaign: Campaign, unit: OrgUnit) -> Report | None:
    """The unit's report in the campaign; one is made for a unit opened since."""
    report = Report.objects.filter(campaign=campaign, unit=unit).first()
    if report is None and unit.is_active and unit.level in REPORTING_LEVELS:
        report, _created = Report.objects.get_or_create(campaign=campaign, unit=unit)
    return report
