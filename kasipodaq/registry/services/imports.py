"""Imports as jobs: a file is opened, its columns confirmed, then it runs.

``open_import`` keeps the uploaded file and proposes a column mapping (a saved one
whose headers match, or one guessed from the headers); ``confirm_import`` takes the
user's mapping and mode and queues the job; ``run_import`` does the work, in a
Celery worker or inline, and keeps the result and the problems on the job. The
command line goes through the same three steps.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasipodaq.access.perms import Perm
from kasipodaq.access.policy import subtree_roots
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.registry.imports.errors import ImportFileError
from kasipodaq.registry.imports.headers import (
    REQUIRED,
    SPELLINGS,
    ColumnMapping,
    Field,
    guess_mapping,
)
from kasipodaq.registry.imports.member_checks import Scope
from kasipodaq.registry.imports.member_import import MemberOutcome, import_members
from kasipodaq.registry.imports.org_import import OrgOutcome, import_orgs
from kasipodaq.registry.imports.pipeline import ImportRequest, Progress, no_progress
from kasipodaq.registry.imports.progress import remember_progress
from kasipodaq.registry.imports.reading import open_table
from kasipodaq.registry.imports.values import FIELD_LABELS
from kasipodaq.registry.models import (
    ImportJob,
    ImportKind,
    ImportMode,
    ImportProblem,
    ImportStatus,
    SavedMapping,
)

IMPORT_PERMS: dict[str, Perm] = {
    ImportKind.MEMBERS: Perm.MEMBER_MANAGE,
    ImportKind.ORGS: Perm.ORG_MANAGE,
}
PROBLEM_BATCH = 5000
# A job that wrote nothing may be confirmed (again).
CONFIRMABLE = (ImportStatus.NEW, ImportStatus.CHECKED, ImportStatus.REJECTED)
# The length of AuditEvent.note: an import's note names a file of up to 255.
NOTE_MAX = 300

logger = logging.getLogger(__name__)

# What an import wrote, as a job's result keeps it.
RESULT_LABELS = {
    "people_created": gettext_lazy("People added"),
    "people_updated": gettext_lazy("People updated"),
    "memberships_created": gettext_lazy("Membership periods added"),
    "memberships_updated": gettext_lazy("Membership periods updated"),
    "units_created": gettext_lazy("Organizations added"),
    "units_updated": gettext_lazy("Organizations updated"),
    "units_moved": gettext_lazy("Organizations moved"),
    "units_closed": gettext_lazy("Organizations closed"),
    "employers_created": gettext_lazy("Employers added"),
    "rows_unchanged": gettext_lazy("Rows already as in the registry"),
}


def result_lines(result: dict[str, int]) -> list[tuple[str, int]]:
    """A job's result as (label, count) in the active language."""
    return [(str(RESULT_LABELS.get(key, key)), value) for key, value in result.items()]


def import_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def open_import(
    *, actor: Any, kind: str, source: IO[bytes] | Path, original_name: str
) -> ImportJob:
    """Keep an import file and propose how its columns map onto the fields.

    ``actor`` None is the command line, which may import anywhere.
    """
    if actor is not None and not subtree_roots(actor, IMPORT_PERMS[kind]):
        raise PermissionRefused(_("You may not import into any organization."))
    target = import_dir() / f"{uuid.uuid4().hex}{Path(original_name).suffix.lower()}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Path):
        shutil.copyfile(source, target)
    else:
        with target.open("wb") as stream:
            shutil.copyfileobj(source, stream)
    try:
        headers = open_table(target).headers
    except ImportFileError:
        target.unlink(missing_ok=True)
        raise
    mapping = _saved_mapping(actor, kind, headers) or _guessed_mapping(headers, kind)
    return ImportJob.objects.create(
        kind=kind,
        file_path=str(target),
        original_name=Path(original_name).name[:255],
        created_by=actor,
        headers=headers,
        mapping=mapping,
    )


def _saved_mapping(actor: Any, kind: str, headers: list[str]) -> dict[str, int] | None:
    if actor is None:
        return None
    saved = (
        SavedMapping.objects.filter(owner=actor, kind=kind, headers=headers)
        .order_by("-created_at")
        .first()
    )
    return dict(saved.mapping) if saved else None


def _guessed_mapping(headers: list[str], kind: str) -> dict[str, int]:
    guessed = guess_mapping(headers, ImportKind(kind).value)  # type: ignore[arg-type]
    return {str(f): i for f, i in guessed.columns.items() if i is not None}


def saved_mappings(*, actor: Any, kind: str) -> list[SavedMapping]:
    return list(SavedMapping.objects.filter(owner=actor, kind=kind))


def column_mapping(job: ImportJob) -> ColumnMapping:
    fields = SPELLINGS[job.kind]
    return ColumnMapping(
        columns={f: job.mapping.get(str(f)) for f in fields},
        missing=[f for f in REQUIRED[job.kind] if str(f) not in job.mapping],
    )


def check_mapping(kind: str, headers: list[str], mapping: dict[str, int]) -> None:
    """Refuse unknown fields or columns, or a mapping without a required field."""
    fields = {str(f) for f in SPELLINGS[kind]}
    for name, column in mapping.items():
        if name not in fields:
            raise DomainError(_("Unknown field in the mapping."), code="mapping")
        if not 0 <= column < len(headers):
            raise DomainError(_("Unknown column in the mapping."), code="mapping")
    if len(set(mapping.values())) != len(mapping):
        raise DomainError(
            _("A column is mapped to more than one field."), code="mapping"
        )
    for required in _missing(kind, mapping):
        raise DomainError(
            _("Choose the column that holds «%(field)s».")
            % {"field": field_label(required)},
            field=str(required),
            code="mapping",
        )


def missing_fields(job: ImportJob) -> list[Field]:
    """The required fields the job's mapping has no column for."""
    return _missing(job.kind, job.mapping)


def _missing(kind: str, mapping: dict[str, int]) -> list[Field]:
    full_name = str(Field.FULL_NAME) in mapping
    return [
        required
        for required in REQUIRED[kind]
        if str(required) not in mapping
        and not (full_name and required in (Field.LAST_NAME, Field.FIRST_NAME))
    ]


def field_label(field: Field) -> str:
    return str(FIELD_LABELS[field])


def confirm_import(
    *,
    actor: Any,
    job: ImportJob,
    mapping: dict[str, int],
    mode: str,
    save_as: str = "",
    run: Callable[[int], Any] | None = None,
) -> ImportJob:
    """Fix the mapping and the mode, remember the mapping if asked, and queue the job.

    ``run`` starts the job after commit (the Celery task by default). A job that
    wrote nothing (checked, or rejected) may be confirmed again, so that a file
    checked first is then imported, or only its valid rows.
    """
    if actor is not None and job.created_by_id != actor.pk:
        raise PermissionRefused(_("This import is someone else's."))
    if mode not in ImportMode.values:
        raise DomainError(_("Choose what to do with the file."), code="mode")
    check_mapping(job.kind, job.headers, mapping)
    with transaction.atomic():
        # Compare and set: of two confirmations sent at once, one queues the job.
        queued = ImportJob.objects.filter(pk=job.pk, status__in=CONFIRMABLE).update(
            mapping=mapping, mode=mode, status=ImportStatus.QUEUED
        )
        if not queued:
            raise DomainError(_("This import has already run."), code="already_run")
        job.mapping = mapping
        job.mode = mode
        job.status = ImportStatus.QUEUED
        if save_as.strip() and actor is not None:
            SavedMapping.objects.update_or_create(
                owner=actor,
                kind=job.kind,
                name=save_as.strip()[:100],
                defaults={"headers": job.headers, "mapping": mapping},
            )
        if run is None:
            from kasipodaq.registry.tasks import run_import_task

            def run(pk: int) -> Any:
                return run_import_task.delay(pk)

        start = run
        transaction.on_commit(lambda: start(job.pk))
    return job


def run_import(job: ImportJob, *, progress: Progress = no_progress) -> ImportJob:
    """Read, check and (unless only checking) write the job's file; keep the result.

    Only a queued job runs: a task delivered twice finds it taken and leaves it.
    """
    started_at = timezone.now()
    taken = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=started_at
    )
    if not taken:
        logger.warning("Import #%s is not queued; not run again", job.pk)
        job.refresh_from_db()
        return job
    job.status = ImportStatus.RUNNING
    job.started_at = started_at

    def report(phase: str, rows_read: int) -> None:
        job.phase = phase
        job.rows_read = rows_read
        job.save(update_fields=["phase", "rows_read"])
        remember_progress(job.pk, phase, rows_read)
        progress(phase, rows_read)

    try:
        outcome = _run(job, report)
    except ImportFileError as exc:
        job.status = ImportStatus.FAILED
        job.error = str(exc)
    except Exception:
        logger.exception("Import #%s failed", job.pk)
        job.status = ImportStatus.FAILED
        job.error = _("The import stopped on an unexpected error; nothing was written.")
    else:
        _keep_outcome(job, outcome)
    job.finished_at = timezone.now()
    job.save()
    return job


def _run(job: ImportJob, progress: Progress) -> MemberOutcome | OrgOutcome:
    actor = job.created_by
    roots = None if actor is None else subtree_roots(actor, IMPORT_PERMS[job.kind])
    request = ImportRequest(
        path=Path(job.file_path),
        mapping=column_mapping(job),
        mode=job.mode,
        scope=Scope(roots),
        actor=actor,
        note=(
            _("Import #%(number)s, file %(file)s")
            % {"number": job.pk, "file": job.original_name}
        )[:NOTE_MAX],
    )
    run = import_orgs if job.kind == ImportKind.ORGS else import_members
    return run(request, now=timezone.now(), progress=progress)


def _keep_outcome(job: ImportJob, outcome: MemberOutcome | OrgOutcome) -> None:
    job.rows_read = outcome.rows_read
    job.rows_rejected = len(outcome.problems.rows)
    job.result = {}
    if outcome.written is not None and (
        any(outcome.written.as_dict().values()) or not outcome.problems
    ):
        job.status = ImportStatus.DONE
        job.result = outcome.written.as_dict()
    elif outcome.problems:
        job.status = ImportStatus.REJECTED
    else:
        job.status = ImportStatus.CHECKED
    job.problems.all().delete()
    _save_problems(job, outcome.problems.sorted())


def _save_problems(job: ImportJob, problems: Iterable[Any]) -> None:
    ImportProblem.objects.bulk_create(
        (
            ImportProblem(
                job=job,
                row_number=p.row_number,
                field=str(p.field),
                code=p.code,
                other_row=p.other_row,
            )
            for p in problems
        ),
        batch_size=PROBLEM_BATCH,
    )
