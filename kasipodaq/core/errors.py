"""The base of every refusal a service can give."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import Promise


class DomainError(Exception):
    """A request the domain refuses: a translated message, optionally tied to a field.

    Services raise it before writing anything (or inside the transaction that is then
    rolled back), so a refusal never leaves a half-done change behind.
    """

    code = "invalid"

    def __init__(
        self, message: str | Promise, *, field: str | None = None, code: str = ""
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    def __str__(self) -> str:
        return str(self.message)

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> DomainError:
        """The first fault of a model's or validator's ValidationError, as a refusal."""
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            return cls(
                errors[0].messages[0], field=None if field == "__all__" else field
            )
        return cls(exc.messages[0])


class PermissionRefused(DomainError):
    """The actor may not do this here. Views answer it like a missing object."""

    code = "forbidden"
