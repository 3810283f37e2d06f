"""Setting who pays what and where it goes: the dues rules and the distribution
regulations, each from a start date, per subtree.

A rule is never edited once a charge was accrued by it: a new one supersedes it
from a later month. One not used yet may be replaced by setting a rule from the
same month. A regulation may not start on a day whose collections under the unit
were already shared out by the one before: ledgers are never rewritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import record, snapshot
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.querysets import subtree_filter

from ..errors import DuesRefusal
from ..in_force import REGULATING_LEVELS, months_to_reaccrue, rule_is_used
from ..models import DistributionRule, DuesRule, Payment, Rounding
from ..money import to_tenge
from ..months import month_of
from .payments import LARGEST_PAYMENT_TIYN

WHOLE_BP = 10000  # 100 %, in hundredths of a percent
RULE_FIELDS = [
    "valid_from",
    "percent_bp",
    "student_tiyn",
    "pensioner_tiyn",
    "non_working_tiyn",
    "rounding",
]
SHARE_FIELDS = ["primary_bp", "district_bp", "region_bp", "central_bp"]


@dataclass(frozen=True)
class RuleSet:
    """The rule as set; whether it replaced one from the same month; the months
    already accrued that it changes once they are accrued again."""

    rule: DuesRule
    replaced: bool
    to_reaccrue: list[dt.date]


@transaction.atomic
def set_dues_rule(
    *,
    actor: Any,
    unit: OrgUnit,
    valid_from: dt.date,
    percent_bp: int,
    student_tiyn: int = 0,
    pensioner_tiyn: int = 0,
    non_working_tiyn: int = 0,
    rounding: str = Rounding.TIYN,
) -> RuleSet:
    """What members under `unit` pay from the month `valid_from` until the unit's
    next rule: a percent of the salary of working members, fixed monthly amounts
    for students, pensioners and non-working members.

    ``actor`` None is the command line, which may set rules anywhere.
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    if valid_from != month_of(valid_from):
        raise DuesRefusal(
            _("A rule starts on the first day of a month."), field="valid_from"
        )
    if not 0 <= percent_bp <= WHOLE_BP:
        raise DuesRefusal(
            _("The percent of the salary is from 0 to 100."), field="percent"
        )
    for field, amount in (
        ("student", student_tiyn),
        ("pensioner", pensioner_tiyn),
        ("non_working", non_working_tiyn),
    ):
        if not 0 <= amount <= LARGEST_PAYMENT_TIYN:
            raise DuesRefusal(
                _("A monthly amount is from 0 to %(largest)s tenge.")
                % {"largest": to_tenge(LARGEST_PAYMENT_TIYN)},
                field=field,
            )
    if rounding not in Rounding.values:
        raise DuesRefusal(_("Unknown rounding."), field="rounding")
    values = {
        "percent_bp": percent_bp,
        "student_tiyn": student_tiyn,
        "pensioner_tiyn": pensioner_tiyn,
        "non_working_tiyn": non_working_tiyn,
        "rounding": rounding,
    }
    existing = (
        DuesRule.objects.select_for_update()
        .filter(unit=unit, valid_from=valid_from)
        .first()
    )
    before = None
    if existing is not None:
        if rule_is_used(existing):
            raise DuesRefusal(
                _(
                    "Dues were already accrued by the rule from %(month)s: it "
                    "cannot be changed. Set a new rule from a later month."
                )
                % {"month": f"{valid_from:%Y-%m}"},
                field="valid_from",
            )
        before = snapshot(existing, RULE_FIELDS)
        for name, value in values.items():
            setattr(existing, name, value)
        existing.created_by = actor if getattr(actor, "pk", None) else None
        existing.save(update_fields=[*values, "created_by"])
        rule = existing
    else:
        try:
            with transaction.atomic():
                rule = DuesRule.objects.create(
                    unit=unit,
                    valid_from=valid_from,
                    created_by=actor if getattr(actor, "pk", None) else None,
                    **values,
                )
        except IntegrityError:
            raise DuesRefusal(
                _("A rule from %(month)s was set at the same moment: try again.")
                % {"month": f"{valid_from:%Y-%m}"},
                field="valid_from",
            ) from None
    record(
        actor=actor,
        action=AuditAction.DUES_RULE_SET,
        target=rule,
        before=before,
        after=snapshot(rule, ["unit", *RULE_FIELDS]),
    )
    return RuleSet(
        rule=rule,
        replaced=existing is not None,
        to_reaccrue=months_to_reaccrue(unit, valid_from),
    )


@transaction.atomic
def set_distribution(
    *,
    actor: Any,
    unit: OrgUnit,
    valid_from: dt.date,
    primary_bp: int,
    district_bp: int,
    region_bp: int,
    central_bp: int,
) -> DistributionRule:
    """How dues collected under `unit` (the union or a region) are shared between
    the levels from `valid_from` on: shares in hundredths of a percent adding up
    to exactly 100 %. A regulation from the same day is replaced.

    ``actor`` None is the command line, which may set regulations anywhere.
    """
    if actor is not None:
        policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    if unit.level not in REGULATING_LEVELS:
        raise DuesRefusal(
            _("Only the union and its regions set how dues are shared out.")
        )
    shares = {
        "primary_bp": primary_bp,
        "district_bp": district_bp,
        "region_bp": region_bp,
        "central_bp": central_bp,
    }
    for name, share in shares.items():
        if not 0 <= share <= WHOLE_BP:
            raise DuesRefusal(
                _("A share is from 0 to 100 %."), field=name.removesuffix("_bp")
            )
    if sum(shares.values()) != WHOLE_BP:
        raise DuesRefusal(
            _("The shares add up to %(sum)s %%, not exactly 100 %%.")
            % {"sum": to_tenge(sum(shares.values()))}
        )
    shared_until = Payment.objects.filter(
        subtree_filter("org_unit__path", unit.path), paid_on__gte=valid_from
    ).aggregate(last=Max("paid_on"))["last"]
    if shared_until is not None:
        raise DuesRefusal(
            _(
                "Dues collected under %(unit)s up to %(date)s were already shared "
                "out: a new regulation can start on %(next)s at the earliest."
            )
            % {
                "unit": unit.name,
                "date": shared_until.isoformat(),
                "next": (shared_until + dt.timedelta(days=1)).isoformat(),
            },
            field="valid_from",
        )
    existing = (
        DistributionRule.objects.select_for_update()
        .filter(unit=unit, valid_from=valid_from)
        .first()
    )
    before = None
    if existing is not None:
        before = snapshot(existing, ["valid_from", *SHARE_FIELDS])
        for name, share in shares.items():
            setattr(existing, name, share)
        existing.save(update_fields=list(shares))
        rule = existing
    else:
        try:
            with transaction.atomic():
                rule = DistributionRule.objects.create(
                    unit=unit, valid_from=valid_from, **shares
                )
        except IntegrityError:
            raise DuesRefusal(
                _("A regulation from %(date)s was set at the same moment: try again.")
                % {"date": valid_from.isoformat()},
                field="valid_from",
            ) from None
    record(
        actor=actor,
        action=AuditAction.DUES_DISTRIBUTION_SET,
        target=rule,
        before=before,
        after=snapshot(rule, ["unit", "valid_from", *SHARE_FIELDS]),
    )
    return rule
