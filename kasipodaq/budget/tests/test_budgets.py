"""Planning a year: saving all lines at once, approving, reopening, revising."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.budget.models import Budget, BudgetLine, BudgetStatus, ExpenseCategory
from kasipodaq.budget.services import budgets
from kasipodaq.budget.services.budgets import (
    approve_budget,
    reopen_budget,
    revise_budget,
    save_budget,
)
from kasipodaq.core.dates import today
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.registry.tests.factories import Tree, grant

TRAINING = ExpenseCategory.TRAINING
SALARIES = ExpenseCategory.SALARIES


def _save(tree: Tree, actor: Any = None, **overrides: Any) -> Budget:
    arguments: dict[str, Any] = {
        "actor": actor or tree.admin,
        "unit": tree.districts[0],
        "year": today().year,
        "lines": [(TRAINING, 100_000_00), (SALARIES, 900_000_00)],
        "planned_dues_tiyn": 950_000_00,
        "planned_other_income_tiyn": 50_000_00,
        "note": " Утверждено пленумом ",
    }
    arguments.update(overrides)
    return save_budget(**arguments)


def _lines(budget: Budget) -> dict[str, int]:
    return dict(budget.lines.values_list("category", "planned_tiyn"))


def test_saving_writes_a_draft_with_all_its_lines_and_an_audit_row(tree: Tree) -> None:
    """The first save starts revision 1 as a draft; the trail holds the tenge."""
    budget = _save(tree)
    assert (budget.revision, budget.status) == (1, BudgetStatus.DRAFT)
    assert _lines(budget) == {TRAINING: 100_000_00, SALARIES: 900_000_00}
    assert budget.note == "Утверждено пленумом"
    event = AuditEvent.objects.get(action=AuditAction.BUDGET_SAVED)
    assert event.object_id == budget.pk
    assert (event.after or {})["lines"] == {
        "salaries": "900000.00",
        "training": "100000.00",
    }


def test_saving_again_replaces_the_lines_and_audits_only_changes(tree: Tree) -> None:
    """A second save rewrites the draft: a dropped line goes, the trail shows the
    difference; saving the same again writes no audit row."""
    budget = _save(tree)
    again = _save(tree, lines=[(TRAINING, 200_000_00)])
    assert again.pk == budget.pk
    assert _lines(again) == {TRAINING: 200_000_00}
    changed = AuditEvent.objects.filter(action=AuditAction.BUDGET_SAVED).first()
    assert changed is not None
    assert changed.before == {
        "lines": {"salaries": "900000.00", "training": "100000.00"}
    }
    _save(tree, lines=[(TRAINING, 200_000_00)])
    assert AuditEvent.objects.filter(action=AuditAction.BUDGET_SAVED).count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lines": [(TRAINING, -1)]}, "line_training"),
        ({"lines": [(TRAINING, 1), (TRAINING, 2)]}, "line_training"),
        ({"lines": [("bribes", 1)]}, None),
        ({"lines": [(TRAINING, 1.5)]}, "line_training"),
        ({"lines": [(TRAINING, True)]}, "line_training"),
        ({"lines": [(TRAINING, 10**16)]}, "line_training"),
        ({"planned_dues_tiyn": -1}, "planned_dues"),
        ({"planned_other_income_tiyn": -5}, "planned_other_income"),
        ({"year": 1999}, "year"),
        ({"year": today().year + 3}, "year"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    tree: Tree, overrides: dict[str, Any], field: str | None
) -> None:
    """Negative, doubled, unknown or absurd lines and insane years are refused,
    and the draft keeps what it had."""
    budget = _save(tree)
    with pytest.raises(DuesRefusal) as refused:
        _save(tree, **overrides)
    assert refused.value.field == field
    assert _lines(budget) == {TRAINING: 100_000_00, SALARIES: 900_000_00}
    budget.refresh_from_db()
    assert budget.planned_dues_tiyn == 950_000_00
    assert AuditEvent.objects.filter(action=AuditAction.BUDGET_SAVED).count() == 1


def test_only_those_who_manage_dues_there_save(tree: Tree) -> None:
    """An auditor reads but does not plan; another district's accountant neither."""
    for user in (
        grant(Role.AUDITOR, tree.districts[0]),
        grant(Role.ACCOUNTANT, tree.districts[1]),
    ):
        with pytest.raises(PermissionRefused):
            _save(tree, actor=user)
    assert not Budget.objects.exists()
    accountant = grant(Role.ACCOUNTANT, tree.regions[0])
    assert _save(tree, actor=accountant).unit == tree.districts[0]


def test_approving_keeps_who_and_when_and_locks_the_lines(tree: Tree) -> None:
    """An approved budget is not saved over: it is reopened or revised first."""
    budget = approve_budget(actor=tree.admin, budget=_save(tree))
    assert budget.status == BudgetStatus.APPROVED
    assert budget.approved_by == tree.admin
    assert budget.approved_at is not None
    with pytest.raises(DuesRefusal, match="approved"):
        _save(tree, lines=[(TRAINING, 1)])
    assert _lines(budget)[TRAINING] == 100_000_00
    with pytest.raises(DuesRefusal, match="already approved"):
        approve_budget(actor=tree.admin, budget=budget)
    assert AuditEvent.objects.filter(action=AuditAction.BUDGET_APPROVED).count() == 1


def test_an_empty_budget_is_not_approved(tree: Tree) -> None:
    budget = _save(tree, lines=[(TRAINING, 0)])
    with pytest.raises(DuesRefusal, match="without planned expenses"):
        approve_budget(actor=tree.admin, budget=budget)
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.DRAFT


def test_reopening_needs_a_reason_and_is_audited(tree: Tree) -> None:
    """Reopening turns the approved budget into a draft and forgets the approval;
    the reason stays in the trail."""
    budget = approve_budget(actor=tree.admin, budget=_save(tree))
    with pytest.raises(DuesRefusal) as refused:
        reopen_budget(actor=tree.admin, budget=budget, reason="  ")
    assert refused.value.field == "reason"
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.APPROVED
    reopened = reopen_budget(actor=tree.admin, budget=budget, reason="Ошибка в смете")
    assert (reopened.status, reopened.approved_by, reopened.approved_at) == (
        BudgetStatus.DRAFT,
        None,
        None,
    )
    event = AuditEvent.objects.get(action=AuditAction.BUDGET_REOPENED)
    assert event.note == "Ошибка в смете"
    assert (event.before or {})["approved_by"] == getattr(tree.admin, "pk", None)
    with pytest.raises(DuesRefusal, match="Only an approved"):
        reopen_budget(actor=tree.admin, budget=reopened, reason="again")


def test_a_revision_copies_the_approved_budget_which_stays_approved(tree: Tree) -> None:
    """The new revision is a draft copy; the old one stays approved, and only the
    latest can be changed."""
    first = approve_budget(actor=tree.admin, budget=_save(tree))
    second = revise_budget(actor=tree.admin, budget=first, reason="Пленум")
    assert (second.revision, second.status) == (2, BudgetStatus.DRAFT)
    assert _lines(second) == _lines(first)
    first.refresh_from_db()
    assert first.status == BudgetStatus.APPROVED
    edited = _save(tree, lines=[(TRAINING, 300_000_00), (SALARIES, 900_000_00)])
    assert edited.pk == second.pk
    with pytest.raises(DuesRefusal, match="later revision"):
        reopen_budget(actor=tree.admin, budget=first, reason="x")
    with pytest.raises(DuesRefusal, match="without a revision"):
        revise_budget(actor=tree.admin, budget=second, reason="x")
    assert (
        BudgetLine.objects.filter(budget=first, category=TRAINING).get().planned_tiyn
        == 100_000_00
    )
    assert AuditEvent.objects.get(action=AuditAction.BUDGET_REVISED).note == "Пленум"


def test_approving_reopening_and_revising_are_for_managers(tree: Tree) -> None:
    budget = _save(tree)
    auditor = grant(Role.AUDITOR, tree.central)
    with pytest.raises(PermissionRefused):
        approve_budget(actor=auditor, budget=budget)
    approve_budget(actor=tree.admin, budget=budget)
    with pytest.raises(PermissionRefused):
        reopen_budget(actor=auditor, budget=budget, reason="x")
    with pytest.raises(PermissionRefused):
        revise_budget(actor=auditor, budget=budget, reason="x")
    assert Budget.objects.count() == 1


def test_a_first_save_racing_another_is_refused_not_crashed(tree: Tree) -> None:
    """Two first saves of one year: the second finds revision 1 taken by the time
    it writes (the lock finds no row to wait on) and is refused cleanly."""
    _save(tree)
    with (
        mock.patch.object(budgets, "latest_budget", return_value=None),
        pytest.raises(DuesRefusal, match="same moment"),
    ):
        _save(tree, lines=[(TRAINING, 1)])
    assert Budget.objects.count() == 1
    assert _lines(Budget.objects.get()) == {TRAINING: 100_000_00, SALARIES: 900_000_00}
