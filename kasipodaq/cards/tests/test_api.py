"""/api/v1/cards: the same actions and refusals as the pages."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from kasipodaq.access.perms import Role
from kasipodaq.api.tests.client import api_as
from kasipodaq.cards.models import Card, IssueRun, RunStatus
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant


@pytest.fixture
def person(tree: Tree) -> Person:
    return tree.admit(tree.primaries[0]).person


def test_read_a_members_cards(tree: Tree, person: Person) -> None:
    card = Card.objects.get(person=person)
    answer = api_as(tree.admin).get(f"/cards/members/{person.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["in_force"]["number"] == card.number
    assert body["in_force"]["status"] == "valid"
    assert body["in_force"]["verify_url"].endswith(f"/v/{card.token}")
    assert [c["serial"] for c in body["cards"]] == [1]


def test_reissue_revoke_and_issue_again(tree: Tree, person: Person) -> None:
    api = api_as(tree.admin)
    reissued = api.post(f"/cards/members/{person.pk}/reissue", {"reason": "damaged"})
    assert reissued.status_code == 201
    assert [(c["serial"], c["status"]) for c in reissued.json()["cards"]] == [
        (2, "valid"),
        (1, "revoked"),
    ]
    revoked = api.post(f"/cards/members/{person.pk}/revoke", {"reason": "withdrawn"})
    assert revoked.status_code == 200
    assert revoked.json()["in_force"] is None
    again = api.post(f"/cards/members/{person.pk}/issue")
    assert again.status_code == 201
    assert again.json()["in_force"]["serial"] == 3


def test_refusals_are_422_and_change_nothing(tree: Tree, person: Person) -> None:
    api = api_as(tree.admin)
    twice = api.post(f"/cards/members/{person.pk}/issue")
    assert twice.status_code == 422
    assert "already has a card in force" in twice.json()["detail"]
    bad = api.post(f"/cards/members/{person.pk}/reissue", {"reason": "whim"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "reason"
    assert Card.objects.filter(person=person).count() == 1


def test_the_png_decodes_to_the_check_address(tree: Tree, person: Person) -> None:
    answer = api_as(tree.admin).client.get(
        f"/api/v1/cards/members/{person.pk}/card.png"
    )
    assert answer["Content-Type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(answer.content)))
    assert decoded[0].text.endswith(Card.objects.get(person=person).token)


def test_bulk_runs_and_their_progress(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    Card.objects.filter(person=tree.admit(tree.primaries[1]).person).delete()
    api = api_as(grant(Role.CHAIR, tree.districts[0]))
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/cards/runs", {"org_unit": tree.districts[0].pk})
    assert started.status_code == 202
    run = api.get(f"/cards/runs/{started.json()['id']}").json()
    assert (run["status"], run["issued"]) == (RunStatus.DONE, 1)


def test_another_district_is_404(tree: Tree, person: Person) -> None:
    api = api_as(grant(Role.CHAIR, tree.districts[1]))
    for answer in (
        api.get(f"/cards/members/{person.pk}"),
        api.post(f"/cards/members/{person.pk}/revoke", {"reason": "lost"}),
        api.post("/cards/runs", {"org_unit": tree.districts[0].pk}),
    ):
        assert answer.status_code == 404
    assert not IssueRun.objects.exists()
    assert Card.objects.get(person=person).revoked_on is None
