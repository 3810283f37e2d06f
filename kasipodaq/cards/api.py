"""/api/v1/cards: members' cards and bulk issuing, with the staff's rights.

A member outside the caller's subtrees answers 404 like one that does not exist;
a refusal of a service (no card in force, a card already in force) is a 422.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations
# of the endpoints when the router is built.

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status

from kasipodaq.access.perms import Perm
from kasipodaq.api.auth import ApiRequest
from kasipodaq.api.schemas import READ_ERRORS, WRITE_ERRORS, Id
from kasipodaq.core.dates import today
from kasipodaq.registry.models import Person
from kasipodaq.registry.selectors import access_person, access_unit

from .models import Card, IssueRun, RevokeReason, RunStatus
from .printing import card_png, verify_url
from .selectors import access_run, card_in_force, cards_of
from .services.issuing import issue_card, reissue_card, revoke_card
from .services.printing import record_printed
from .services.runs import start_issue_run
from .standing import CardStatus

router = Router(tags=["cards"])


class CardOut(Schema):
    number: str
    serial: int
    status: CardStatus
    issued_on: dt.date
    org_unit: int
    revoked_on: dt.date | None
    revoke_reason: str | None
    verify_url: str


class MemberCardsOut(Schema):
    member: int
    # The card the member holds now, if any, and every card issued, newest first.
    in_force: CardOut | None
    cards: list[CardOut]


class ReasonIn(Schema):
    reason: RevokeReason


class RunIn(Schema):
    org_unit: Id


class RunOut(Schema):
    id: int
    org_unit: int
    status: RunStatus
    total: int | None
    issued: int


def _card_out(card: Card, status: CardStatus) -> dict[str, Any]:
    return {
        "number": card.number,
        "serial": card.serial,
        "status": status,
        "issued_on": card.issued_on,
        "org_unit": card.org_unit_id,
        "revoked_on": card.revoked_on,
        "revoke_reason": card.revoke_reason or None,
        "verify_url": verify_url(card),
    }


def _cards(person: Person) -> dict[str, Any]:
    cards = cards_of(person, today())
    outs = [_card_out(card, status) for card, status in cards]
    in_force = next((out for out in outs if out["status"] != CardStatus.REVOKED), None)
    return {"member": person.pk, "in_force": in_force, "cards": outs}


def _in_force(person: Person) -> Card:
    card = card_in_force(person, today())
    if card is None:
        raise Http404
    return card


def _run_out(run: IssueRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "org_unit": run.unit_id,
        "status": run.status,
        "total": run.total,
        "issued": run.issued,
    }


@router.get(
    "/members/{id}", response={200: MemberCardsOut, **READ_ERRORS}, summary="Read"
)
def read_member_cards(request: ApiRequest, id: Id) -> Any:
    """A member's cards and their status today."""
    return _cards(access_person(request.auth, id))


@router.post(
    "/members/{id}/issue",
    response={201: MemberCardsOut, **READ_ERRORS},
    summary="Issue",
)
def issue_member_card(request: ApiRequest, id: Id) -> Any:
    """Issue a card to a member who holds none in force."""
    person = access_person(request.auth, id, Perm.CARD_ISSUE)
    issue_card(actor=request.auth, person=person)
    return Status(201, _cards(person))


@router.post(
    "/members/{id}/reissue",
    response={201: MemberCardsOut, **WRITE_ERRORS},
    summary="Reissue",
)
def reissue_member_card(request: ApiRequest, id: Id, payload: ReasonIn) -> Any:
    """Revoke the card in force (lost, damaged, details changed) and issue the next."""
    person = access_person(request.auth, id, Perm.CARD_ISSUE)
    reissue_card(actor=request.auth, card=_in_force(person), reason=payload.reason)
    return Status(201, _cards(person))


@router.post(
    "/members/{id}/revoke",
    response={200: MemberCardsOut, **WRITE_ERRORS},
    summary="Revoke",
)
def revoke_member_card(request: ApiRequest, id: Id, payload: ReasonIn) -> Any:
    """Revoke the card in force."""
    person = access_person(request.auth, id, Perm.CARD_ISSUE)
    revoke_card(actor=request.auth, card=_in_force(person), reason=payload.reason)
    return _cards(person)


@router.get(
    "/members/{id}/card.png",
    response={200: None, **READ_ERRORS},
    summary="Download",
)
def download_member_card(request: ApiRequest, id: Id) -> HttpResponse:
    """The card in force as a PNG image, for those who issue cards; the download
    is audited."""
    card = _in_force(access_person(request.auth, id, Perm.CARD_ISSUE))
    record_printed(actor=request.auth, cards=[card])
    response = HttpResponse(card_png(card), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/runs", response={202: RunOut, **WRITE_ERRORS}, summary="Issue in bulk")
def start_run(request: ApiRequest, payload: RunIn) -> Any:
    """Issue a card to every member under an organization who has none in force,
    in the background; read the run to follow it."""
    unit = access_unit(request.auth, payload.org_unit, Perm.CARD_ISSUE)
    return Status(202, _run_out(start_issue_run(actor=request.auth, unit=unit)))


@router.get("/runs/{id}", response={200: RunOut, **READ_ERRORS}, summary="Read run")
def read_run(request: ApiRequest, id: Id) -> Any:
    """A bulk issue's progress."""
    return _run_out(access_run(request.auth, id))
