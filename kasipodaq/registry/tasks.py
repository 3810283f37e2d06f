"""Background work of the registry, run by Celery (inline on the embedded default)."""

from __future__ import annotations

from celery import shared_task

from kasipodaq.registry.models import ImportJob
from kasipodaq.registry.services.imports import run_import


@shared_task(ignore_result=True)
def run_import_task(job_id: int) -> None:
    """Run a queued import."""
    run_import(ImportJob.objects.get(pk=job_id))
