"""An import queued the production way: through Redis, run by a Celery worker.

Needs a Redis server at ``REDIS_TEST_URL`` (CI sets it); without one the test is
skipped, as the embedded default runs imports inline.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from config.celery import app
from kasipodaq.registry.models import ImportJob, ImportMode, ImportStatus, Person
from kasipodaq.registry.services.imports import confirm_import, open_import
from kasipodaq.registry.tasks import run_import_task
from kasipodaq.registry.tests.factories import build_tree, valid_iin

REDIS_URL = os.environ.get("REDIS_TEST_URL", "")


@pytest.fixture
def redis_app() -> Iterator[Celery]:
    """A Celery app on Redis, current while the test runs, with a worker thread.

    A fresh app rather than the project's reconfigured: the project's may already
    hold a connection pool to the broker it was first given.
    """
    if not REDIS_URL:
        pytest.skip("REDIS_TEST_URL is not set")
    redis_app = Celery("kasipodaq-test", broker=REDIS_URL, set_as_current=True)
    redis_app.conf.update(task_always_eager=False, task_ignore_result=True)
    try:
        with start_worker(redis_app, pool="solo", perform_ping_check=False):
            yield redis_app
    finally:
        app.set_current()


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_is_run_by_a_worker_and_its_page_sees_the_result(
    redis_app: Celery, tmp_path: Path
) -> None:
    tree = build_tree()
    iin = valid_iin()
    path = tmp_path / "members.csv"
    path.write_text(
        "ИИН;Фамилия;Имя;Код организации;Дата вступления\n"
        f"{iin};Ахметова;Айгуль;{tree.primaries[0].code};01.09.2015\n",
        encoding="utf-8",
    )
    job = open_import(
        actor=tree.admin, kind="members", source=path, original_name=path.name
    )

    confirm_import(
        actor=tree.admin, job=job, mapping=job.mapping, mode=ImportMode.ALL_OR_NOTHING
    )

    # Not inline: the job went to Redis, and only a worker can have run it.
    assert run_import_task.app is redis_app
    assert not redis_app.conf.task_always_eager

    deadline = time.monotonic() + 30
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.1)
        job = ImportJob.objects.get(pk=job.pk)
    assert job.status == ImportStatus.DONE
    assert Person.objects.filter(iin=iin).exists()
