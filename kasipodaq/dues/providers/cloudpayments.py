"""CloudPayments, as its public documentation (developers.cloudpayments.ru) has it.

The API (https://api.cloudpayments.ru) takes JSON over HTTPS with HTTP Basic
authentication (the site's Public ID and its API secret; 401 otherwise) and
answers ``{"Success": …, "Message": …, "Model": {…}}``. Success only says whether
the request went through: a transaction's fate is its ``Model.Status``
("Completed", or "Declined" with a ``ReasonCode``). Kasipodaq uses two methods:
``/orders/create`` makes a page where the member pays the first time (the card's
token comes back in the Pay notification), and ``/payments/tokens/charge``
charges that token every month, started by us on a schedule (TrInitiatorCode 0,
PaymentScheduled 1). The same ``X-Request-ID`` within an hour gets the first
answer without a second charge, so a request that got no answer is sent once
more under the same one.

Notifications (Check, Pay, Fail) arrive as ``application/x-www-form-urlencoded``
POSTs carrying two signatures, each the base64 HMAC-SHA256 keyed with the API
secret: ``Content-HMAC`` of the body as sent (URL-encoded) and ``X-Content-HMAC``
of its URL-decoded form. Only the first is checked: decoding loses where one
field ends, so a signed body could be re-encoded into other fields under the
same X-Content-HMAC. A Check is answered with the protocol's code; a Pay or a
Fail only ever with 0 (any other code makes the provider deliver it again).
Each kind goes to its own address on our side.

The settings are read when a call is made, never at import:
``KASIPODAQ_PAYMENT_PROVIDER = {"api_url": …, "public_id": …, "api_secret": …}``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from ..money import NotMoney, to_tenge, to_tiyn
from .base import (
    BadNotification,
    ChargeResult,
    EventKind,
    ProviderError,
    ProviderEvent,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Content-HMAC"
TIMEOUT_SECONDS = 15
# A request without an answer is sent this many times more, under the same
# X-Request-ID (the provider keeps its first answer for an hour), after a pause.
REPEATS = 1
REPEAT_PAUSE_SECONDS = 0.5
# HTTP statuses worth repeating: too many requests at once, the provider's faults.
REPEATABLE_STATUS = {429, 500, 502, 503, 504}
# A transaction's Model.Status once it is settled.
COMPLETED = "Completed"
DECLINED = "Declined"
REQUIRED_KEYS = ("api_url", "public_id", "api_secret")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# The operation's time in a notification, in UTC.
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A token charge started by us, not by the cardholder (TrInitiatorCode), and
# made on a schedule agreed with them (PaymentScheduled).
MERCHANT_INITIATED = 0
SCHEDULED = 1


def sign(body: bytes, secret: str) -> str:
    """The Content-HMAC of a notification: of its body as sent, URL-encoded."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_valid(body: bytes, signature: str | None, secret: str) -> bool:
    if not signature or not secret:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), signature.encode())


def provider_problems(config: Any) -> list[str]:
    """What is wrong with KASIPODAQ_PAYMENT_PROVIDER, for the system check."""
    if not isinstance(config, Mapping):
        return ["KASIPODAQ_PAYMENT_PROVIDER must be a JSON object."]
    problems = [
        f"KASIPODAQ_PAYMENT_PROVIDER has no {key!r}."
        for key in REQUIRED_KEYS
        if not isinstance(config.get(key), str) or not config.get(key)
    ]
    url = config.get("api_url")
    if isinstance(url, str) and url:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and parts.hostname in LOOPBACK
        ):
            problems.append(
                "KASIPODAQ_PAYMENT_PROVIDER api_url must use HTTPS "
                "(plain HTTP only to this machine, for the simulator)."
            )
    return problems


def amount_text(tiyn: int) -> str:
    """Tiyn as CloudPayments writes an amount: tenge with two decimals."""
    return format(to_tenge(tiyn), "f")


@dataclass(frozen=True)
class CloudPayments:
    api_url: str
    public_id: str
    api_secret: str

    @classmethod
    def from_settings(cls) -> CloudPayments | None:
        """The provider configured now; None when card payments are not set up."""
        config = getattr(settings, "KASIPODAQ_PAYMENT_PROVIDER", None)
        if not config or provider_problems(config):
            return None
        return cls(
            api_url=config["api_url"].rstrip("/"),
            public_id=config["public_id"],
            api_secret=config["api_secret"],
        )

    def __repr__(self) -> str:  # never the secret in a log or a traceback
        return f"CloudPayments({self.api_url!r}, {self.public_id!r})"

    # The API.

    def charge_token(
        self,
        *,
        token: str,
        account_id: str,
        amount_tiyn: int,
        currency: str,
        invoice_id: str,
        description: str,
        data: Mapping[str, Any],
        request_id: str,
    ) -> ChargeResult:
        answer = self.call(
            "/payments/tokens/charge",
            {
                "Amount": amount_tiyn,
                "Currency": currency,
                "AccountId": account_id,
                "Token": token,
                "InvoiceId": invoice_id,
                "Description": description,
                "JsonData": dict(data),
                "TrInitiatorCode": MERCHANT_INITIATED,
                "PaymentScheduled": SCHEDULED,
            },
            request_id=request_id,
        )
        return charge_result(answer)

    def payment_page(
        self,
        *,
        account_id: str,
        amount_tiyn: int,
        currency: str,
        invoice_id: str,
        description: str,
        email: str,
        data: Mapping[str, Any],
    ) -> str:
        answer = self.call(
            "/orders/create",
            {
                "Amount": amount_tiyn,
                "Currency": currency,
                "Description": description,
                "InvoiceId": invoice_id,
                "AccountId": account_id,
                "Email": email,
                "JsonData": dict(data),
                "RequireConfirmation": False,
                "SendEmail": False,
            },
            request_id=f"order-{invoice_id}-{amount_tiyn}",
        )
        model = answer.get("Model")
        if answer.get("Success") is not True or not isinstance(model, dict):
            raise ProviderError(str(answer.get("Message") or "no payment page"))
        url = model.get("Url")
        if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in {
            "https",
            "http",
        }:
            raise ProviderError("a payment page without its address")
        return url

    def call(
        self, path: str, body: dict[str, Any], *, request_id: str
    ) -> dict[str, Any]:
        """POST `body` (its "Amount" in tiyn) to the API; the decoded answer.
        Sent once more under the same X-Request-ID when no answer came."""
        raw = self._exchange(path, _json(body).encode(), request_id)
        try:
            answer = json.loads(raw)
        except ValueError:
            raise ProviderError("an answer that is not JSON") from None
        if not isinstance(answer, dict):
            raise ProviderError("an answer that is not an object")
        return answer

    def _exchange(self, path: str, payload: bytes, request_id: str) -> bytes:
        """The answer's body, the request repeated while none came."""
        for _repeat in range(REPEATS):
            try:
                return self._post(path, payload, request_id)
            except _NoAnswer:
                time.sleep(REPEAT_PAUSE_SECONDS)
        try:
            return self._post(path, payload, request_id)
        except _NoAnswer as exc:
            raise ProviderError(str(exc)) from None

    def _post(self, path: str, payload: bytes, request_id: str) -> bytes:
        """One HTTP exchange; _NoAnswer when it may be repeated."""
        credentials = base64.b64encode(
            f"{self.public_id}:{self.api_secret}".encode()
        ).decode("ascii")
        request = urllib.request.Request(  # noqa: S310 (https, checked in settings)
            self.api_url + path,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Basic {credentials}",
                "X-Request-ID": request_id,
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=TIMEOUT_SECONDS
            ) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            log.warning("CloudPayments %s answered HTTP %s", path, exc.code)
            if exc.code in REPEATABLE_STATUS:
                raise _NoAnswer(f"HTTP {exc.code}") from None
            raise ProviderError(f"HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            log.warning("CloudPayments %s unreachable: %s", path, exc)
            raise _NoAnswer("unreachable") from None

    # Notifications.

    def parse_notification(
        self, *, kind: str, body: bytes, headers: Mapping[str, str]
    ) -> ProviderEvent:
        if not signature_valid(body, headers.get(SIGNATURE_HEADER), self.api_secret):
            raise BadNotification("signature")
        try:
            event_kind = EventKind(kind)
            fields = dict(
                urllib.parse.parse_qsl(
                    body.decode("utf-8"), keep_blank_values=True, strict_parsing=True
                )
            )
        except (ValueError, UnicodeDecodeError):
            raise BadNotification("form") from None
        return event_from_fields(event_kind, fields)


class _NoAnswer(Exception):
    """No answer that says anything: the same request may be sent again."""


def charge_result(answer: Mapping[str, Any]) -> ChargeResult:
    """What a token charge's answer says: paid once its transaction is
    Completed, declined with the reason code once it is Declined, refused with
    the Message when no transaction was made; ProviderError otherwise (its
    notification will tell)."""
    model = answer.get("Model")
    if not isinstance(model, dict) or not model.get("TransactionId"):
        if answer.get("Success") is True:
            raise ProviderError("a payment without its transaction")
        # Refused before any transaction (a token unknown or revoked, …).
        return ChargeResult(
            paid=False, transaction_id="", message=str(answer.get("Message") or "")
        )
    transaction = str(model["TransactionId"])
    status = model.get("Status")
    if answer.get("Success") is True and status == COMPLETED:
        return ChargeResult(paid=True, transaction_id=transaction)
    if answer.get("Success") is not True and _declined(model):
        return ChargeResult(
            paid=False,
            transaction_id=transaction,
            reason_code=_int(model.get("ReasonCode")),
            message=str(model.get("CardHolderMessage") or model.get("Reason") or ""),
        )
    raise ProviderError(f"transaction {transaction} not settled ({status})")


def _declined(model: Mapping[str, Any]) -> bool:
    """Declined, by its status (or, with none given, by a reason code)."""
    status = model.get("Status")
    if status is None:
        return bool(_int(model.get("ReasonCode")))
    return bool(status == DECLINED)


def event_from_fields(kind: EventKind, fields: dict[str, str]) -> ProviderEvent:
    """A notification's form fields as an event; BadNotification when the
    essentials are missing or malformed."""
    transaction = fields.get("TransactionId", "").strip()
    if not transaction.isdigit():
        raise BadNotification("TransactionId")
    try:
        amount = to_tiyn(Decimal(fields.get("Amount", "")))
    except (NotMoney, ArithmeticError, ValueError):
        raise BadNotification("Amount") from None
    try:
        data = json.loads(fields["Data"]) if fields.get("Data") else {}
    except ValueError:
        raise BadNotification("Data") from None
    occurred_at = None
    if fields.get("DateTime"):
        try:
            occurred_at = dt.datetime.strptime(
                fields["DateTime"], DATETIME_FORMAT
            ).replace(tzinfo=dt.UTC)
        except ValueError:
            raise BadNotification("DateTime") from None
    last_four = fields.get("CardLastFour", "")
    mask = (
        f"{fields.get('CardType', '')} •••• {last_four}".strip()
        if last_four.isdigit() and len(last_four) == 4
        else ""
    )
    return ProviderEvent(
        kind=kind,
        transaction_id=transaction,
        amount_tiyn=amount,
        currency=fields.get("Currency", ""),
        invoice_id=fields.get("InvoiceId", ""),
        account_id=fields.get("AccountId", ""),
        occurred_at=occurred_at,
        token=fields.get("Token", ""),
        card_mask=mask,
        reason=fields.get("Reason", ""),
        reason_code=_int(fields.get("ReasonCode")),
        test_mode=fields.get("TestMode", "") in {"1", "true", "True"},
        data=data if isinstance(data, dict) else {},
        fields={k: v for k, v in fields.items() if k != "Token"},
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json(body: dict[str, Any]) -> str:
    """JSON with "Amount" (given in tiyn) written as an exact decimal number."""
    tiyn = body.pop("Amount")
    text = json.dumps({"Amount": "\0", **body}, ensure_ascii=False)
    return text.replace('"\\u0000"', amount_text(tiyn), 1)
