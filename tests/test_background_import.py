"""An import queued the production way: through Redis, run by a Celery worker.

Needs a Redis server at ``REDIS_TEST_URL`` (CI sets it); without one the test is
skipped, as the embedded default runs imports inline.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from kasipodaq.registry.models import ImportJob, ImportMode, ImportStatus, Person
from kasipodaq.registry.services.imports import confirm_import, open_import
from kasipodaq.registry.tests.factories import build_tree, valid_iin

REDIS_URL = os.environ.get("REDIS_TEST_URL", "")


@pytest.fixture
def worker(settings: Any, tmp_path: Path) -> Iterator[None]:
    if not REDIS_URL:
        pytest.skip("REDIS_TEST_URL is not set")
    settings.DATA_DIR = tmp_path / "data"
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "task_always_eager", "result_backend")
    }
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, result_backend=None)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False):
            yield
    finally:
        app.conf.update(saved)


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_is_run_by_a_worker_and_its_page_sees_the_result(
    worker: None, tmp_path: Path
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
    assert not app.conf.task_always_eager
    assert app.conf.broker_url == REDIS_URL

    deadline = time.monotonic() + 30
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.1)
        job = ImportJob.objects.get(pk=job.pk)
    assert job.status == ImportStatus.DONE
    assert Person.objects.filter(iin=iin).exists()
