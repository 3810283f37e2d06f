"""Refusals of dues actions."""

from kasipodaq.core.errors import DomainError


class DuesRefusal(DomainError):
    code = "dues_refused"
