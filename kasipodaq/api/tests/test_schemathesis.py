"""Generated requests to every operation of the schema: no server error, answers
as documented.

Schemathesis reads /api/v1/openapi.json from the WSGI application and generates
requests from it, valid ones and as many invalid ones (which must be refused with
a documented 4xx); each is sent in-process with a central administrator's token.
Ids in the path, query and body are mostly replaced by those of existing objects,
so the generated requests reach the services, not only the 404 of an unknown id.
Each request runs in a savepoint that is rolled back: every example starts from
the same small union.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kasipodaq.api.tokens import issue_token
from kasipodaq.cards.models import IssueRun
from kasipodaq.core.dates import today
from kasipodaq.registry.models import Category
from kasipodaq.registry.tests.factories import Tree
from kasipodaq.reporting.models import Report, ReportForm
from kasipodaq.reporting.services.campaigns import open_campaign

EXAMPLES_PER_OPERATION = 25
OPERATIONS = {
    "GET /api/v1/orgs",
    "POST /api/v1/orgs",
    "GET /api/v1/orgs/{id}",
    "PATCH /api/v1/orgs/{id}",
    "POST /api/v1/orgs/{id}/move",
    "POST /api/v1/orgs/{id}/merge",
    "POST /api/v1/orgs/{id}/liquidate",
    "POST /api/v1/orgs/{id}/leave-union",
    "POST /api/v1/orgs/{id}/employees",
    "GET /api/v1/members",
    "POST /api/v1/members",
    "GET /api/v1/members/{id}",
    "PATCH /api/v1/members/{id}",
    "DELETE /api/v1/members/{id}",
    "POST /api/v1/members/{id}/leave",
    "POST /api/v1/members/{id}/transfer",
    "GET /api/v1/reports/forms",
    "GET /api/v1/reports/campaigns",
    "GET /api/v1/reports/campaigns/{id}/reports",
    "GET /api/v1/reports/{id}",
    "PUT /api/v1/reports/{id}/entries",
    "POST /api/v1/reports/{id}/submit",
    "POST /api/v1/reports/{id}/approve",
    "POST /api/v1/reports/{id}/return",
    "POST /api/v1/reports/{id}/missing",
    "POST /api/v1/reports/{id}/reopen",
    "GET /api/v1/cards/members/{id}",
    "POST /api/v1/cards/members/{id}/issue",
    "POST /api/v1/cards/members/{id}/reissue",
    "POST /api/v1/cards/members/{id}/revoke",
    "GET /api/v1/cards/members/{id}/card.png",
    "POST /api/v1/cards/runs",
    "GET /api/v1/cards/runs/{id}",
    "GET /api/v1/dues/members/{id}",
    "POST /api/v1/dues/members/{id}/cash",
    "GET /api/v1/dues/orgs/{id}/months/{month}",
    "POST /api/v1/dues/orgs/{id}/accruals",
    "GET /api/v1/dues/orgs/{id}/arrears",
}
UNIT_FIELDS = ("parent", "into", "to_unit", "org_unit", "org")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI application, sharing the test's database transaction.

    Django closes the connection at the end of each request; inside a test that
    would end the test's transaction, so (like Django's own test client) the
    application is served with that signal disconnected.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _populate(tree: Tree) -> list[int]:
    """Members in every primary organization, some of them former; their ids."""
    people = []
    for number, unit in enumerate(tree.primaries):
        membership = tree.admit(
            unit,
            joined_on=dt.date(2015, 9, 1),
            category=Category.STUDENT if number % 3 == 0 else Category.WORKING,
        )
        people.append(membership.person_id)
    return people


def _with_known_ids(
    case: Any, draw: Any, *, path_ids: list[int], unit_ids: list[int]
) -> None:
    """Point most of the case's ids at existing objects, leave the others unknown."""

    def known(ids: list[int]) -> int | None:
        return draw(st.sampled_from(ids)) if draw(st.integers(0, 4)) else None

    if "id" in (case.path_parameters or {}):
        case.path_parameters["id"] = known(path_ids) or case.path_parameters["id"]
    for values in (case.body, case.query):
        if not isinstance(values, dict):
            continue
        for field in UNIT_FIELDS:
            if isinstance(values.get(field), int):
                values[field] = known(unit_ids) or values[field]


def _fuzz(
    operation: Any, *, headers: dict[str, str], path_ids: list[int], unit_ids: list[int]
) -> list[tuple[GenerationMode, int]]:
    """Run generated requests of one operation, valid and invalid; the answers."""
    answers: list[tuple[GenerationMode, int]] = []
    strategies = {mode: operation.as_strategy(mode) for mode in GenerationMode}

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def run(data: st.DataObject) -> None:
        mode = data.draw(st.sampled_from(list(GenerationMode)))
        case = data.draw(strategies[mode])
        _with_known_ids(case, data.draw, path_ids=path_ids, unit_ids=unit_ids)
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        answers.append((mode, response.status_code))
        case.validate_response(response, checks=CHECKS)

    run()
    return answers


def test_every_operation_answers_as_its_schema_says(
    tree: Tree, wsgi_app: WSGIHandler
) -> None:
    """No generated request makes a server error; every answer is documented."""
    people = _populate(tree)
    units = [tree.central.pk] + [
        u.pk for u in (*tree.regions, *tree.districts, *tree.primaries)
    ]
    campaign = open_campaign(
        actor=tree.admin,
        form=ReportForm.objects.get(code="legal"),
        year=today().year - 1,
        deadline=today() + dt.timedelta(days=30),
    )
    run = IssueRun.objects.create(unit=tree.districts[0], created_by=tree.admin)
    path_ids_by = {
        "/api/v1/members": people,
        "/api/v1/cards/members": people,
        "/api/v1/cards/runs": [run.pk],
        "/api/v1/dues/members": people,
        "/api/v1/dues/orgs": units,
        "/api/v1/reports/campaigns": [campaign.pk],
        "/api/v1/reports": list(
            Report.objects.filter(campaign=campaign).values_list("pk", flat=True)
        ),
    }
    _row, token = issue_token(user=tree.admin)
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert {op.label for op in operations} == OPERATIONS

    answers: dict[str, list[tuple[GenerationMode, int]]] = {}
    for operation in operations:
        path_ids = next(
            (ids for p, ids in path_ids_by.items() if operation.path.startswith(p)),
            units,
        )
        answers[operation.label] = _fuzz(
            operation, headers=headers, path_ids=path_ids, unit_ids=units
        )

    assert set(answers) == OPERATIONS
    for label, answered in answers.items():
        valid = [status for mode, status in answered if mode is GenerationMode.POSITIVE]
        # Valid requests carry the token, and some got past the 404 of an unknown
        # id: the generated requests reached the services.
        assert valid, label
        assert 401 not in valid, label
        assert set(valid) - {404}, label
