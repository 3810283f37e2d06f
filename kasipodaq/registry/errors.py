"""Refusals of changes to the registry."""

from kasipodaq.core.errors import DomainError


class RegistryRefusal(DomainError):
    code = "registry_refused"
