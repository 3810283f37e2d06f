"""Staff pages of budgets (namespace "budget")."""

from django.urls import path

from .views import budgets, entries

app_name = "budget"
urlpatterns = [
    path("org/<int:pk>/", budgets.OrgBudgetView.as_view(), name="org"),
    path("org/<int:pk>/<int:year>/", budgets.BudgetYearView.as_view(), name="year"),
    path(
        "org/<int:pk>/<int:year>/edit/",
        budgets.BudgetEditView.as_view(),
        name="edit",
    ),
    path(
        "org/<int:pk>/<int:year>/rollup/",
        budgets.RollupView.as_view(),
        name="rollup",
    ),
    path(
        "org/<int:pk>/<int:year>/budget.csv",
        budgets.BudgetCsvView.as_view(),
        name="csv",
    ),
    path(
        "org/<int:pk>/<int:year>/expenses/",
        entries.ExpensesView.as_view(),
        name="expenses",
    ),
    path(
        "org/<int:pk>/<int:year>/income/",
        entries.IncomesView.as_view(),
        name="incomes",
    ),
    path(
        "<int:pk>/approve/",
        budgets.BudgetActionView.as_view(action="approve"),
        name="approve",
    ),
    path(
        "<int:pk>/reopen/",
        budgets.BudgetActionView.as_view(action="reopen"),
        name="reopen",
    ),
    path(
        "<int:pk>/revise/",
        budgets.BudgetActionView.as_view(action="revise"),
        name="revise",
    ),
    path(
        "expense/<int:pk>/delete/",
        entries.ExpenseDeleteView.as_view(),
        name="expense-delete",
    ),
    path(
        "income/<int:pk>/delete/",
        entries.IncomeDeleteView.as_view(),
        name="income-delete",
    ),
]
