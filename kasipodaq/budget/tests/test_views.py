"""The budget pages: the year against actual, editing, approving, entries, export."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.budget.models import (
    Budget,
    BudgetStatus,
    Expense,
    ExpenseCategory,
    OtherIncome,
)
from kasipodaq.budget.services.budgets import approve_budget, save_budget
from kasipodaq.budget.services.expenses import record_expense
from kasipodaq.core.dates import today
from kasipodaq.registry.tests.factories import Tree, grant

YEAR = today().year
TRAINING = ExpenseCategory.TRAINING
SALARIES = ExpenseCategory.SALARIES


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _plan(tree: Tree, training: int = 10_00, salaries: int = 90_00) -> Budget:
    return save_budget(
        actor=tree.admin,
        unit=tree.districts[0],
        year=YEAR,
        lines=[(TRAINING, training), (SALARIES, salaries)],
        planned_dues_tiyn=100_00,
        planned_other_income_tiyn=0,
    )


def _form(**lines: str) -> dict[str, str]:
    data = {f"line_{c.value}": "0" for c in ExpenseCategory}
    data.update(planned_dues="1000", planned_other_income="0", note="")
    data.update({f"line_{k}": v for k, v in lines.items()})
    return data


def _url(name: str, unit_pk: int, year: int = YEAR) -> str:
    return reverse(f"budget:{name}", kwargs={"pk": unit_pk, "year": year})


@pytest.fixture
def accountant(tree: Tree) -> Client:
    return _signed_in(grant(Role.ACCOUNTANT, tree.districts[0]))


def test_the_org_page_leads_to_this_years_budget(
    tree: Tree, accountant: Client
) -> None:
    response = accountant.get(reverse("budget:org", args=[tree.districts[0].pk]))
    assert response["Location"] == _url("year", tree.districts[0].pk)
    dues = accountant.get(reverse("dues:org", args=[tree.districts[0].pk]))
    assert reverse("budget:org", args=[tree.districts[0].pk]) in dues.content.decode()


def test_the_year_shows_exactly_ten_percent_without_a_warning(
    tree: Tree, accountant: Client, django_assert_max_num_queries: Any
) -> None:
    _plan(tree)
    with django_assert_max_num_queries(14):
        page = accountant.get(_url("year", tree.districts[0].pk))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Training of union staff and activists" in text
    assert "10.00 %" in text
    assert "Warning:" not in text
    assert page.context["report"].planned_tiyn == 100_00


def test_the_year_warns_when_training_is_below_ten_percent(
    tree: Tree, accountant: Client
) -> None:
    """9.99 % of the plan warns; so does spending that is short of training."""
    _plan(tree, training=999, salaries=9001)
    record_expense(
        actor=tree.admin,
        unit=tree.districts[0],
        spent_on=today(),
        category=SALARIES,
        amount_tiyn=5_00,
        document="1",
    )
    text = accountant.get(_url("year", tree.districts[0].pk)).content.decode()
    assert "Warning:" in text
    assert "9.99 % of the planned expenses" in text
    assert "0.00 % of the expenses actually made" in text


def test_saving_the_form_writes_every_line(tree: Tree, accountant: Client) -> None:
    url = _url("edit", tree.districts[0].pk)
    assert accountant.get(url).status_code == 200
    response = accountant.post(url, _form(training="150.50", salaries="1000"))
    assert response.status_code == 302
    budget = Budget.objects.get()
    lines = dict(budget.lines.values_list("category", "planned_tiyn"))
    assert lines[TRAINING] == 150_50
    assert lines[SALARIES] == 1000_00
    assert len(lines) == len(ExpenseCategory)
    assert budget.planned_dues_tiyn == 1000_00


def test_bad_input_keeps_what_was_typed_and_saves_nothing(
    tree: Tree, accountant: Client
) -> None:
    budget = _plan(tree)
    url = _url("edit", tree.districts[0].pk)
    for data in (
        _form(training="-5", salaries="777"),
        _form(training="1.234", salaries="777"),
        _form(training="abc", salaries="777"),
    ):
        response = accountant.post(url, data)
        assert response.status_code == 200
        text = response.content.decode()
        assert 'value="777"' in text
        assert "errorlist" in text
    assert dict(budget.lines.values_list("category", "planned_tiyn")) == {
        TRAINING: 10_00,
        SALARIES: 90_00,
    }


def test_an_approved_budget_refuses_the_form_and_keeps_the_input(
    tree: Tree, accountant: Client
) -> None:
    approve_budget(actor=tree.admin, budget=_plan(tree))
    response = accountant.post(
        _url("edit", tree.districts[0].pk), _form(training="555")
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "reopen it or start a revision" in text
    assert 'value="555"' in text


def test_approving_and_reopening_on_the_page(tree: Tree, accountant: Client) -> None:
    budget = _plan(tree)
    response = accountant.post(reverse("budget:approve", args=[budget.pk]))
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.APPROVED
    page = accountant.get(response["Location"]).content.decode()
    assert "Approved" in page
    refused = accountant.post(
        reverse("budget:reopen", args=[budget.pk]), {"reopen-reason": ""}
    )
    assert refused.status_code == 200
    assert "errorlist" in refused.content.decode()
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.APPROVED
    reopened = accountant.post(
        reverse("budget:reopen", args=[budget.pk]), {"reopen-reason": "Пленум"}
    )
    assert reopened.status_code == 302
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.DRAFT
    revised = accountant.post(
        reverse("budget:revise", args=[budget.pk]), {"revise-reason": "x"}
    )
    assert revised.status_code == 200
    assert "without a revision" in revised.content.decode()


def test_readers_see_but_do_not_change(tree: Tree) -> None:
    budget = _plan(tree)
    reader = _signed_in(grant(Role.AUDITOR, tree.districts[0]))
    unit = tree.districts[0].pk
    page = reader.get(_url("year", unit))
    assert page.status_code == 200
    assert "Approve" not in page.content.decode()
    assert reader.get(_url("expenses", unit)).status_code == 200
    assert reader.get(_url("edit", unit)).status_code == 404
    assert reader.post(_url("edit", unit), _form(training="1")).status_code == 404
    assert reader.post(reverse("budget:approve", args=[budget.pk])).status_code == 404
    assert reader.post(_url("expenses", unit), {}).status_code == 404
    assert reader.post(_url("incomes", unit), {}).status_code == 404
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.DRAFT


def test_another_districts_user_gets_404_everywhere(tree: Tree) -> None:
    budget = _plan(tree)
    expense = record_expense(
        actor=tree.admin,
        unit=tree.districts[0],
        spent_on=today(),
        category=TRAINING,
        amount_tiyn=1_00,
        document="1",
    )
    outsider = _signed_in(grant(Role.ACCOUNTANT, tree.districts[2]))
    unit = tree.districts[0].pk
    for name in ("year", "edit", "expenses", "incomes", "rollup", "csv"):
        assert outsider.get(_url(name, unit)).status_code == 404, name
    assert outsider.get(reverse("budget:org", args=[unit])).status_code == 404
    for name in ("approve", "reopen", "revise"):
        assert (
            outsider.post(reverse(f"budget:{name}", args=[budget.pk])).status_code
            == 404
        )
    deleted = outsider.post(reverse("budget:expense-delete", args=[expense.pk]))
    assert deleted.status_code == 404
    assert Expense.objects.count() == 1


def test_an_insane_year_in_the_address_is_not_found(
    tree: Tree, accountant: Client
) -> None:
    assert accountant.get(_url("year", tree.districts[0].pk, 1999)).status_code == 404
    future = _url("year", tree.districts[0].pk, YEAR + 3)
    assert accountant.get(future).status_code == 404


def test_expenses_are_entered_filtered_and_deleted(
    tree: Tree, accountant: Client, django_assert_max_num_queries: Any
) -> None:
    url = _url("expenses", tree.districts[0].pk)
    entered = {
        "spent_on": today().isoformat(),
        "category": TRAINING,
        "amount": "1500.25",
        "document": "АО-1",
        "description": "Семинар",
    }
    assert accountant.post(url, entered).status_code == 302
    assert accountant.post(url, {**entered, "category": SALARIES}).status_code == 302
    assert Expense.objects.count() == 2
    with django_assert_max_num_queries(10):
        page = accountant.get(url, {"category": TRAINING})
    assert [e.category for e in page.context["expenses"]] == [TRAINING]
    expense = Expense.objects.get(category=TRAINING)
    assert expense.amount_tiyn == 1500_25
    assert expense.recorded_by is not None
    deleted = accountant.post(reverse("budget:expense-delete", args=[expense.pk]))
    assert deleted.status_code == 302
    assert Expense.objects.count() == 1


def test_a_refused_expense_keeps_the_input(tree: Tree, accountant: Client) -> None:
    url = _url("expenses", tree.districts[0].pk)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = accountant.post(
        url,
        {
            "spent_on": tomorrow,
            "category": TRAINING,
            "amount": "10",
            "document": "АО-9",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "cannot be dated in the future" in text
    assert 'value="АО-9"' in text
    assert not Expense.objects.exists()


def test_other_income_is_entered_and_deleted(tree: Tree, accountant: Client) -> None:
    url = _url("incomes", tree.districts[0].pk)
    response = accountant.post(
        url, {"received_on": today().isoformat(), "amount": "200", "document": "ПП-1"}
    )
    assert response.status_code == 302
    income = OtherIncome.objects.get()
    assert accountant.get(url).context["incomes"][0] == income
    deleted = accountant.post(reverse("budget:income-delete", args=[income.pk]))
    assert deleted.status_code == 302
    assert not OtherIncome.objects.exists()


def test_the_csv_holds_budget_against_actual(tree: Tree, accountant: Client) -> None:
    _plan(tree)
    record_expense(
        actor=tree.admin,
        unit=tree.districts[0],
        spent_on=today(),
        category=TRAINING,
        amount_tiyn=2_50,
        document="1",
    )
    response = accountant.get(_url("csv", tree.districts[0].pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Category;Planned, tenge;Spent, tenge;Remaining, tenge;Used, %"
    assert "Training of union staff and activists;10.00;2.50;7.50;25.00" in lines
    assert "Total expenses;100.00;2.50;97.50;2.50" in lines
    assert "Dues;100.00;0.00" in lines


def test_the_rollup_page_lists_flagged_organizations_first(
    tree: Tree, django_assert_max_num_queries: Any
) -> None:
    for unit, training in ((tree.primaries[0], 20_00), (tree.primaries[1], 5_00)):
        save_budget(
            actor=tree.admin,
            unit=unit,
            year=YEAR,
            lines=[(TRAINING, training), (SALARIES, 95_00)],
            planned_dues_tiyn=0,
            planned_other_income_tiyn=0,
        )
    client = _signed_in(grant(Role.CHAIR, tree.districts[0]))
    with django_assert_max_num_queries(12):
        page = client.get(_url("rollup", tree.districts[0].pk))
    assert page.status_code == 200
    rows = page.context["rollup"].rows
    assert [r.budget.unit for r in rows] == [tree.primaries[1], tree.primaries[0]]
    assert "1 organization plans or spends less than 10.00 %" in page.content.decode()
