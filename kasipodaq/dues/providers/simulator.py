"""A local stand-in for CloudPayments that speaks its protocol over HTTP.

It answers the API (HTTP Basic auth with the Public ID and API secret, JSON in and
out, a repeated X-Request-ID answered as the first time for an hour): ``/test``,
``/orders/create`` and ``/payments/tokens/charge`` (TrInitiatorCode required); it
serves the page an order links to, where a test card is "paid" with; and it posts
Check/Pay/Fail notifications (form-encoded, with the fields the documentation
lists for each kind, signed in ``Content-HMAC`` and ``X-Content-HMAC``) to
``<notify_url><kind>/``. Everything lives in memory. Tests run it in a thread on a
free port; ``kasipodaq payment-simulator`` runs it for the demo.

The test cards are those CloudPayments documents for its test terminals: with
3-D Secure and without, some pay, some are declined for want of money (5051), and
two pay the first time but decline every charge of their token.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import html
import itertools
import json
import logging
import queue
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .cloudpayments import COMPLETED, DATETIME_FORMAT, DECLINED, sign

log = logging.getLogger(__name__)

# Cards that pay, by number, with their scheme.
PAYING_CARDS = {
    "4242424242424242": "Visa",
    "5555555555554444": "Mastercard",
    "4111111111111111": "Visa",
    "5200828282828210": "Mastercard",
}
# Cards declined with a reason code, by number.
DECLINED_CARDS = {
    "4012888888881881": ("Visa", 5051),
    "5105105105105100": ("Mastercard", 5051),
    "4000056655665556": ("Visa", 5051),
    "5404000000000043": ("Mastercard", 5051),
}
# Cards that pay, but every charge of whose token is declined with a reason code.
TOKEN_DECLINES = {"4111111111111111": 5051, "5200828282828210": 5051}
# A reason code's Reason and CardHolderMessage.
REASONS = {
    5051: ("InsufficientFunds", "Insufficient funds on the card"),
    5005: ("DoNotHonor", "Contact your bank or use another card"),
    5054: ("ExpiredCard", "Check the card details or use another card"),
}
# How long an answer is kept for a repeated X-Request-ID.
REQUEST_ID_KEPT_SECONDS = 3600
# What a token charge must carry, and the values a flag may take.
CHARGE_REQUIRED = ("Amount", "AccountId", "Token", "TrInitiatorCode")
FLAGS = {"TrInitiatorCode": (0, 1), "PaymentScheduled": (0, 1)}
# Fields of a Pay notification that a Check has not (the payment is not made yet).
PAY_ONLY = ("Token", "GatewayName", "AuthCode", "TotalFee")


def sign_decoded(body: bytes, secret: str) -> str:
    """The X-Content-HMAC of a notification: of its body URL-decoded."""
    return sign(urllib.parse.unquote_plus(body.decode()).encode(), secret)


@dataclass
class Order:
    number: str
    amount: Decimal
    currency: str
    invoice_id: str
    account_id: str
    description: str
    email: str
    json_data: Any
    paid: bool = False


@dataclass
class SavedCard:
    account_id: str
    number: str
    card_type: str
    # Set by a test: every charge of this token is declined with this code.
    declines_with: int | None = None


@dataclass
class Delivery:
    kind: str
    body: bytes
    status: int
    answer: Any


@dataclass
class Simulator:
    public_id: str
    api_secret: str
    notify_url: str
    host: str = "127.0.0.1"
    port: int = 0
    # Whether notifications are posted on their own (tests may post by hand).
    deliver: bool = True
    orders: dict[str, Order] = field(default_factory=dict)
    cards: dict[str, SavedCard] = field(default_factory=dict)
    transactions: dict[int, dict[str, str]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    charge_requests: list[dict[str, Any]] = field(default_factory=list)
    # The seconds an answer to an X-Request-ID is kept are counted on this.
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str], tuple[float, Any]] = {}
        self._outbox: queue.Queue[tuple[str, dict[str, str]] | None] = queue.Queue()
        self._server: ThreadingHTTPServer | None = None
        self._flowing = threading.Event()
        self._flowing.set()

    # Running.

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> Simulator:
        simulator = self

        class Handler(_Handler):
            owner = simulator

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        threading.Thread(target=self._post_notifications, daemon=True).start()
        return self

    def stop(self) -> None:
        self._flowing.set()
        self._outbox.put(None)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def pause(self) -> None:
        """Hold queued notifications back until `drain` (a test's shop may share
        one database connection between its threads)."""
        self._flowing.clear()

    def drain(self) -> None:
        """Post every notification queued so far, and wait until they are."""
        self._flowing.set()
        self._outbox.join()

    # What tests steer and read.

    def decline_token(self, token: str, reason_code: int = 5051) -> None:
        self.cards[token].declines_with = reason_code

    def notify(self, kind: str, fields: dict[str, str]) -> Delivery:
        """Post a signed notification now; what our side answered."""
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(  # noqa: S310 (our own notify_url)
            self.notify_url + kind + "/",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-HMAC": sign(body, self.api_secret),
                "X-Content-HMAC": sign_decoded(body, self.api_secret),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except OSError as exc:
            log.warning("notification %s not delivered: %s", kind, exc)
            status, raw = 0, b""
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = raw.decode(errors="replace")
        delivery = Delivery(kind=kind, body=body, status=status, answer=answer)
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    def redeliver(self, delivery: Delivery) -> Delivery:
        """The same notification posted again, byte for byte."""
        return self.notify(
            delivery.kind, dict(urllib.parse.parse_qsl(delivery.body.decode()))
        )

    # Inside.

    def _queue(self, kind: str, fields: dict[str, str]) -> None:
        if self.deliver:
            self._outbox.put((kind, fields))

    def _post_notifications(self) -> None:
        while True:
            item = self._outbox.get()
            self._flowing.wait()
            try:
                if item is None:
                    return
                self.notify(*item)
            finally:
                self._outbox.task_done()

    def _transaction(
        self,
        *,
        amount: Decimal,
        currency: str,
        invoice_id: str,
        account_id: str,
        email: str,
        description: str,
        json_data: Any,
        number: str,
        card_type: str,
        token: str,
        reason_code: int | None,
    ) -> dict[str, str]:
        """A transaction's notification fields: a Pay's, or with a reason code a
        Fail's (which has no status and no gateway)."""
        with self._lock:
            transaction_id = next(self._ids)
        fields = {
            "TransactionId": str(transaction_id),
            "Amount": f"{amount:.2f}",
            "Currency": currency,
            "PaymentAmount": f"{amount:.2f}",
            "PaymentCurrency": currency,
            "OperationType": "Payment",
            "InvoiceId": invoice_id,
            "AccountId": account_id,
            "SubscriptionId": "",
            "Name": "CARD HOLDER",
            "Email": email,
            "DateTime": dt.datetime.now(dt.UTC).strftime(DATETIME_FORMAT),
            "IpAddress": "127.0.0.1",
            "CardFirstSix": number[:6],
            "CardLastFour": number[-4:],
            "CardType": card_type,
            "CardExpDate": "12/30",
            "TestMode": "1",
            "Description": description,
            "Data": json.dumps(json_data) if json_data is not None else "",
        }
        if reason_code is None:
            fields.update(
                Status=COMPLETED,
                GatewayName="Test",
                AuthCode="A1B2C3",
                Token=token,
                TotalFee="0",
            )
        else:
            reason, _message = REASONS.get(reason_code, ("Declined", "Declined"))
            fields.update(Reason=reason, ReasonCode=str(reason_code))
        self.transactions[transaction_id] = fields
        return fields

    def create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        missing = _missing(body, ("Amount", "Description"))
        if missing:
            return missing
        with self._lock:
            number = str(next(self._ids))
        self.orders[number] = Order(
            number=number,
            amount=body["Amount"],
            currency=body.get("Currency", "RUB"),
            invoice_id=str(body.get("InvoiceId", "")),
            account_id=str(body.get("AccountId", "")),
            description=str(body["Description"]),
            email=str(body.get("Email") or ""),
            json_data=body.get("JsonData"),
        )
        return {
            "Success": True,
            "Message": None,
            "Model": {
                "Id": number,
                "Number": int(number),
                "Amount": body["Amount"],
                "Currency": body.get("Currency", "RUB"),
                "Email": body.get("Email"),
                "Description": body["Description"],
                "RequireConfirmation": bool(body.get("RequireConfirmation")),
                "Url": f"{self.url}/pay/{number}",
                "StatusCode": 0,
                "Status": "Created",
            },
        }

    def pay_order(self, number: str, card: str) -> tuple[bool, str]:
        """The member pays an order with a test card; (paid, what they see)."""
        order = self.orders[number]
        if order.paid:
            return True, "Paid"
        if card in PAYING_CARDS:
            card_type, reason_code = PAYING_CARDS[card], None
        elif card in DECLINED_CARDS:
            card_type, reason_code = DECLINED_CARDS[card]
        else:
            return False, "Unknown test card"
        token = f"tk_{number}_{card[-4:]}"
        fields = self._transaction(
            amount=order.amount,
            currency=order.currency,
            invoice_id=order.invoice_id,
            account_id=order.account_id,
            email=order.email,
            description=order.description,
            json_data=order.json_data,
            number=card,
            card_type=card_type,
            token=token,
            reason_code=reason_code,
        )
        if self.deliver and reason_code is None:
            # The shop may refuse the payment before it is made (Check).
            check = {k: v for k, v in fields.items() if k not in PAY_ONLY}
            answer = self.notify("check", check).answer
            code = answer.get("code") if isinstance(answer, dict) else None
            if code != 0:
                del self.transactions[int(fields["TransactionId"])]
                return False, f"Refused by the shop (code {code})"
        if reason_code is None:
            self.cards[token] = SavedCard(order.account_id, card, card_type)
            order.paid = True
        # The shop hears of the payment before the payer sees its result.
        if self.deliver:
            self.notify("pay" if reason_code is None else "fail", fields)
        if reason_code is None:
            return True, "Paid"
        return False, REASONS[reason_code][1]

    def charge_token(self, body: dict[str, Any]) -> dict[str, Any]:
        self.charge_requests.append(body)
        refused = _missing(body, CHARGE_REQUIRED) or _bad_flags(body)
        if refused:
            return refused
        saved = self.cards.get(str(body["Token"]))
        if saved is None or saved.account_id != str(body["AccountId"]):
            return {"Success": False, "Message": "Token not found", "Model": None}
        reason_code = saved.declines_with or TOKEN_DECLINES.get(saved.number)
        fields = self._transaction(
            amount=body["Amount"],
            currency=body.get("Currency", "RUB"),
            invoice_id=str(body.get("InvoiceId", "")),
            account_id=saved.account_id,
            email=str(body.get("Email") or ""),
            description=str(body.get("Description") or ""),
            json_data=body.get("JsonData"),
            number=saved.number,
            card_type=saved.card_type,
            token=str(body["Token"]),
            reason_code=reason_code,
        )
        self._queue("pay" if reason_code is None else "fail", fields)
        model: dict[str, Any] = {
            "TransactionId": int(fields["TransactionId"]),
            "Amount": body["Amount"],
            "Currency": fields["Currency"],
            "InvoiceId": fields["InvoiceId"],
            "AccountId": fields["AccountId"],
            "TrInitiatorCode": body["TrInitiatorCode"],
            "CardFirstSix": fields["CardFirstSix"],
            "CardLastFour": fields["CardLastFour"],
            "CardType": fields["CardType"],
            "TestMode": True,
            "Token": str(body["Token"]),
        }
        if reason_code is None:
            model.update(
                Status=COMPLETED,
                StatusCode=3,
                Reason="Approved",
                ReasonCode=0,
                CardHolderMessage="Payment made",
            )
            return {"Success": True, "Message": None, "Model": model}
        reason, message = REASONS.get(reason_code, ("Declined", "Declined"))
        model.update(
            Status=DECLINED,
            StatusCode=5,
            Reason=reason,
            ReasonCode=reason_code,
            CardHolderMessage=message,
        )
        return {"Success": False, "Message": None, "Model": model}

    def answer_api(
        self, path: str, body: dict[str, Any], request_id: str
    ) -> dict[str, Any]:
        """An API call's answer; an X-Request-ID repeated within the hour gets
        the first answer, and nothing is done again."""
        key = (path, request_id)
        now = self.clock()
        kept = self._answers.get(key) if request_id else None
        if kept is not None and now - kept[0] < REQUEST_ID_KEPT_SECONDS:
            return dict(kept[1])
        if path == "/test":
            answer: dict[str, Any] = {
                "Success": True,
                "Message": request_id or str(uuid.uuid4()),
            }
        elif path == "/orders/create":
            answer = self.create_order(body)
        elif path == "/payments/tokens/charge":
            answer = self.charge_token(body)
        else:
            answer = {"Success": False, "Message": "Method not found"}
        if request_id:
            self._answers[key] = (now, answer)
        return answer

    def authorized(self, header: str | None) -> bool:
        expected = base64.b64encode(
            f"{self.public_id}:{self.api_secret}".encode()
        ).decode()
        return header is not None and hmac.compare_digest(
            header.encode(), f"Basic {expected}".encode()
        )


def _missing(body: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any] | None:
    """The answer to a request without a required parameter, if it is one."""
    for name in names:
        if body.get(name) in (None, ""):
            return {"Success": False, "Message": f"{name} is required"}
    return None


def _bad_flags(body: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to a request with a flag out of its values, if it is one."""
    for name, values in FLAGS.items():
        if name in body and body[name] not in values:
            return {"Success": False, "Message": f"Invalid {name} value"}
    return None


def _number(value: Any) -> Any:
    """A Decimal written as the JSON number it is (the rest as text)."""
    return float(value) if isinstance(value, Decimal) else str(value)


_PAY_PATH = re.compile(r"^/pay/(\d+)$")


class _Handler(BaseHTTPRequestHandler):
    owner: Simulator
    server_version = "CloudPaymentsSimulator/1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def do_GET(self) -> None:
        found = _PAY_PATH.match(self.path)
        order = self.owner.orders.get(found[1]) if found else None
        if order is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found", "text/plain")
            return
        self._page(order, "")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        found = _PAY_PATH.match(self.path)
        if found:
            order = self.owner.orders.get(found[1])
            if order is None:
                self._send(HTTPStatus.NOT_FOUND, b"Not found", "text/plain")
                return
            form = dict(urllib.parse.parse_qsl(raw.decode(errors="replace")))
            card = re.sub(r"\D", "", form.get("card", ""))
            _paid, said = self.owner.pay_order(order.number, card)
            self._page(order, said)
            return
        if not self.owner.authorized(self.headers.get("Authorization")):
            self._json(HTTPStatus.UNAUTHORIZED, {"Success": False, "Message": None})
            return
        try:
            body = json.loads(raw or b"{}", parse_float=Decimal)
            if not isinstance(body, dict):
                raise ValueError
            if "Amount" in body:
                body["Amount"] = Decimal(str(body["Amount"]))
        except (ValueError, InvalidOperation):
            self._json(HTTPStatus.OK, {"Success": False, "Message": "Bad request"})
            return
        answer = self.owner.answer_api(
            self.path, body, self.headers.get("X-Request-ID", "")
        )
        self._json(HTTPStatus.OK, answer)

    def _page(self, order: Order, said: str) -> None:
        cards = "".join(
            f"<li><code>{number}</code> — {kind}</li>"
            for number, kind in [
                *(
                    (n, "pays; its token charges are declined")
                    if n in TOKEN_DECLINES
                    else (n, "pays")
                    for n in PAYING_CARDS
                ),
                *((n, "declined, insufficient funds") for n in DECLINED_CARDS),
            ]
        )
        form = (
            ""
            if order.paid
            else f"""<form method="post"><label>Card number
<input name="card" inputmode="numeric" autocomplete="off"></label>
<button>Pay {order.amount} {html.escape(order.currency)}</button></form>
<p>Test cards:</p><ul>{cards}</ul>"""
        )
        page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>CloudPayments simulator</title></head><body>
<h1>CloudPayments simulator</h1>
<p>{html.escape(order.description)}: {order.amount} {html.escape(order.currency)}</p>
<p class="said">{html.escape(said)}</p>{form}</body></html>"""
        self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")

    def _json(self, status: int, answer: Any) -> None:
        self._send(
            status,
            json.dumps(answer, default=_number).encode(),
            "application/json; charset=utf-8",
        )

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
