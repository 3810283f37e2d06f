"""Recording an employer's payroll list: every line a payment, matched to charges.

The whole list is checked before anything is written: a line that cannot be read,
a duplicate line, a month to come, an absurd amount, or (unless only the matched
lines are asked for) an IIN of nobody the user keeps — and the list is refused,
with every problem named, and nothing recorded. The same file is never recorded
twice (its SHA-256). A good list is written set-based: payments, the list's
shares (its money collected at each organization, split between the levels),
the payments' audit rows, how many lines paid as charged, more, less or for a
month without a charge, and the lines not paid as charged (the ones to look
into), by COPY (executemany on SQLite), in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.loading import Loader
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.models import Person

from ..distribution import MANY_UNITS, Plan, plans_for
from ..errors import DuesRefusal
from ..models import (
    Charge,
    LedgerEntry,
    LineOutcome,
    Payment,
    PaymentMethod,
    PayrollLine,
    PayrollList,
    PayrollStatus,
)
from ..money import to_tenge
from ..months import month_of
from ..payroll_file import Line, Problem, read_lines
from .payments import LARGEST_PAYMENT_TIYN

PROBLEMS_KEPT = 500


def import_payroll(
    *,
    actor: Any,
    unit: OrgUnit,
    path: Path,
    original_name: str,
    matched_only: bool = False,
) -> PayrollList:
    """Check and record a payroll list paying members under `unit`; a refused
    one is kept with its problems.

    ``actor`` None is the command line, which may record for anyone.
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    digest = _sha256(path)
    earlier = PayrollList.objects.filter(
        sha256=digest, status=PayrollStatus.IMPORTED
    ).first()
    if earlier is not None:
        raise DuesRefusal(
            _(
                "This list was already recorded on %(date)s (list %(id)s): it is "
                "not recorded again."
            )
            % {"date": timezone.localtime(earlier.uploaded_at).date(), "id": earlier.pk}
        )
    today = timezone.localdate()
    lines, problems = read_lines(
        path, latest_month=month_of(today), largest_tiyn=LARGEST_PAYMENT_TIYN
    )
    members = _members(unit, {line.iin for line in lines})
    unknown = [line for line in lines if line.iin not in members]
    if unknown and not matched_only:
        problems += [
            Problem(
                line.number,
                _("IIN"),
                _("No member of %(unit)s has this IIN.") % {"unit": unit.name},
            )
            for line in unknown
        ]
    payroll = PayrollList(
        original_name=original_name[:255],
        unit=unit,
        sha256=digest,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        lines=len(lines) + len({p.line for p in problems}),
    )
    if problems:
        payroll.status = PayrollStatus.REFUSED
        payroll.problems = [
            p.as_json() for p in sorted(problems, key=lambda p: p.line)[:PROBLEMS_KEPT]
        ]
        payroll.save()
        return payroll
    with transaction.atomic():
        payroll.status = PayrollStatus.IMPORTED
        payroll.save()
        _record(payroll, actor, lines, members, today)
    return payroll


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _members(unit: OrgUnit, iins: set[str]) -> dict[str, tuple[int, int]]:
    """IIN → (person, primary organization) of the people under `unit`."""
    return {
        iin: (pk, unit_id)
        for iin, pk, unit_id in Person.objects.in_subtree(unit)
        .filter(iin__one_of=iins)
        .values_list("iin", "pk", "current_membership__org_unit_id")
    }


def _record(
    payroll: PayrollList,
    actor: Any,
    lines: list[Line],
    members: dict[str, tuple[int, int]],
    today: dt.date,
) -> None:
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    now = timezone.now()
    paid = [line for line in lines if line.iin in members]
    loader = Loader()
    loader.insert(
        Payment,
        (
            "person",
            "amount_tiyn",
            "method",
            "reference",
            "month",
            "paid_on",
            "org_unit",
            "payroll",
            "recorded_by",
            "recorded_at",
        ),
        (
            (
                members[line.iin][0],
                line.amount_tiyn,
                PaymentMethod.PAYROLL,
                f"{payroll.pk}:{line.number}",
                line.month,
                today,
                members[line.iin][1],
                payroll.pk,
                actor_id,
                now,
            )
            for line in paid
        ),
    )
    payment_of = {
        int(reference.split(":")[1]): pk
        for pk, reference in Payment.objects.filter(
            method=PaymentMethod.PAYROLL, reference__startswith=f"{payroll.pk}:"
        ).values_list("pk", "reference")
    }
    shares = _shares(paid, members, today)
    loader.insert(
        LedgerEntry,
        ("collected_by", "payroll", "unit", "level", "amount_tiyn", "booked_on"),
        (
            (collector, payroll.pk, unit_id, level, amount, today)
            for (collector, unit_id, level), amount in shares.items()
        ),
    )
    loader.insert(
        AuditEvent,
        (
            "at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "person_id",
            "after",
            "note",
        ),
        (
            (
                now,
                actor_id,
                AuditAction.DUES_PAID,
                "payment",
                payment_of[line.number],
                members[line.iin][0],
                {
                    "amount": str(to_tenge(line.amount_tiyn)),
                    "method": PaymentMethod.PAYROLL.value,
                    "month": line.month.isoformat(),
                    "payroll": payroll.pk,
                },
                "",
            )
            for line in paid
        ),
    )
    charged = _charges([(members[line.iin][0], line.month) for line in paid])
    rows = [
        _line_row(payroll.pk, line, members.get(line.iin), charged) for line in lines
    ]
    # A line paid as charged is its payment: only the others are kept as lines.
    loader.insert(
        PayrollLine,
        (
            "payroll",
            "line",
            "iin",
            "month",
            "amount_tiyn",
            "person",
            "charged_tiyn",
            "outcome",
        ),
        (row for row in rows if row[-1] != LineOutcome.EXACT),
    )
    payroll.paid = len(paid)
    payroll.total_tiyn = sum(line.amount_tiyn for line in paid)
    payroll.outcomes = dict(Counter(str(row[-1]) for row in rows))
    payroll.save(update_fields=["paid", "total_tiyn", "outcomes"])


def _shares(
    paid: list[Line], members: dict[str, tuple[int, int]], on: dt.date
) -> dict[tuple[int, int, str], int]:
    """The list's shares per (collector, receiver, level): what the list pays
    through each member's organization, split by the regulation in force there.

    The list is one transfer from the employer, so each collector's part of it is
    split once — the parts add up to it to the tiyn."""
    collected: dict[int, int] = {}
    for line in paid:
        collector = members[line.iin][1]
        collected[collector] = collected.get(collector, 0) + line.amount_tiyn
    plans = _plans(collected, on)
    return {
        (collector, unit_id, level): part
        for collector, amount in collected.items()
        for unit_id, level, part in plans[collector].apply(amount)
    }


def _plans(unit_ids: Iterable[int], on: dt.date) -> dict[int, Plan]:
    ids = list(unit_ids)
    units = OrgUnit.objects.all()
    if len(ids) <= MANY_UNITS:
        units = units.filter(pk__in=ids)
    return plans_for(dict(units.values_list("pk", "path")), on)


def _charges(keys: list[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], int]:
    wanted = set(keys)
    people = {person for person, _month in keys}
    months = {month for _person, month in keys}
    return {
        (person, month): amount
        for person, month, amount in Charge.objects.filter(
            person_id__one_of=people,
            month__one_of=months,
        ).values_list("person_id", "month", "amount_tiyn")
        if (person, month) in wanted
    }


def _line_row(
    payroll_id: int,
    line: Line,
    member: tuple[int, int] | None,
    charged: dict[tuple[int, dt.date], int],
) -> tuple[object, ...]:
    if member is None:
        outcome, person, charge = LineOutcome.UNKNOWN, None, None
    else:
        person = member[0]
        charge = charged.get((person, line.month))
        if charge is None:
            outcome = LineOutcome.NOT_CHARGED
        elif line.amount_tiyn > charge:
            outcome = LineOutcome.OVER
        elif line.amount_tiyn < charge:
            outcome = LineOutcome.UNDER
        else:
            outcome = LineOutcome.EXACT
    return (
        payroll_id,
        line.number,
        line.iin,
        line.month,
        line.amount_tiyn,
        person,
        charge,
        outcome,
    )
