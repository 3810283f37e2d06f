"""An import file run through the job service, as the page and the command run it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kasipodaq.registry.models import ImportJob, ImportMode
from kasipodaq.registry.services.imports import confirm_import, open_import, run_import


def run_file(
    actor: Any,
    path: Path,
    mode: str = ImportMode.ALL_OR_NOTHING,
    *,
    kind: str = "members",
) -> ImportJob:
    """Open, confirm with the proposed columns, and run: the finished job."""
    job = open_import(actor=actor, kind=kind, source=path, original_name=path.name)
    confirm_import(
        actor=actor, job=job, mapping=job.mapping, mode=mode, run=lambda pk: None
    )
    return run_import(job)
