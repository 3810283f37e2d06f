"""Bulk issuing as a background run whose progress the page shows."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.orgtree.models import OrgUnit

from ..keys import current_ring
from ..models import IssueRun, RunStatus
from ..selectors import union_root
from .bulk import issue_missing_cards

logger = logging.getLogger(__name__)


@transaction.atomic
def start_issue_run(*, actor: Any, unit: OrgUnit) -> IssueRun:
    """Queue a run for `unit`'s subtree; it starts once this transaction commits."""
    policy.require(actor, Perm.CARD_ISSUE, unit=unit)
    return _queue(IssueRun.objects.create(unit=unit, created_by=actor))


def queue_runs_after_import(roots: Sequence[str] | None) -> list[IssueRun]:
    """Queue a run for each subtree an import wrote memberships to (`roots` None:
    the whole union), by nobody — the import was allowed, the cards follow from
    it; they start once the import's transaction commits. Nothing without a key
    to sign with (the run would only fail)."""
    if current_ring().signing is None:
        return []
    if roots is None:
        root = union_root()
        units = [root] if root is not None else []
    else:
        units = list(OrgUnit.objects.filter(path__in=roots))
    return [_queue(IssueRun.objects.create(unit=unit)) for unit in units]


def _queue(run: IssueRun) -> IssueRun:
    from ..tasks import issue_cards_task

    transaction.on_commit(lambda: issue_cards_task.delay(run.pk))
    return run


def perform_run(run: IssueRun) -> IssueRun:
    """Carry out a queued run (a task delivered twice finds it taken)."""
    taken = IssueRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING
    )
    if not taken:
        return run

    def progress(issued: int, total: int) -> None:
        IssueRun.objects.filter(pk=run.pk).update(issued=issued, total=total)

    try:
        issued = issue_missing_cards(
            actor=run.created_by, unit=run.unit, progress=progress
        )
    except Exception as exc:
        logger.exception("card issue run %s failed", run.pk)
        IssueRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
    else:
        run.refresh_from_db(fields=["total"])
        IssueRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            issued=issued,
            total=max(issued, run.total or 0),
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run
