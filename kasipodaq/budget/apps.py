from typing import Any

from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "kasipodaq.budget"
    label = "budget"

    def ready(self) -> None:
        from kasipodaq.audit.labels import label_with
        from kasipodaq.registry.signals import demo_built

        from .models import Budget, Expense, OtherIncome

        label_with(Budget, Expense, OtherIncome)
        # After the dues' receiver (the apps are ready in that order): the demo's
        # budgets sit beside the dues it has collected.
        demo_built.connect(_demo_budgets, dispatch_uid="budget.demo_built")


def _demo_budgets(step: Any, **kwargs: Any) -> None:
    """The demo union plans its year and spends by the plan."""
    from .demo import build_demo_budgets

    build_demo_budgets(step)
