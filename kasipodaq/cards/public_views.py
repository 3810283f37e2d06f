"""The public check of a card (what its QR code opens) and the published keys.

Both answer without a session, cookies or JavaScript. The check page takes its
language from `?lang=` (links on the page) or the browser's, and counts each
client's checks per minute.
"""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from .keys import current_ring
from .selectors import union_root
from .throttle import allow
from .verification import Verdict, check_token

UNION_NAME_SECONDS = 300
_union_name: dict[str, tuple[float, str]] = {}


@require_safe
def check(request: HttpRequest, token: str = "") -> HttpResponse:
    language = request.GET.get("lang", "")
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language
    context: dict[str, object] = {"token": token, "union_name": _union_name_now()}
    if not token:
        return _page(context, status=200)
    if not allow(
        "card-check",
        _client(request),
        per_minute=settings.KASIPODAQ_CARD_CHECKS_PER_MINUTE,
    ):
        return _page({**context, "throttled": True}, status=429)
    now = timezone.localtime()
    result = check_token(token, on=now.date())
    return _page(
        {**context, "check": result, "checked_at": now, "Verdict": Verdict},
        status=200,
    )


@require_safe
def public_keys(request: HttpRequest) -> JsonResponse:
    """The keys that verify cards' tokens, for checking cards offline."""
    response = JsonResponse({"keys": current_ring().published()})
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _page(context: dict[str, object], *, status: int) -> HttpResponse:
    # Rendered without the request: no staff context processors, no session read.
    response = HttpResponse(
        render_to_string("cards/check.html", context), status=status
    )
    # The answer changes the day a membership ends; the token is the holder's.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    if status == 429:
        response["Retry-After"] = "60"
    return response


def _client(request: HttpRequest) -> str:
    """Whom to count a check against: the client's address, from the header the
    proxy in front sets if one is named — its last entry, the one the proxy wrote
    (a client can put anything before it) — and an IPv6 client by its /64 network,
    which one household or phone holds whole."""
    header = settings.KASIPODAQ_CLIENT_ADDRESS_HEADER
    address = request.META.get(header, "") if header else ""
    address = address.rsplit(",", 1)[-1].strip() or request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _union_name_now() -> str:
    """The union's name (its central unit's) in the active language, kept a while."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    kept = _union_name.get(language)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    root = union_root()
    name = root.name if root is not None else ""
    _union_name[language] = (time.monotonic() + UNION_NAME_SECONDS, name)
    return name
