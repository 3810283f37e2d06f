"""Exporting the registry to a file on the server, as the system.

These serve the commands: they act for whoever may run commands on the server,
not for a user, so they read the whole registry or the subtree of a unit given by
its code, without scoping by grants. The member file is the membership history
and the organization file the tree, both in the importer's format, so that an
export imports back into an empty registry. A member export is audited like one
from the list page, with no actor: the system.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from kasipodaq.orgtree.models import OrgUnit

from .. import exports
from ..errors import RegistryRefusal
from ..models import Person
from .viewing import record_members_export


def unit_or_union(code: str) -> OrgUnit:
    """The unit a command's --org names, or without one the whole union."""
    if code:
        return find_export_root(code=code)
    root = OrgUnit.objects.union_root()
    if root is None:
        raise RegistryRefusal(_("The union has no organizations yet."))
    return root


def find_export_root(*, code: str) -> OrgUnit:
    """The unit with this code, whose subtree is to be exported."""
    unit = OrgUnit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise RegistryRefusal(
            _("No organization has the code «%(code)s».") % {"code": code},
            code="unknown_org",
        )
    return unit


def _export_format(path: Path) -> str:
    """The format of `path` by its extension; refused unless CSV or XLSX."""
    file_format = exports.format_of(path)
    if file_format is None:
        raise RegistryRefusal(
            _("Cannot export to «%(path)s»: the file name must end in .csv or .xlsx.")
            % {"path": path},
            code="export_format",
        )
    return file_format


@transaction.atomic
def export_members_file(*, path: Path, root: OrgUnit | None = None) -> int:
    """Write the membership history to `path`; the rows written.

    The people are those of `root`'s subtree (by their current membership), or
    everyone; each brings every membership period of theirs. The export is
    audited first, in the same transaction: a file that fails to be written
    leaves no event behind.
    """
    file_format = _export_format(path)
    people = Person.objects.all() if root is None else Person.objects.in_subtree(root)
    record_members_export(
        actor=None,
        people=people,
        filters={"org": root.pk if root else None},
        file_format=file_format,
        history=True,
        note=str(path.resolve()),
    )
    return exports.write_file(exports.member_history_rows(people), path)


def export_orgs_file(*, path: Path, root: OrgUnit | None = None) -> int:
    """Write the organizations of `root`'s subtree, or all, to `path`; the rows."""
    _export_format(path)
    units = OrgUnit.objects.all() if root is None else OrgUnit.objects.in_subtree(root)
    return exports.write_file(exports.org_rows(units), path)
