"""Reads of import jobs for the staff pages: a job belongs to the user who made it.

An import job holds a file and its problems, and its rows name people and
organizations of the importer's subtree, so it is shown to its maker only: anybody
else is answered 404, as for a job that does not exist. Each function answers in a
fixed number of queries, however many jobs or problems there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from kasipodaq.access.policy import subtree_roots

from .imports.headers import Field, header_words
from .imports.progress import with_live_progress
from .imports.reading import open_table
from .imports.report import problem_text
from .imports.values import RowProblem
from .models import ImportJob, ImportKind, SavedMapping
from .services.imports import IMPORT_PERMS

PREVIEW_ROWS = 5
PROBLEMS_PER_PAGE = 50


def importable_kinds(user: Any) -> list[ImportKind]:
    """The kinds of file the user may import somewhere in the tree."""
    return [kind for kind in ImportKind if subtree_roots(user, IMPORT_PERMS[kind])]


def list_jobs(user: Any) -> QuerySet[ImportJob]:
    """The user's own import jobs, newest first, without their headers and mapping."""
    return (
        ImportJob.objects.filter(created_by=user)
        .defer("headers", "mapping", "result", "error", "file_path")
        .order_by("-created_at", "-pk")
    )


def access_job(user: Any, pk: Any) -> ImportJob:
    """The user's own job, or 404 whether it is someone else's or missing."""
    try:
        job = ImportJob.objects.get(pk=pk, created_by=user)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return with_live_progress(job)


def list_saved_mappings(user: Any, kind: str) -> QuerySet[SavedMapping]:
    """The mappings the user saved for files of this kind, by name."""
    return SavedMapping.objects.filter(owner=user, kind=kind).order_by("name", "pk")


def access_saved_mapping(user: Any, kind: str, pk: Any) -> SavedMapping:
    """One of the user's saved mappings for this kind, or 404."""
    try:
        return list_saved_mappings(user, kind).get(pk=pk)
    except (SavedMapping.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class Preview:
    """The first data rows of a file, each with its row number, cut to its headers."""

    rows: list[tuple[int, tuple[str, ...]]]

    def column(self, index: int) -> list[str]:
        """The preview's cells of one column, top to bottom."""
        return [
            values[index] if index < len(values) else "" for _n, values in self.rows
        ]


def preview_job(job: ImportJob, rows: int = PREVIEW_ROWS) -> Preview:
    """The first ``rows`` data rows of the job's file, read afresh.

    Raises ImportFileError when the kept file can no longer be read.
    """
    table = open_table(job.file_path)
    return Preview(
        rows=[(row.number, row.values) for row in islice(table.rows(), rows)]
    )


def mapping_from_saved(saved: SavedMapping, headers: list[str]) -> dict[str, int]:
    """A saved mapping laid onto a file's headers, each field to the column whose
    header reads as the one it was saved with.

    Files of one source often gain, lose or reorder a column: matching by header
    keeps the fields on the right columns, where matching by position would not.
    A field whose header the file lacks is left for the user to place.
    """
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        positions.setdefault(" ".join(header_words(header)), index)
    mapping: dict[str, int] = {}
    for field, column in saved.mapping.items():
        if not 0 <= column < len(saved.headers):
            continue
        found = positions.get(" ".join(header_words(saved.headers[column])))
        if found is not None and found not in mapping.values():
            mapping[field] = found
    return mapping


@dataclass(frozen=True)
class ProblemLine:
    row_number: int
    text: str


def problem_page(job: ImportJob, number: Any) -> Page[ProblemLine]:
    """One page of the job's problems as sentences in the active language.

    Two queries whatever the page: the count and the page's problems.
    """
    problems = job.problems.order_by("row_number", "pk").values_list(
        "row_number", "field", "code", "other_row"
    )
    page = Paginator(problems, PROBLEMS_PER_PAGE).get_page(number)
    lines = [
        ProblemLine(
            row_number,
            problem_text(job, RowProblem(row_number, Field(field), code, other)),
        )
        for row_number, field, code, other in page.object_list
    ]
    # The page keeps its paginator for the counts; only its rows change type.
    return Page(lines, page.number, cast("Paginator[ProblemLine]", page.paginator))
