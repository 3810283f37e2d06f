"""/api/v1/reports: the report forms, the yearly campaigns, and each organization's
report with its figures and workflow, with the staff's rights.

A report outside the caller's subtrees, or one the caller has no right to act on,
answers 404 like a report that does not exist. A report that is submitted,
approved or marked missing is locked: the figures and the steps that need an open
report are refused with 422, as every refusal of a service is.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations
# of the endpoints (`Query[ReportFilter]`) when the router is built.

import datetime as dt
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictFloat, StrictInt, StringConstraints

from kasipodaq.access.perms import Perm
from kasipodaq.api.auth import ApiRequest
from kasipodaq.api.pagination import LimitOffset
from kasipodaq.api.schemas import READ_ERRORS, WRITE_ERRORS, Id, text
from kasipodaq.orgtree.models import Level

from . import selectors
from .entries import TEXT_MAX, EntriesRefused
from .errors import ReportRefusal
from .figures import check_rules
from .formulas import Figure
from .layout import layout_of
from .models import Campaign, FormVersion, Report, ReportForm, ReportStatus
from .services import reports as workflow

router = Router(tags=["reports"])

COMMENT_MAX = 2000
MAX_ENTRIES = 500


# --- reads the endpoints need beyond the selectors ---------------------------------


def _forms_with_latest(user: Any) -> list[ReportForm]:
    """The report forms, each with its published versions (newest first) in
    `published`; none for a user without any right on reports. Two queries."""
    if not selectors.has_report_rights(user):
        return []
    published = FormVersion.objects.filter(published_at__isnull=False).order_by(
        "-number"
    )
    return list(
        selectors.list_report_forms().prefetch_related(
            Prefetch("versions", queryset=published, to_attr="published")
        )
    )


def _campaigns(user: Any) -> QuerySet[Campaign]:
    """Every campaign, newest year first, for a user with any right on reports."""
    if not selectors.has_report_rights(user):
        return Campaign.objects.none()
    return Campaign.objects.select_related("form", "version").order_by(
        "-year", "form__position", "form__code"
    )


# --- shapes ----------------------------------------------------------------------

# Strict numbers: `true` is not a figure of 1.
EntryValue = (
    StrictInt
    | StrictFloat
    | Annotated[str, StringConstraints(max_length=TEXT_MAX, pattern=r"^[^\x00]*$")]
    | None
)
EntryCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Entries = Annotated[dict[EntryCode, EntryValue], Field(max_length=MAX_ENTRIES)]
FigureValue = int | float | str | None


class VersionRef(Schema):
    id: int
    number: int
    published_at: dt.datetime | None


class FormOut(Schema):
    code: str
    name: str = Field(description="In the language of the request.")
    name_ru: str
    name_kk: str
    name_en: str
    latest_version: VersionRef | None = Field(
        description="The version campaigns opened now would collect."
    )

    @staticmethod
    def resolve_latest_version(form: ReportForm) -> FormVersion | None:
        published: list[FormVersion] = getattr(form, "published", [])
        return published[0] if published else None


class CampaignOut(Schema):
    id: int
    form: str = Field(description="The code of the form.")
    form_name: str = Field(description="In the language of the request.")
    version: int = Field(description="The number of the form's version collected.")
    year: int
    as_of: dt.date = Field(description="The date the figures describe: 1 January.")
    deadline: dt.date

    @staticmethod
    def resolve_form(campaign: Campaign) -> str:
        return campaign.form.code

    @staticmethod
    def resolve_form_name(campaign: Campaign) -> str:
        return campaign.form.name

    @staticmethod
    def resolve_version(campaign: Campaign) -> int:
        return campaign.version.number


class UnitOut(Schema):
    id: int
    code: str
    name: str = Field(description="In the language of the request.")
    level: Level
    parent_id: int | None


class ReportRow(Schema):
    id: int
    campaign_id: int
    unit: UnitOut
    status: ReportStatus
    comment: str
    submitted_at: dt.datetime | None
    updated_at: dt.datetime


class BrokenRule(Schema):
    code: str
    message: str = Field(description="In the language of the request.")


class ReportOut(ReportRow):
    campaign: CampaignOut
    editable: bool = Field(
        description="Whether the organization can still change it (draft, returned)."
    )
    figures: dict[str, FigureValue] = Field(
        description=(
            "Every indicator of the form by its code: the registry's figures as of "
            "the campaign's date (frozen when the report was submitted), the "
            "entered ones added up from the organizations below, the computed ones "
            "worked out. Numbers, a text, or null where there is none."
        )
    )
    broken_rules: list[BrokenRule] = Field(
        description="The form's rules the figures break now: submitting is refused "
        "until they hold."
    )


class StatusFilter(enum.StrEnum):
    DRAFT = ReportStatus.DRAFT.value
    SUBMITTED = ReportStatus.SUBMITTED.value
    RETURNED = ReportStatus.RETURNED.value
    APPROVED = ReportStatus.APPROVED.value
    MISSING = ReportStatus.MISSING.value
    LATE = selectors.LATE


class ReportingLevel(enum.StrEnum):
    """The levels that file reports (`services.campaigns.REPORTING_LEVELS`)."""

    CENTRAL = Level.CENTRAL.value
    REGION = Level.REGION.value
    DISTRICT = Level.DISTRICT.value
    PRIMARY = Level.PRIMARY.value


class ReportFilter(Schema):
    status: StatusFilter | None = Field(
        None,
        description="Reports in this status; `late`: not yet submitted after the "
        "deadline. All of them if left out.",
    )
    level: ReportingLevel | None = None


class CampaignFilter(Schema):
    form: text(32) = Field("", description="Only the campaigns of this form (code).")  # type: ignore[valid-type]
    year: int | None = Field(None, ge=1900, le=2999)


class CommentIn(Schema):
    comment: text(COMMENT_MAX) = Field(  # type: ignore[valid-type]
        "", description="Why: required, the step is refused without one."
    )


# --- answers ---------------------------------------------------------------------


def _figure(value: Figure) -> FigureValue:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _report_out(report: Report) -> dict[str, Any]:
    """The report with its figures as they stand and the rules they break."""
    figures = workflow.figures_of(report)
    layout = layout_of(report.campaign.version)
    return {
        "id": report.pk,
        "campaign_id": report.campaign_id,
        "campaign": report.campaign,
        "unit": report.unit,
        "status": report.status,
        "comment": report.comment,
        "submitted_at": report.submitted_at,
        "updated_at": report.updated_at,
        "editable": report.is_editable,
        "figures": {i.code: _figure(figures.get(i.code)) for i in layout.indicators},
        "broken_rules": [
            {"code": v.code, "message": v.message} for v in check_rules(figures, layout)
        ],
    }


def _read(request: ApiRequest, id: int) -> dict[str, Any]:
    return _report_out(selectors.access_report(request.auth, id))


@contextmanager
def _decisions() -> Iterator[None]:
    """A decision the caller may not take on a report they see is answered like
    any missing right: 404."""
    try:
        yield
    except ReportRefusal as exc:
        if exc.code == "forbidden":
            raise Http404 from None
        raise


def _refused(detail: str, errors: list[tuple[list[str], str]]) -> Status:
    return Status(
        422,
        {
            "detail": detail,
            "field": None,
            "errors": [{"loc": loc, "message": message} for loc, message in errors],
        },
    )


# --- endpoints -------------------------------------------------------------------


@router.get("/forms", response={200: list[FormOut], **READ_ERRORS}, summary="Forms")
def list_forms(request: ApiRequest) -> Any:
    """The report forms, each with the version campaigns now collect."""
    return _forms_with_latest(request.auth)


@router.get(
    "/campaigns", response={200: list[CampaignOut], **READ_ERRORS}, summary="Campaigns"
)
@paginate(LimitOffset)
def list_campaigns(request: ApiRequest, filters: Query[CampaignFilter]) -> Any:
    """The yearly campaigns, newest year first."""
    campaigns = _campaigns(request.auth)
    if filters.form:
        campaigns = campaigns.filter(form__code=filters.form)
    if filters.year is not None:
        campaigns = campaigns.filter(year=filters.year)
    return campaigns


@router.get(
    "/campaigns/{id}/reports",
    response={200: list[ReportRow], **READ_ERRORS},
    summary="Reports of a campaign",
)
@paginate(LimitOffset)
def list_reports(request: ApiRequest, id: Id, filters: Query[ReportFilter]) -> Any:
    """The campaign's reports in the caller's subtrees, in the order of the tree."""
    campaign = selectors.access_campaign(request.auth, id)
    return selectors.list_campaign_reports(
        request.auth,
        campaign,
        status=filters.status.value if filters.status else "",
        level=filters.level.value if filters.level else "",
    )


@router.get("/{id}", response={200: ReportOut, **READ_ERRORS}, summary="Read")
def read_report(request: ApiRequest, id: Id) -> Any:
    """One report: its organization, status, comment and figures."""
    return _read(request, id)


@router.put(
    "/{id}/entries", response={200: ReportOut, **WRITE_ERRORS}, summary="Enter figures"
)
def save_report_entries(request: ApiRequest, id: Id, payload: Body[Entries]) -> Any:
    """Store the figures the organization enters, by indicator code: numbers (or
    texts such as "1 234,5"), a text for a text indicator, null to clear one.
    The indicators left out keep their figures. Refused as a whole if any figure
    cannot be read: `errors` names each code with why."""
    report = selectors.access_report(request.auth, id, Perm.REPORT_FILL)
    try:
        workflow.save_entries(actor=request.auth, report=report, raw=payload)
    except EntriesRefused as exc:
        return _refused(
            str(exc.message), [([code], msg) for code, msg in exc.errors.items()]
        )
    return _read(request, id)


@router.post(
    "/{id}/submit", response={200: ReportOut, **WRITE_ERRORS}, summary="Submit"
)
def submit_report(request: ApiRequest, id: Id) -> Any:
    """Lock the report and send it to the organization above. Refused while a
    report below is neither approved nor marked missing, or while the figures
    break a rule of the form: `errors` names each rule (`["rules", code]`)."""
    report = selectors.access_report(request.auth, id, Perm.REPORT_FILL)
    try:
        workflow.submit_report(actor=request.auth, report=report)
    except workflow.RulesBroken as exc:
        return _refused(
            _("The figures break the form's rules."),
            [(["rules", v.code], v.message) for v in exc.violations],
        )
    return _read(request, id)


@router.post(
    "/{id}/approve", response={200: ReportOut, **WRITE_ERRORS}, summary="Approve"
)
def approve_report(request: ApiRequest, id: Id) -> Any:
    """Approve a submitted report of an organization directly below the caller's."""
    report = selectors.access_report(request.auth, id, Perm.REPORT_APPROVE)
    with _decisions():
        workflow.approve_report(actor=request.auth, report=report)
    return _read(request, id)


@router.post(
    "/{id}/return",
    response={200: ReportOut, **WRITE_ERRORS},
    summary="Return for correction",
)
def return_report(request: ApiRequest, id: Id, payload: CommentIn) -> Any:
    """Send a submitted or approved report back to its organization, saying why."""
    report = selectors.access_report(request.auth, id, Perm.REPORT_APPROVE)
    with _decisions():
        workflow.return_report(
            actor=request.auth, report=report, comment=payload.comment
        )
    return _read(request, id)


@router.post(
    "/{id}/missing",
    response={200: ReportOut, **WRITE_ERRORS},
    summary="Mark as missing",
)
def mark_report_missing(request: ApiRequest, id: Id, payload: CommentIn) -> Any:
    """Settle a report that will not come, saying why, so the parent can submit."""
    report = selectors.access_report(request.auth, id, Perm.REPORT_APPROVE)
    with _decisions():
        workflow.mark_missing(
            actor=request.auth, report=report, comment=payload.comment
        )
    return _read(request, id)


@router.post(
    "/{id}/reopen", response={200: ReportOut, **WRITE_ERRORS}, summary="Reopen"
)
def reopen_report(request: ApiRequest, id: Id, payload: CommentIn) -> Any:
    """The centre opens a settled report again, with every report above that
    includes it, saying why; each reopening is audited."""
    report = selectors.access_report(request.auth, id, Perm.REPORT_MANAGE)
    workflow.reopen_report(actor=request.auth, report=report, comment=payload.comment)
    return _read(request, id)
