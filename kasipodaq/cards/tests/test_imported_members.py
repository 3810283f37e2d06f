"""Members admitted by an import get their cards too: a run of the subtrees the
import wrote to, queued in its transaction and started once it commits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kasipodaq.cards.models import Card, IssueRun, RunStatus
from kasipodaq.registry.imports.tests.jobs import run_file
from kasipodaq.registry.models import ImportMode, ImportStatus, Person
from kasipodaq.registry.tests.factories import Tree, valid_iin

HEADER = "ИИН;Фамилия;Имя;Код организации;Дата вступления"


def _members_file(tmp_path: Path, tree: Tree, count: int) -> tuple[Path, list[str]]:
    iins = [valid_iin() for _ in range(count)]
    school = tree.primaries[0].code
    path = tmp_path / "members.csv"
    rows = [f"{iin};Ахметова;Айгуль;{school};01.09.2015" for iin in iins]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path, iins


def test_an_imports_new_members_hold_cards_once_it_commits(
    tree: Tree, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path, iins = _members_file(tmp_path, tree, 3)
    with django_capture_on_commit_callbacks(execute=True):
        job = run_file(tree.admin, path)
    assert job.status == ImportStatus.DONE
    people = Person.objects.filter(iin__in=iins)
    cards = Card.objects.filter(person__in=people, revoked_on=None)
    assert cards.count() == 3
    run = IssueRun.objects.get()
    assert (run.status, run.issued, run.created_by) == (RunStatus.DONE, 3, None)
    # The run is of the importer's subtree: the whole union for its administrator.
    assert run.unit == tree.central


def test_an_import_only_checked_queues_nothing(
    tree: Tree, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path, _iins = _members_file(tmp_path, tree, 2)
    with django_capture_on_commit_callbacks(execute=True):
        job = run_file(tree.admin, path, ImportMode.CHECK)
    assert job.status == ImportStatus.CHECKED
    assert not IssueRun.objects.exists()
    assert not Card.objects.filter(person__iin__in=_iins).exists()


def test_importing_the_same_members_again_issues_nothing_more(
    tree: Tree, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path, _iins = _members_file(tmp_path, tree, 2)
    with django_capture_on_commit_callbacks(execute=True):
        run_file(tree.admin, path)
    with django_capture_on_commit_callbacks(execute=True):
        run_file(tree.admin, path)
    assert IssueRun.objects.count() == 1  # nothing new was admitted the second time
    assert Card.objects.filter(person__iin__in=_iins).count() == 2
