"""The bare figure of card_checks.py: a card check with no product code in the way.

    DATABASE_URL=… KASIPODAQ_CARD_KEYS=… gunicorn --pythonpath benchmarks \\
        bare_check_app:application

A minimal Django app, configured in this file: no middleware, no templates, one
URL. ``GET /v/<token>`` decodes the token, verifies its Ed25519 signature with the
public key of the first key in KASIPODAQ_CARD_KEYS (the same JSON records the
product reads), and reads the card's row from ``cards_card`` through its unique
(number, serial) index — one indexed row, like a primary-key read — on the same
PostgreSQL. It answers ``valid …`` in plain text, 404 for an unknown card and 400
for a token that is not genuine. The product's page does the same work plus its
own (middleware, the throttle, the membership's state, the template).
"""

from __future__ import annotations

import base64
import binascii
import json
import os

import dj_database_url
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import re_path

SIGNATURE_BYTES = 64

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY=os.environ.get("SECRET_KEY") or "bare-check-app-signs-nothing",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={
            "default": dj_database_url.parse(
                os.environ["DATABASE_URL"], conn_max_age=60
            )
        },
        USE_TZ=True,
        USE_I18N=False,
    )


def _public_key() -> Ed25519PublicKey:
    record = json.loads(os.environ["KASIPODAQ_CARD_KEYS"])[0]
    seed = str(record["private"])
    raw = base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4))
    return Ed25519PrivateKey.from_private_bytes(raw).public_key()


PUBLIC_KEY = _public_key()


def check(request: HttpRequest, token: str) -> HttpResponse:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, binascii.Error):
        return HttpResponse("invalid", status=400, content_type="text/plain")
    payload, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        PUBLIC_KEY.verify(signature, payload)
    except InvalidSignature:
        return HttpResponse("invalid", status=400, content_type="text/plain")
    # version (1) | key id (1 + n) | number (5) | serial (2) | …
    at = 2 + payload[1]
    number = f"{int.from_bytes(payload[at : at + 5], 'big'):010d}"
    serial = int.from_bytes(payload[at + 5 : at + 7], "big")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, person_id, issued_on, revoked_on FROM cards_card "
            "WHERE number = %s AND serial = %s",
            [number, serial],
        )
        row = cursor.fetchone()
    if row is None:
        return HttpResponse("unknown", status=404, content_type="text/plain")
    return HttpResponse(f"valid {row}", content_type="text/plain")


urlpatterns = [re_path(r"^v/(?P<token>.+)$", check)]

application = get_wsgi_application()
