"""The centre's choices for every card."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm

from ..errors import CardRefusal
from ..models import CardDesign
from ..selectors import union_root

KEEP_LOGO = object()


@transaction.atomic
def update_design(
    *,
    actor: Any,
    background: str,
    foreground: str,
    suspend_after_months: int,
    logo: bytes | object | None = KEEP_LOGO,
) -> CardDesign:
    """Save the look and the arrears limit; `logo` None removes the logo."""
    root = union_root()
    if root is None:
        raise CardRefusal(_("The union has no organizations yet."))
    policy.require(actor, Perm.CARD_DESIGN, unit=root)
    design = CardDesign.objects.select_for_update().filter(pk=1).first()
    design = design or CardDesign(pk=1)
    design.background = background
    design.foreground = foreground
    design.suspend_after_months = suspend_after_months
    if logo is not KEEP_LOGO:
        design.logo = logo
    try:
        design.full_clean()
    except ValidationError as exc:
        raise CardRefusal.from_validation_error(exc) from None
    design.save()
    return design
