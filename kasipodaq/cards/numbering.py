"""Giving out card numbers: each region's sequence, never reused."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F

from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.paths import ancestor_ids

from .models import RegionSequence
from .numbers import make_number

# Where no unit above a member names its region.
NO_REGION = "00"


def region_codes(units: Iterable[OrgUnit]) -> dict[int, str]:
    """Each unit's region code: its own, or its nearest ancestor's that has one."""
    units = list(units)
    wanted = {a for u in units for a in ancestor_ids(u.path)}
    named = dict(
        OrgUnit.objects.filter(pk__in=wanted)
        .exclude(region_code="")
        .values_list("pk", "region_code")
    )
    codes = {}
    for unit in units:
        found = [named[a] for a in ancestor_ids(unit.path) if a in named]
        code = found[-1] if found else NO_REGION
        codes[unit.pk] = code if code.isdigit() and len(code) == 2 else NO_REGION
    return codes


def take_numbers(region_code: str, count: int) -> list[str]:
    """`count` new card numbers of a region, in the caller's transaction.

    The sequence row is raised before it is read, so concurrent issuers queue on
    its lock and never see the same numbers.
    """
    if count <= 0:
        return []
    raised = RegionSequence.objects.filter(pk=region_code).update(
        last=F("last") + count
    )
    if not raised:
        try:
            with transaction.atomic():
                RegionSequence.objects.create(region_code=region_code, last=count)
        except IntegrityError:
            # Another issuer created it meanwhile: raise it like the first time.
            RegionSequence.objects.filter(pk=region_code).update(last=F("last") + count)
    last = RegionSequence.objects.values_list("last", flat=True).get(pk=region_code)
    # make_number refuses a sequence past the largest: the transaction rolls back.
    return [make_number(region_code, seq) for seq in range(last - count + 1, last + 1)]
