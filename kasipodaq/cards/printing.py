"""A card as the member holds it: its face for images, and its check address."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from .images import CardFace, CardLabels, CardLook, render_png, render_sheet_pdf
from .models import Card, CardDesign
from .numbers import display
from .selectors import union_root


def verify_url(card: Card) -> str:
    """The address the card's QR code holds: the public check of its token."""
    base = settings.KASIPODAQ_BASE_URL.rstrip("/")
    return base + reverse("card-check", kwargs={"token": card.token})


def look(design: CardDesign | None = None) -> CardLook:
    """The centre's look, with the union's name from the root of the tree."""
    design = design or CardDesign.current()
    root = union_root()
    return CardLook(
        union_name=root.name if root is not None else "",
        logo=bytes(design.logo) if design.logo else None,
        background=design.background,
        foreground=design.foreground,
    )


def face(card: Card) -> CardFace:
    """What the front of `card` shows (its person and organization loaded)."""
    return CardFace(
        full_name=card.person.full_name,
        number=display(card.number),
        org_name=card.org_unit.name,
        issued_on=card.issued_on,
        serial=card.serial,
        verify_url=verify_url(card),
        labels=labels(),
    )


def labels() -> CardLabels:
    """The card's captions in the active language."""
    return CardLabels(
        title=_("Membership card"),
        number=_("No."),
        issued=_("Issued"),
        serial=_("Serial"),
        scan_hint=_("Scan the code to check the card"),
    )


def card_png(card: Card) -> bytes:
    return render_png(face(card), look())


def cards_pdf(cards: Sequence[Card]) -> bytes:
    return render_sheet_pdf([face(card) for card in cards], look())
