"""/api/v1/dues: a member's dues, cash, an organization's month and arrears.

Amounts are tenge as decimal strings with two places ("1500.00"), never floats.
A member or organization outside the caller's subtrees answers 404 like one that
does not exist; a refusal of a service is a 422 with its message.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations
# of the endpoints when the router is built.

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field

from kasipodaq.access.perms import Perm
from kasipodaq.api.auth import ApiRequest
from kasipodaq.api.schemas import READ_ERRORS, WRITE_ERRORS, Id
from kasipodaq.core.dates import today
from kasipodaq.registry.selectors import access_person, access_unit
from kasipodaq.registry.services.viewing import record_member_view

from .models import Charge, Payment, PaymentMethod
from .money import to_tenge, to_tiyn
from .months import parse_month
from .selectors import arrears_under, member_dues, month_figures
from .services.accrual import accrue_month
from .services.cash import record_cash

router = Router(tags=["dues"])

Month = Annotated[
    str,
    Field(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", examples=["2026-03"]),
]
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class ChargeOut(Schema):
    month: Month
    org_unit: int
    category: str
    salary: Decimal | None
    amount: Decimal
    exempt: bool


class PaymentOut(Schema):
    id: int
    amount: Decimal
    method: PaymentMethod
    # A payroll list's line, the provider's transaction, a receipt's number.
    reference: str
    month: Month | None
    paid_on: dt.date
    org_unit: int


class MemberDuesOut(Schema):
    member: int
    months_overdue: int
    charges: list[ChargeOut] = Field(description="The last twelve, newest first.")
    payments: list[PaymentOut] = Field(description="The last twelve, newest first.")


class CashIn(Schema):
    amount: Amount
    paid_on: dt.date
    month: Month | None = Field(
        None, description="The month it pays; none: the oldest owed first."
    )


class AccrualIn(Schema):
    month: Month


class AccrualOut(Schema):
    month: Month
    charges: int
    total: Decimal
    created: int
    updated: int
    removed: int
    without_salary: int = Field(
        description="Working members with no salary on the lists: charged nothing."
    )


class MonthOut(Schema):
    month: Month
    charges: int
    charged: Decimal
    collected: Decimal = Field(description="Received in the month, whatever month.")
    rate: int | None = Field(description="Collected as a whole percent of charged.")


class ArrearsOut(Schema):
    member: int
    full_name: str
    months_overdue: int


def _month(month: dt.date | None) -> str | None:
    return None if month is None else f"{month:%Y-%m}"


def _charge_out(charge: Charge) -> dict[str, Any]:
    return {
        "month": _month(charge.month),
        "org_unit": charge.org_unit_id,
        "category": charge.category,
        "salary": None if charge.base_tiyn is None else to_tenge(charge.base_tiyn),
        "amount": to_tenge(charge.amount_tiyn),
        "exempt": charge.exempt,
    }


def _payment_out(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "amount": to_tenge(payment.amount_tiyn),
        "method": payment.method,
        "reference": payment.reference,
        "month": _month(payment.month),
        "paid_on": payment.paid_on,
        "org_unit": payment.org_unit_id,
    }


def _parsed(month: str) -> dt.date:
    found = parse_month(month)
    if found is None:  # the schema's pattern lets no such month through
        raise Http404
    return found


@router.get(
    "/members/{id}", response={200: MemberDuesOut, **READ_ERRORS}, summary="Read"
)
def read_member_dues(request: ApiRequest, id: Id) -> Any:
    """A member's months overdue, last charges and payments; audited as a view of
    their record."""
    person = access_person(request.auth, id, Perm.DUES_VIEW)
    record_member_view(actor=request.auth, person=person)
    dues = member_dues(person, today())
    return {
        "member": person.pk,
        "months_overdue": dues.months_overdue,
        "charges": [_charge_out(charge) for charge in dues.charges],
        "payments": [_payment_out(payment) for payment in dues.payments],
    }


@router.post(
    "/members/{id}/cash",
    response={201: PaymentOut, **WRITE_ERRORS},
    summary="Record cash",
)
def record_member_cash(request: ApiRequest, id: Id, payload: CashIn) -> Any:
    """Record dues paid in cash; the payment's reference is its receipt's number."""
    person = access_person(request.auth, id, Perm.DUES_MANAGE)
    payment = record_cash(
        actor=request.auth,
        person=person,
        amount_tiyn=to_tiyn(payload.amount),
        paid_on=payload.paid_on,
        month=None if payload.month is None else _parsed(payload.month),
    )
    return Status(201, _payment_out(payment))


@router.get(
    "/orgs/{id}/months/{month}",
    response={200: MonthOut, **READ_ERRORS},
    summary="Read month",
)
def read_org_month(request: ApiRequest, id: Id, month: Month) -> Any:
    """An organization's month, its subtree included: charged, collected, rate."""
    unit = access_unit(request.auth, id, Perm.DUES_VIEW)
    figures = month_figures(unit, _parsed(month))
    return {
        "month": month,
        "charges": figures.charges,
        "charged": to_tenge(figures.charged_tiyn),
        "collected": to_tenge(figures.collected_tiyn),
        "rate": figures.rate,
    }


@router.post(
    "/orgs/{id}/accruals",
    response={200: AccrualOut, **WRITE_ERRORS},
    summary="Accrue",
)
def accrue_org_month(request: ApiRequest, id: Id, payload: AccrualIn) -> Any:
    """Accrue (or correct) a month's charges of every member under the
    organization; running it again never duplicates a charge."""
    unit = access_unit(request.auth, id, Perm.DUES_MANAGE)
    accrued = accrue_month(actor=request.auth, month=_parsed(payload.month), unit=unit)
    return {
        "month": payload.month,
        "charges": accrued.charges,
        "total": to_tenge(accrued.total_tiyn),
        "created": accrued.created,
        "updated": accrued.updated,
        "removed": accrued.removed,
        "without_salary": accrued.without_salary,
    }


@router.get(
    "/orgs/{id}/arrears",
    response={200: list[ArrearsOut], **READ_ERRORS},
    summary="Arrears",
)
def list_org_arrears(request: ApiRequest, id: Id) -> Any:
    """The members under the organization with months overdue today, the longest
    overdue first (the first hundred)."""
    unit = access_unit(request.auth, id, Perm.DUES_VIEW)
    return [
        {"member": person.pk, "full_name": person.full_name, "months_overdue": n}
        for person, n in arrears_under(unit, today())
    ]
