"""Who may do what where: grants on a node hold for its whole subtree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from kasipodaq.core.errors import PermissionRefused
from kasipodaq.orgtree.paths import minimal_roots

from .models import RoleGrant
from .perms import ROLE_PERMS, SECOND_FACTOR_LEVELS, Perm

if TYPE_CHECKING:
    from kasipodaq.accounts.models import User
    from kasipodaq.orgtree.models import OrgUnit

_CACHE_ATTR = "_kasipodaq_grants"


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    unit_level: str


def grants_of(user: Any) -> list[Grant]:
    """The user's grants, read once per user object (so once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = [
            Grant(role, unit_id, path, level)
            for role, unit_id, path, level in RoleGrant.objects.filter(
                user=user, unit__status="active"
            ).values_list("role", "unit_id", "unit__path", "unit__level")
        ]
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def subtree_roots(user: Any, perm: Perm) -> list[str]:
    """Paths of the subtrees where the user holds `perm`, none inside another."""
    return minimal_roots(
        [g.unit_path for g in grants_of(user) if perm in ROLE_PERMS[g.role]]
    )


def has_perm(user: Any, perm: Perm, *, unit: OrgUnit) -> bool:
    return any(unit.path.startswith(root) for root in subtree_roots(user, perm))


def require(user: Any, perm: Perm, *, unit: OrgUnit) -> None:
    """Refuse unless the user holds `perm` on `unit`'s subtree."""
    if not has_perm(user, perm, unit=unit):
        raise PermissionRefused(_("You have no right to do this here."))


def requires_second_factor(user: User) -> bool:
    return any(g.unit_level in SECOND_FACTOR_LEVELS for g in grants_of(user))


def home_unit_ids(user: Any) -> list[int]:
    """The nodes the user's grants are bound to: where their work starts."""
    seen: dict[str, int] = {}
    for grant in grants_of(user):
        seen.setdefault(grant.unit_path, grant.unit_id)
    roots = set(minimal_roots(list(seen)))
    return [unit_id for path, unit_id in sorted(seen.items()) if path in roots]
