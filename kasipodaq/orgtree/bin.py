"""Kazakhstan's business identification number (BIN): format and check digit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kasipodaq.core.checksum import check_digit

# The fifth digit says what registered: 4 a resident legal entity, 5 a non-resident
# one, 6 a joint individual entrepreneurship.
ENTITY_KINDS = frozenset("456")


def validate_bin(value: str) -> None:
    """Refuse anything that cannot be a BIN, naming what is wrong."""
    if len(value) != 12 or not value.isdigit():
        raise ValidationError(_("A BIN is exactly 12 digits."), code="bin_format")
    if not 1 <= int(value[2:4]) <= 12:
        raise ValidationError(
            _("The BIN's digits 3–4 must be a registration month (01–12)."),
            code="bin_month",
        )
    if value[4] not in ENTITY_KINDS:
        raise ValidationError(
            _("The BIN's fifth digit must be 4, 5 or 6 (the kind of entity)."),
            code="bin_kind",
        )
    if check_digit(value[:11]) != int(value[11]):
        raise ValidationError(
            _("The BIN's check digit does not match: check for a typing error."),
            code="bin_checksum",
        )
