"""Background work of dues, run by Celery (inline on the embedded default)."""

from __future__ import annotations

from celery import shared_task

from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgUnit

from .services.card_payments import charge_due_subscriptions
from .services.reminders import remind_arrears


@shared_task(ignore_result=True)
def charge_subscriptions_task() -> None:
    """The day's card charges (Celery beat runs it each morning)."""
    charge_due_subscriptions(today=today())


@shared_task(ignore_result=True)
def remind_arrears_task(unit_id: int | None = None) -> int:
    """Email the members in arrears under a unit (the whole union by default)
    who were not reminded lately; the number of messages sent."""
    unit = (
        OrgUnit.objects.get(pk=unit_id)
        if unit_id is not None
        else OrgUnit.objects.union_root()
    )
    if unit is None:
        return 0
    return remind_arrears(actor=None, unit=unit, on=today()).sent
