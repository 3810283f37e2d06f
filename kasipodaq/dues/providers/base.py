"""What Kasipodaq needs of a card payment provider, in its own terms.

A provider charges a saved card (a token it issued after the member's first
payment), makes a page where the member pays the first time, and tells us by
signed notifications what happened. Amounts cross this boundary as whole tiyn;
the provider's module converts them to its own format.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class ProviderError(Exception):
    """The provider could not be asked or answered nonsense: nothing is known
    about the outcome."""


class BadNotification(Exception):
    """A notification that is not signed by the provider or cannot be read."""


class EventKind(enum.StrEnum):
    # Before a payment: may it go ahead?
    CHECK = "check"
    # Money taken.
    PAY = "pay"
    # A payment declined.
    FAIL = "fail"


@dataclass(frozen=True)
class ChargeResult:
    """What the provider answered a charge of a saved card."""

    paid: bool
    transaction_id: str
    # The provider's code of a decline (e.g. 5051: insufficient funds).
    reason_code: int | None = None
    message: str = ""


@dataclass(frozen=True)
class ProviderEvent:
    """A notification from the provider, its signature verified."""

    kind: EventKind
    transaction_id: str
    amount_tiyn: int
    currency: str
    invoice_id: str
    account_id: str
    # When the provider says the operation happened (aware, UTC).
    occurred_at: dt.datetime | None
    token: str = ""
    card_mask: str = ""
    reason: str = ""
    reason_code: int | None = None
    test_mode: bool = False
    # What we attached to the payment (CloudPayments' JsonData, sent back as Data).
    data: Mapping[str, Any] = field(default_factory=dict)
    # The notification's fields as received, for the log (no card data in them).
    fields: Mapping[str, str] = field(default_factory=dict)


class Answer(enum.IntEnum):
    """Our answer to a notification, as the provider's protocol numbers it."""

    ACCEPTED = 0
    UNKNOWN_INVOICE = 10
    UNKNOWN_ACCOUNT = 11
    WRONG_AMOUNT = 12
    REFUSED = 13
    EXPIRED = 20


class PaymentProvider(Protocol):
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
        """Charge a saved card; a ProviderError when the outcome is unknown.
        The same `request_id` again (a retry after a timeout) charges once."""
        ...

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
        """The address of a page where the member pays once and saves the card."""
        ...

    def parse_notification(
        self, *, kind: str, body: bytes, headers: Mapping[str, str]
    ) -> ProviderEvent:
        """The notification as an event once its signature checks out; else
        BadNotification."""
        ...
