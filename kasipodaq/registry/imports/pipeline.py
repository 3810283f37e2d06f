"""What every import shares: streaming parsed rows into staging, and the problems.

An import reads its file once. Each row is parsed in Python; the good ones go to the
staging table in batches while the problems are kept, up to a limit (a file of the
wrong kind would otherwise fill memory with a million copies of one complaint).
Checks across rows and against the database then run as SQL over the staging table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from kasipodaq.registry.imports.headers import ColumnMapping
from kasipodaq.registry.imports.member_checks import Scope
from kasipodaq.registry.imports.reading import Row, Table
from kasipodaq.registry.imports.staging import StagingTable
from kasipodaq.registry.imports.values import RowProblem

BATCH_ROWS = 5000
MAX_PROBLEMS = 100_000
PROGRESS_SECONDS = 0.5

# Phases reported to the progress callback.
READING, CHECKING, WRITING = "reading", "checking", "writing"

Progress = Callable[[str, int], None]


def no_progress(phase: str, rows_read: int) -> None:
    """A progress callback that does nothing."""


class ParsedRow(Protocol):
    @property
    def row_number(self) -> int: ...


Parser = Callable[[Row], tuple[Any, list[RowProblem]]]


@dataclass
class Problems:
    """The problems found in a file, the rows they fall on and a cap on their number."""

    kept: list[RowProblem] = field(default_factory=list)
    rows: set[int] = field(default_factory=set)
    dropped: int = 0

    def add(self, problems: Iterable[RowProblem]) -> None:
        for problem in problems:
            self.rows.add(problem.row_number)
            if len(self.kept) < MAX_PROBLEMS:
                self.kept.append(problem)
            else:
                self.dropped += 1

    def __bool__(self) -> bool:
        return bool(self.rows)

    def sorted(self) -> list[RowProblem]:
        """By row; a row's own problems in the order they were found (its columns')."""
        return sorted(self.kept, key=attrgetter("row_number"))


@dataclass(frozen=True)
class ImportRequest:
    """What to import and how: the file, its columns, the mode, where the importer
    may write, and who imports (``actor`` None is the command line)."""

    path: Path
    mapping: ColumnMapping
    mode: str
    scope: Scope
    actor: Any
    note: str

    @property
    def actor_id(self) -> int | None:
        return getattr(self.actor, "pk", None)


Written = TypeVar("Written")


@dataclass
class ImportOutcome(Generic[Written]):
    """The rows read, their problems, and what was written (None: nothing)."""

    rows_read: int = 0
    problems: Problems = field(default_factory=Problems)
    written: Written | None = None


def stream_rows(
    table: Table,
    parse: Parser,
    stage: StagingTable,
    problems: Problems,
    *,
    progress: Progress = no_progress,
    on_rejected: Callable[[Row], None] | None = None,
) -> int:
    """Parse every data row of ``table`` into ``stage``; the number of rows read.

    ``on_rejected`` sees the raw row of every row that did not parse.
    """
    read = 0
    batch: list[Any] = []
    last_report = time.monotonic()
    for row in table.rows():
        read += 1
        parsed, row_problems = parse(row)
        if row_problems:
            problems.add(row_problems)
            if on_rejected is not None:
                on_rejected(row)
        if parsed is not None:
            batch.append(parsed)
            if len(batch) >= BATCH_ROWS:
                stage.write(batch)
                batch = []
                now = time.monotonic()
                if now - last_report >= PROGRESS_SECONDS:
                    progress(READING, read)
                    last_report = now
    stage.write(batch)
    progress(READING, read)
    return read
