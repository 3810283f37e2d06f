"""Background work of cards, run by Celery (inline on the embedded default)."""

from __future__ import annotations

from celery import shared_task

from .models import IssueRun
from .services.runs import perform_run


@shared_task(ignore_result=True)
def issue_cards_task(run_id: int) -> None:
    """Carry out a queued bulk issue."""
    perform_run(IssueRun.objects.get(pk=run_id))
