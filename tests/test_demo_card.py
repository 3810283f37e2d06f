"""A member's card in the demo union, from the staff page to the public check.

The demo's primary-organization chair downloads a member's card; the QR code read
off the image leads to the public page, which says the card is valid; the chair
ends the membership, and the same code now says revoked.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse
from PIL import Image

from kasipodaq.accounts.models import User
from kasipodaq.core.dates import today
from kasipodaq.registry.demo.builder import DemoSpec, build_demo
from kasipodaq.registry.demo.users import demo_units
from kasipodaq.registry.models import Membership

pytestmark = pytest.mark.django_db


def test_a_demo_members_card_checks_valid_then_revoked_after_leaving() -> None:
    build_demo(DemoSpec(members=500))
    chair = Client(HTTP_ACCEPT_LANGUAGE="en")
    chair.force_login(User.objects.get(username="chair.primary"))
    membership = (
        Membership.objects.filter(org_unit=demo_units()["primary"], left_on=None)
        .order_by("pk")
        .first()
    )
    assert membership is not None
    member = membership.person

    page = chair.get(reverse("members:detail", args=[member.pk]))
    assert reverse("cards:image", args=[member.pk]) in page.content.decode()
    image = chair.get(reverse("cards:image", args=[member.pk]), {"download": "1"})
    assert image.status_code == 200
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.content)))
    address = urlsplit(code.text)

    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    checked = phone.get(address.path)
    assert checked.status_code == 200
    text = checked.content.decode()
    assert "The card is valid" in text
    assert f"{member.first_name} {member.last_name[0]}." in text
    assert member.iin not in text

    left = chair.post(
        reverse("members:leave", args=[member.pk]),
        {"on": today().isoformat(), "reason": "own_wish"},
    )
    assert left.status_code == 302
    assert "The card is revoked" in phone.get(address.path).content.decode()
