"""Refusals of changes to the organization tree."""

from kasipodaq.core.errors import DomainError


class TreeChangeRefused(DomainError):
    code = "tree_change_refused"
