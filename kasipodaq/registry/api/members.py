"""/api/v1/members: people and their memberships, with the staff's rights.

A member is addressed by the id of the person; the writes act on their current
membership. Reading one member's record is audited like opening the staff page.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations
# of the endpoints (`Query[MemberListFilter]`) when the router is built.

import datetime as dt
import enum
from dataclasses import replace
from typing import Annotated, Any

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StringConstraints

from kasipodaq.access.perms import Perm
from kasipodaq.access.policy import has_perm
from kasipodaq.api.auth import ApiRequest
from kasipodaq.api.pagination import LimitOffset
from kasipodaq.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Iin,
    required_text,
    text,
)
from kasipodaq.orgtree.models import OrgUnit

from ..models import Category, JoinMethod, LeaveReason, Membership, Person, Sex
from ..selectors import (
    AgeBand,
    MemberFilter,
    access_person,
    access_unit,
    list_members,
    membership_history,
)
from ..services.admission import admit_member
from ..services.people import PersonDetails, delete_person, details_of, edit_member
from ..services.termination import end_membership
from ..services.transfers import transfer_membership
from ..services.viewing import record_member_view
from .organizations import UnitRef

router = Router(tags=["members"])

Phone = Annotated[str, StringConstraints(max_length=20, pattern=r"^[0-9 ()+\-]*$")]


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    FORMER = "former"
    ALL = "all"


class AgeBandChoice(enum.StrEnum):
    UP_TO_29 = AgeBand.UP_TO_29
    UP_TO_35 = AgeBand.UP_TO_35
    OVER_35 = AgeBand.OVER_35


class PersonalLeaveReason(enum.StrEnum):
    """The reasons a member's own record ends with (transfers and closures aside)."""

    OWN_WISH = LeaveReason.OWN_WISH.value
    DISMISSAL = LeaveReason.DISMISSAL.value
    RETIREMENT = LeaveReason.RETIREMENT.value
    DEATH = LeaveReason.DEATH.value
    EXPELLED = LeaveReason.EXPELLED.value


class MembershipOut(Schema):
    id: int
    org_unit: UnitRef = Field(
        description="Named only if it lies in the caller's subtrees: a member's "
        "history may pass through organizations the caller does not see."
    )
    joined_on: dt.date
    left_on: dt.date | None
    category: Category
    join_method: JoinMethod
    leave_reason: LeaveReason | None
    transferred_from_id: int | None

    @staticmethod
    def resolve_org_unit(membership: Membership, context: Any) -> UnitRef:
        unit = membership.org_unit
        if has_perm(context["request"].auth, Perm.ORG_VIEW, unit=unit):
            return UnitRef(id=unit.pk, code=unit.code, name=unit.name)
        return UnitRef(id=unit.pk, code=None, name=None)

    @staticmethod
    def resolve_leave_reason(membership: Membership) -> str | None:
        return membership.leave_reason or None


class MemberOut(Schema):
    """A row of the member list: what the staff list shows, no contact details."""

    id: int
    iin: str
    last_name: str
    first_name: str
    patronymic: str
    full_name: str
    birth_date: dt.date
    sex: Sex
    membership: MembershipOut | None = Field(
        description="The latest membership, active or ended."
    )

    @staticmethod
    def resolve_membership(person: Person) -> Membership | None:
        return person.current_membership


class MemberDetailOut(MemberOut):
    """A member's record: every answer carrying one is audited as a view of it."""

    phone: str
    email: str
    position: str
    consent_given_on: dt.date | None
    consent_text_version: str
    memberships: list[MembershipOut] = Field(description="All of them, oldest first.")

    @staticmethod
    def resolve_memberships(person: Person) -> list[Membership]:
        return list(membership_history(person))


class MemberListFilter(Schema):
    q: text(100) = Field("", description="IIN, last and first name, or phone.")  # type: ignore[valid-type]
    status: MemberStatus = MemberStatus.ACTIVE
    category: Category | None = None
    sex: Sex | None = None
    age_band: AgeBandChoice | None = Field(
        None, description="Up to 29, up to 35, or over 35 years old today."
    )
    org: Id | None = Field(None, description="Only members in this subtree.")


class PersonFields(Schema):
    iin: Iin
    last_name: required_text(100)  # type: ignore[valid-type]
    first_name: required_text(100)  # type: ignore[valid-type]
    patronymic: text(100) = ""  # type: ignore[valid-type]
    birth_date: dt.date | None = Field(
        None, description="Optional: taken from the IIN, and checked against it."
    )
    sex: Sex | None = Field(
        None, description="Optional: taken from the IIN, and checked against it."
    )
    phone: Phone = ""
    email: text(254) = ""  # type: ignore[valid-type]
    position: text(200) = ""  # type: ignore[valid-type]
    consent_given_on: dt.date | None = None
    consent_text_version: text(32) = ""  # type: ignore[valid-type]


class AdmitIn(PersonFields):
    org_unit: Id = Field(description="The primary organization.")
    joined_on: dt.date
    category: Category
    join_method: JoinMethod = JoinMethod.PAPER


class MemberPatch(Schema):
    """The details to correct; the fields left out keep their value."""

    iin: Iin = None  # type: ignore[assignment]
    last_name: required_text(100) = None  # type: ignore[valid-type]
    first_name: required_text(100) = None  # type: ignore[valid-type]
    patronymic: text(100) = None  # type: ignore[valid-type]
    phone: Phone = None  # type: ignore[assignment]
    email: text(254) = None  # type: ignore[valid-type]
    position: text(200) = None  # type: ignore[valid-type]
    consent_given_on: dt.date | None = None
    consent_text_version: text(32) = None  # type: ignore[valid-type]
    category: Category = Field(None, description="Of the current membership.")  # type: ignore[assignment]


class LeaveIn(Schema):
    on: dt.date = Field(description="The first day the person is no longer a member.")
    reason: PersonalLeaveReason


class TransferIn(Schema):
    to_unit: Id = Field(description="The primary organization to move to.")
    on: dt.date


def _details(payload: PersonFields) -> PersonDetails:
    return PersonDetails(
        iin=payload.iin,
        last_name=payload.last_name.strip(),
        first_name=payload.first_name.strip(),
        patronymic=payload.patronymic.strip(),
        birth_date=payload.birth_date,
        sex=payload.sex or "",
        phone=payload.phone.strip(),
        email=payload.email.strip(),
        position=payload.position.strip(),
        consent_given_on=payload.consent_given_on,
        consent_text_version=payload.consent_text_version.strip(),
    )


def _record(request: ApiRequest, id: int) -> Person:
    """The member's record as answered, which is a reading of it: audited."""
    person = access_person(request.auth, id)
    record_member_view(actor=request.auth, person=person)
    return person


def _current(person: Person) -> Membership:
    """The membership the writes act on; a person in scope always has one."""
    if person.current_membership is None:
        raise Http404
    return person.current_membership


@router.get("", response={200: list[MemberOut], **READ_ERRORS}, summary="List")
@paginate(LimitOffset)
def list_member_records(request: ApiRequest, filters: Query[MemberListFilter]) -> Any:
    """Members (or former members) in the caller's subtrees, by name."""
    unit: OrgUnit | None = None
    if filters.org is not None:
        unit = access_unit(request.auth, filters.org)
    return list_members(
        request.auth,
        MemberFilter(
            text=filters.q,
            category=filters.category or "",
            sex=filters.sex or "",
            age_band=filters.age_band or "",
            status=filters.status,
            unit=unit,
        ),
    )


@router.get("/{id}", response={200: MemberDetailOut, **READ_ERRORS}, summary="Read")
def read_member(request: ApiRequest, id: Id) -> Any:
    """A member's details and membership history. The reading is audited."""
    return _record(request, id)


@router.post("", response={201: MemberDetailOut, **WRITE_ERRORS}, summary="Admit")
def admit_to_org(request: ApiRequest, payload: AdmitIn) -> Any:
    """Admit a person (new, or a former member coming back) to a primary organization.

    Birth date and sex come from the IIN; if given, they must agree with it.
    """
    unit = access_unit(request.auth, payload.org_unit, Perm.MEMBER_MANAGE)
    membership = admit_member(
        actor=request.auth,
        unit=unit,
        details=_details(payload),
        joined_on=payload.joined_on,
        category=payload.category,
        join_method=payload.join_method,
    )
    return Status(201, _record(request, membership.person_id))


@router.patch("/{id}", response={200: MemberDetailOut, **WRITE_ERRORS}, summary="Edit")
def edit_member_record(request: ApiRequest, id: Id, payload: MemberPatch) -> Any:
    """Correct a member's details and the category of their current membership."""
    person = access_person(request.auth, id, Perm.MEMBER_MANAGE)
    changes = payload.model_dump(exclude_unset=True)
    category = changes.pop("category", None)
    entered: dict[str, Any] = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in changes.items()
    }
    # Birth date and sex follow the IIN.
    details = replace(details_of(person), **entered, birth_date=None, sex="")
    edit_member(actor=request.auth, person=person, details=details, category=category)
    return _record(request, id)


@router.post(
    "/{id}/leave", response={200: MemberDetailOut, **WRITE_ERRORS}, summary="Leave"
)
def member_leaves(request: ApiRequest, id: Id, payload: LeaveIn) -> Any:
    """End the member's current membership."""
    person = access_person(request.auth, id, Perm.MEMBER_MANAGE)
    end_membership(
        actor=request.auth,
        membership=_current(person),
        on=payload.on,
        reason=payload.reason,
    )
    return _record(request, id)


@router.post(
    "/{id}/transfer",
    response={200: MemberDetailOut, **WRITE_ERRORS},
    summary="Transfer",
)
def transfer_member(request: ApiRequest, id: Id, payload: TransferIn) -> Any:
    """Move the member to another primary organization without a break."""
    person = access_person(request.auth, id, Perm.MEMBER_TRANSFER)
    to_unit = access_unit(request.auth, payload.to_unit, Perm.MEMBER_TRANSFER)
    transfer_membership(
        actor=request.auth, membership=_current(person), to_unit=to_unit, on=payload.on
    )
    return _record(request, id)


@router.delete("/{id}", response={204: None, **READ_ERRORS}, summary="Erase")
def erase_member(request: ApiRequest, id: Id) -> Any:
    """Erase a person entered in error, with every membership; the audit trail stays."""
    person = access_person(request.auth, id, Perm.MEMBER_MANAGE)
    delete_person(actor=request.auth, person=person)
    return Status(204, None)
