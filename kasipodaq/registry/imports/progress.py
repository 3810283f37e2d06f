"""A running import's progress, where the page can read it during the transaction.

The job row is written inside the import's transaction once the checks begin, so
another connection would see its phase only at the end. The phase and the rows
read also go to the cache (Redis in production, where the worker and the web
processes share it), and the page reads them from there while the job runs.
"""

from __future__ import annotations

from django.core.cache import cache

from kasipodaq.registry.models import ImportJob, ImportStatus

TIMEOUT_SECONDS = 24 * 3600


def _key(job_pk: int) -> str:
    return f"import-progress:{job_pk}"


def remember_progress(job_pk: int, phase: str, rows_read: int) -> None:
    cache.set(_key(job_pk), (phase, rows_read), TIMEOUT_SECONDS)


def with_live_progress(job: ImportJob) -> ImportJob:
    """The job, its phase and rows read as last reported while it runs."""
    if job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        live = cache.get(_key(job.pk))
        if live is not None:
            job.phase, job.rows_read = live
    return job
