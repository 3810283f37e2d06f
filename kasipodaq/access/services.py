"""Granting roles on nodes of the tree, and creating the staff who hold them."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kasipodaq.accounts.models import User
from kasipodaq.accounts.services import create_user
from kasipodaq.core.errors import DomainError
from kasipodaq.orgtree.models import Level, OrgUnit, UnitStatus

from .models import RoleGrant
from .perms import ROLE_LEVELS, Role
from .policy import forget_grants


@transaction.atomic
def grant_role(*, user: User, role: str, unit: OrgUnit) -> RoleGrant:
    """Give `user` the role `role` on `unit` and so on its whole subtree.

    A role can only be bound to the levels of the tree it belongs to
    (`perms.ROLE_LEVELS`), on an organization that is still active, and once.
    Deciding who may grant roles is the caller's: today that is the console.
    """
    if role not in ROLE_LEVELS:
        raise DomainError(
            _("There is no role “%(role)s”. Roles: %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)},
            field="role",
        )
    if unit.level not in ROLE_LEVELS[role]:
        levels = sorted(ROLE_LEVELS[role], key=Level.values.index)
        raise DomainError(
            _("The role “%(role)s” can only be granted at these levels: %(levels)s.")
            % {
                "role": Role(role).label,
                "levels": ", ".join(str(Level(level).label) for level in levels),
            },
            field="unit",
        )
    if unit.status != UnitStatus.ACTIVE:
        raise DomainError(
            _("%(unit)s is no longer active.") % {"unit": unit}, field="unit"
        )
    if RoleGrant.objects.filter(user=user, role=role, unit=unit).exists():
        raise DomainError(
            _("%(user)s already holds this role in %(unit)s.")
            % {"user": user.get_username(), "unit": unit},
            field="role",
        )
    grant = RoleGrant.objects.create(user=user, role=role, unit=unit)
    forget_grants(user)
    return grant


@transaction.atomic
def create_staff_user(
    *, username: str, password: str, role: str, org_code: str
) -> RoleGrant:
    """A new staff account holding `role` on the organization with code `org_code`.

    Refused as a whole (nothing is created) when the organization, the username,
    the password or the role does not fit. Like `grant_role`, for trusted callers.
    """
    unit = OrgUnit.objects.filter(code=org_code).first()
    if unit is None:
        raise DomainError(
            _("No organization has the code %(code)s.") % {"code": org_code},
            field="org",
        )
    user = create_user(username=username, password=password)
    return grant_role(user=user, role=role, unit=unit)
