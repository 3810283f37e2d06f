"""Refusals of card actions."""

from kasipodaq.core.errors import DomainError


class CardRefusal(DomainError):
    code = "card_refused"
