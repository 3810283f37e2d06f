"""Rules that admission, transfer and termination share."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import Level, OrgUnit

from ..errors import RegistryRefusal


def require_open_primary(
    unit: OrgUnit, on: dt.date, *, field: str = "org_unit"
) -> None:
    """Members belong to primary organizations that are open on the date."""
    if unit.level != Level.PRIMARY:
        raise RegistryRefusal(
            _("Members are kept in primary organizations; %(unit)s is a %(level)s.")
            % {"unit": unit, "level": Level(unit.level).label},
            field=field,
        )
    if not unit.is_open_on(on):
        raise RegistryRefusal(
            _("%(unit)s is not open on %(date)s.") % {"unit": unit, "date": on},
            field=field,
        )


def require_not_future(on: dt.date, *, field: str) -> None:
    if on > today():
        raise RegistryRefusal(_("The date cannot be in the future."), field=field)
