"""/api/v1/orgs: the organization tree, read and changed with the staff's rights."""

# No `from __future__ import annotations` here: django-ninja reads the annotations
# of the endpoints (`Query[OrgFilter]`) when the router is built.

import datetime as dt
from typing import Annotated, Any, cast

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StringConstraints

from kasipodaq.api.auth import ApiRequest
from kasipodaq.api.errors import fields_renamed
from kasipodaq.api.pagination import LimitOffset
from kasipodaq.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    required_text,
    text,
)
from kasipodaq.orgtree.models import Level, OrgUnit, Sector, UnitStatus
from kasipodaq.orgtree.querysets import OrgUnitQuerySet

from ..selectors import access_unit, compute_unit_figures, list_units
from ..services.employers import EmployerDetails, create_organization_at_employer
from ..services.organizations import (
    UnitDetails,
    leave_union,
    liquidate_organization,
    merge_organization,
    move_organization,
    set_employees,
    update_organization,
)

router = Router(tags=["organizations"])

Code = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[^\x00\s]+$")
]
RegionCode = Annotated[str, StringConstraints(pattern=r"^([0-9]{2})?$")]
Bin = Annotated[str, StringConstraints(pattern=r"^([0-9]{12})?$")]
Employees = Annotated[int, Field(ge=0, le=10_000_000)]


class UnitRef(Schema):
    """Another organization, named if it lies in the caller's subtrees."""

    id: int
    code: str | None = Field(description="None outside the caller's subtrees.")
    name: str | None = Field(description="None outside the caller's subtrees.")


class EmployerOut(Schema):
    bin: str
    name_ru: str
    name_kk: str
    sector: Sector


class OrgOut(Schema):
    id: int
    code: str
    level: Level
    name: str = Field(description="In the language of the request.")
    name_ru: str
    name_kk: str
    parent_id: int | None
    employer: EmployerOut | None
    region_code: str
    address: str
    status: UnitStatus
    opened_on: dt.date
    closed_on: dt.date | None
    merged_into_id: int | None


class Figures(Schema):
    members: int = Field(description="Active members in the whole subtree, today.")
    working: int = Field(description="Of them, working members.")
    employees: int | None = Field(
        description="Employees of the open workplaces below, by their latest count."
    )
    coverage: float | None = Field(
        description="Working members per 100 employees, where the count is known."
    )


class OrgDetailOut(OrgOut):
    figures: Figures

    @staticmethod
    def resolve_figures(unit: OrgUnit) -> Any:
        return compute_unit_figures(unit)


class OrgFilter(Schema):
    parent: Id | None = Field(None, description="Only the units directly below it.")
    level: Level | None = None
    status: UnitStatus | None = None
    q: text(300) = Field("", description="Code, name or employer's BIN.")  # type: ignore[valid-type]


class OrgIn(Schema):
    parent: Id
    level: Level
    code: Code
    name_ru: required_text(300)  # type: ignore[valid-type]
    name_kk: required_text(300)  # type: ignore[valid-type]
    region_code: RegionCode = Field(
        "", description="Two digits; the parent's if empty."
    )
    address: text(300) = ""  # type: ignore[valid-type]
    opened_on: dt.date
    employees: Employees | None = None
    employer_bin: Bin = Field(
        "",
        description=(
            "The workplace; required for a primary organization. A known BIN reuses "
            "its employer, a new one registers it with the name and sector given."
        ),
    )
    employer_name_ru: text(300) = ""  # type: ignore[valid-type]
    employer_name_kk: text(300) = ""  # type: ignore[valid-type]
    employer_sector: Sector | None = None


class OrgPatch(Schema):
    """The details to correct; the fields left out keep their value."""

    name_ru: required_text(300) = None  # type: ignore[valid-type]
    name_kk: required_text(300) = None  # type: ignore[valid-type]
    region_code: RegionCode = None  # type: ignore[assignment]
    address: text(300) = None  # type: ignore[valid-type]


class MoveIn(Schema):
    parent: Id = Field(description="The new parent organization.")
    on: dt.date


class MergeIn(Schema):
    into: Id = Field(description="The organization of the same level to merge into.")
    on: dt.date


class CloseIn(Schema):
    on: dt.date


class EmployeesIn(Schema):
    counted_on: dt.date
    employees: Employees


def _units(user: Any, flt: OrgFilter) -> QuerySet[OrgUnit]:
    units = cast(OrgUnitQuerySet, list_units(user).select_related("employer"))
    if flt.parent is not None:
        units = units.filter(parent=access_unit(user, flt.parent))
    if flt.level is not None:
        units = units.filter(level=flt.level)
    if flt.status is not None:
        units = units.filter(status=flt.status)
    return units.search(flt.q).order_by("path")


@router.get("", response={200: list[OrgOut], **READ_ERRORS}, summary="List")
@paginate(LimitOffset)
def list_orgs(request: ApiRequest, filters: Query[OrgFilter]) -> Any:
    """The organizations the caller may see, in tree order (parents first)."""
    return _units(request.auth, filters)


@router.get("/{id}", response={200: OrgDetailOut, **READ_ERRORS}, summary="Read")
def read_org(request: ApiRequest, id: Id) -> Any:
    """One organization with its figures today."""
    return access_unit(request.auth, id)


@router.post("", response={201: OrgDetailOut, **WRITE_ERRORS}, summary="Create")
def create_org(request: ApiRequest, payload: OrgIn) -> Any:
    """Open an organization under `parent` from `opened_on`."""
    parent = access_unit(request.auth, payload.parent)
    employer = None
    if payload.employer_bin:
        employer = EmployerDetails(
            bin=payload.employer_bin,
            name_ru=payload.employer_name_ru,
            name_kk=payload.employer_name_kk,
            sector=payload.employer_sector or "",
        )
    with fields_renamed(on="opened_on"):
        unit = create_organization_at_employer(
            actor=request.auth,
            parent=parent,
            level=payload.level,
            details=UnitDetails(
                code=payload.code,
                name_ru=payload.name_ru.strip(),
                name_kk=payload.name_kk.strip(),
                region_code=payload.region_code,
                address=payload.address.strip(),
            ),
            employer=employer,
            opened_on=payload.opened_on,
            employees=payload.employees,
        )
    return Status(201, access_unit(request.auth, unit.pk))


@router.patch("/{id}", response={200: OrgDetailOut, **WRITE_ERRORS}, summary="Edit")
def edit_org(request: ApiRequest, id: Id, payload: OrgPatch) -> Any:
    """Correct an organization's names, region code or address."""
    unit = access_unit(request.auth, id)
    changes = payload.model_dump(exclude_unset=True)
    details = UnitDetails(
        code=unit.code,
        name_ru=changes.get("name_ru", unit.name_ru).strip(),
        name_kk=changes.get("name_kk", unit.name_kk).strip(),
        employer=unit.employer,
        region_code=changes.get("region_code", unit.region_code),
        address=changes.get("address", unit.address).strip(),
    )
    update_organization(actor=request.auth, unit=unit, details=details)
    return access_unit(request.auth, id)


@router.post("/{id}/move", response={200: OrgDetailOut, **WRITE_ERRORS}, summary="Move")
def move_org(request: ApiRequest, id: Id, payload: MoveIn) -> Any:
    """Place the organization, with its subtree, under another parent from `on`."""
    unit = access_unit(request.auth, id)
    new_parent = access_unit(request.auth, payload.parent)
    move_organization(
        actor=request.auth, unit=unit, new_parent=new_parent, on=payload.on
    )
    return access_unit(request.auth, id)


@router.post(
    "/{id}/merge", response={200: OrgDetailOut, **WRITE_ERRORS}, summary="Merge"
)
def merge_org(request: ApiRequest, id: Id, payload: MergeIn) -> Any:
    """Merge into another organization of the same level: its members move there."""
    unit = access_unit(request.auth, id)
    into = access_unit(request.auth, payload.into)
    merge_organization(actor=request.auth, unit=unit, into=into, on=payload.on)
    return access_unit(request.auth, id)


@router.post(
    "/{id}/liquidate",
    response={200: OrgDetailOut, **WRITE_ERRORS},
    summary="Liquidate",
)
def liquidate_org(request: ApiRequest, id: Id, payload: CloseIn) -> Any:
    """Close an organization with no open sub-organizations; its members leave."""
    unit = access_unit(request.auth, id)
    liquidate_organization(actor=request.auth, unit=unit, on=payload.on)
    return access_unit(request.auth, id)


@router.post(
    "/{id}/leave-union",
    response={200: OrgDetailOut, **WRITE_ERRORS},
    summary="Leave the union",
)
def leave_union_org(request: ApiRequest, id: Id, payload: CloseIn) -> Any:
    """The organization leaves the union with its subtree; every membership ends."""
    unit = access_unit(request.auth, id)
    leave_union(actor=request.auth, unit=unit, on=payload.on)
    return access_unit(request.auth, id)


@router.post(
    "/{id}/employees",
    response={200: OrgDetailOut, **WRITE_ERRORS},
    summary="Record employees",
)
def record_org_employees(request: ApiRequest, id: Id, payload: EmployeesIn) -> Any:
    """Record the number of employees of the workplace, counted on a date."""
    unit = access_unit(request.auth, id)
    with fields_renamed(on="counted_on"):
        set_employees(
            actor=request.auth,
            unit=unit,
            counted_on=payload.counted_on,
            employees=payload.employees,
        )
    return access_unit(request.auth, id)
