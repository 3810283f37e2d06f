"""Planning a year: saving the budget's lines, approving, reopening, revising."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import diff, record
from kasipodaq.core.dates import today
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.money import to_tenge
from kasipodaq.orgtree.models import OrgUnit

from ..models import (
    FIRST_YEAR,
    YEARS_AHEAD,
    Budget,
    BudgetLine,
    BudgetStatus,
    ExpenseCategory,
)

# No line or income of one organization's year reaches this: a typing error.
LARGEST_AMOUNT_TIYN = 100_000_000_000_00  # 100 billion tenge


def is_plannable(year: int) -> bool:
    """A year from FIRST_YEAR to YEARS_AHEAD from now."""
    return FIRST_YEAR <= year <= today().year + YEARS_AHEAD


def check_year(year: int) -> None:
    """Refuse a year that is not plannable."""
    last = today().year + YEARS_AHEAD
    if not is_plannable(year):
        raise DuesRefusal(
            _("A budget's year is between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": last},
            field="year",
        )


def _check_amount(amount: Any, field: str) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise DuesRefusal(_("An amount is a whole number of tiyn."), field=field)
    if amount < 0:
        raise DuesRefusal(_("An amount cannot be negative."), field=field)
    if amount >= LARGEST_AMOUNT_TIYN:
        raise DuesRefusal(
            _("An amount is less than %(largest)s tenge.")
            % {"largest": to_tenge(LARGEST_AMOUNT_TIYN)},
            field=field,
        )
    return amount


def _checked_lines(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    planned: dict[str, int] = {}
    for category, amount in lines:
        field = f"line_{category}"
        if category not in ExpenseCategory.values:
            raise DuesRefusal(
                _("Unknown expense category: %(category)s.") % {"category": category}
            )
        if category in planned:
            raise DuesRefusal(
                _("One line per category: %(category)s is given twice.")
                % {"category": ExpenseCategory(category).label},
                field=field,
            )
        planned[category] = _check_amount(amount, field)
    return planned


def latest_budget(unit: OrgUnit, year: int, *, lock: bool = False) -> Budget | None:
    """The budget in force: the latest revision of the year."""
    budgets = Budget.objects.filter(unit=unit, year=year).order_by("-revision")
    if lock:
        budgets = budgets.select_for_update()
    return budgets.first()


def _lines_of(budget: Budget) -> dict[str, str]:
    return {
        category: str(to_tenge(amount))
        for category, amount in budget.lines.order_by("category").values_list(
            "category", "planned_tiyn"
        )
    }


def _state(budget: Budget) -> dict[str, Any]:
    return {
        "status": budget.status,
        "revision": budget.revision,
        "planned_dues": str(to_tenge(budget.planned_dues_tiyn)),
        "planned_other_income": str(to_tenge(budget.planned_other_income_tiyn)),
        "note": budget.note,
        "lines": _lines_of(budget),
    }


@transaction.atomic
def save_budget(
    *,
    actor: Any,
    unit: OrgUnit,
    year: int,
    lines: Iterable[tuple[str, int]],
    planned_dues_tiyn: int,
    planned_other_income_tiyn: int,
    note: str = "",
) -> Budget:
    """Write the draft budget of `unit` for `year`, all its lines at once.

    The first save starts revision 1. An approved budget is not changed here: it
    is reopened or revised first. A refusal leaves the budget as it was.
    """
    policy.require(actor, Perm.DUES_MANAGE, unit=unit)
    check_year(year)
    planned = _checked_lines(lines)
    _check_amount(planned_dues_tiyn, "planned_dues")
    _check_amount(planned_other_income_tiyn, "planned_other_income")
    budget = latest_budget(unit, year, lock=True)
    if budget is not None and not budget.is_draft:
        raise DuesRefusal(
            _(
                "The budget of %(year)s is approved: reopen it or start a revision "
                "to change it."
            )
            % {"year": year}
        )
    before = _state(budget) if budget is not None else {}
    if budget is None:
        budget = Budget(unit=unit, year=year)
    budget.planned_dues_tiyn = planned_dues_tiyn
    budget.planned_other_income_tiyn = planned_other_income_tiyn
    budget.note = note.strip()[:300]
    try:
        with transaction.atomic():
            budget.save()
    except IntegrityError:  # another save started the same year a moment ago
        raise DuesRefusal(
            _("Someone saved this budget at the same moment: open it again.")
        ) from None
    BudgetLine.objects.filter(budget=budget).delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(budget=budget, category=category, planned_tiyn=amount)
        for category, amount in planned.items()
    )
    old, new = diff(before, _state(budget))
    if new:
        record(
            actor=actor,
            action=AuditAction.BUDGET_SAVED,
            target=budget,
            before=old or None,
            after=new,
        )
    return budget


def _locked_latest(actor: Any, budget: Budget) -> Budget:
    """`budget` again, locked, once the actor may manage it and it is in force."""
    policy.require(actor, Perm.DUES_MANAGE, unit=budget.unit)
    latest = latest_budget(budget.unit, budget.year, lock=True)
    if latest is None or latest.pk != budget.pk:
        raise DuesRefusal(_("A later revision of this budget exists: change that one."))
    return latest


@transaction.atomic
def approve_budget(*, actor: Any, budget: Budget) -> Budget:
    """Approve a draft: who and when are kept, and it changes no more as it is."""
    budget = _locked_latest(actor, budget)
    if not budget.is_draft:
        raise DuesRefusal(_("This budget is already approved."))
    if not budget.lines.filter(planned_tiyn__gt=0).exists():
        raise DuesRefusal(_("A budget without planned expenses cannot be approved."))
    budget.status = BudgetStatus.APPROVED
    budget.approved_by = actor
    budget.approved_at = timezone.now()
    budget.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    record(
        actor=actor,
        action=AuditAction.BUDGET_APPROVED,
        target=budget,
        after={"status": budget.status, "revision": budget.revision},
    )
    return budget


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DuesRefusal(_("Say why the approved budget is changed."), field="reason")
    return reason[:300]


@transaction.atomic
def reopen_budget(*, actor: Any, budget: Budget, reason: str) -> Budget:
    """Turn the approved budget back into a draft, saying why (kept in the trail)."""
    reason = _reason(reason)
    budget = _locked_latest(actor, budget)
    if budget.is_draft:
        raise DuesRefusal(_("Only an approved budget is reopened."))
    before = {
        "status": budget.status,
        "approved_by": budget.approved_by_id,
        "approved_at": budget.approved_at.isoformat() if budget.approved_at else None,
    }
    budget.status = BudgetStatus.DRAFT
    budget.approved_by = None
    budget.approved_at = None
    budget.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    record(
        actor=actor,
        action=AuditAction.BUDGET_REOPENED,
        target=budget,
        before=before,
        after={"status": budget.status},
        note=reason,
    )
    return budget


@transaction.atomic
def revise_budget(*, actor: Any, budget: Budget, reason: str) -> Budget:
    """Start the next revision as a draft copy of the approved budget, which stays
    as approved for the record."""
    reason = _reason(reason)
    budget = _locked_latest(actor, budget)
    if budget.is_draft:
        raise DuesRefusal(_("A draft is changed as it is, without a revision."))
    revision = Budget.objects.create(
        unit=budget.unit,
        year=budget.year,
        revision=budget.revision + 1,
        planned_dues_tiyn=budget.planned_dues_tiyn,
        planned_other_income_tiyn=budget.planned_other_income_tiyn,
        note=budget.note,
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            budget=revision, category=line.category, planned_tiyn=line.planned_tiyn
        )
        for line in budget.lines.all()
    )
    record(
        actor=actor,
        action=AuditAction.BUDGET_REVISED,
        target=revision,
        before={"revision": budget.revision},
        after={"revision": revision.revision},
        note=reason,
    )
    return revision
