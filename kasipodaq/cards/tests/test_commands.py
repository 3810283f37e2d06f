"""The card commands: issue in bulk, show one card, verify offline, make a key."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import zxingcpp
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from PIL import Image

from kasipodaq.cards.keys import current_ring
from kasipodaq.cards.models import Card
from kasipodaq.cards.printing import verify_url
from kasipodaq.cards.tokens import key_ring, new_private_key_text
from kasipodaq.registry.tests.factories import Tree


def _run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_issue_cards_for_the_union_or_one_organization(tree: Tree) -> None:
    people = [tree.admit(tree.primaries[i]).person for i in (0, 4)]
    Card.objects.all().delete()
    assert "1 card issued." in _run("issue_cards", "--org", tree.regions[0].code)
    assert list(Card.objects.values_list("person", flat=True)) == [people[0].pk]
    assert "1 card issued." in _run("issue_cards")
    assert "0 cards issued." in _run("issue_cards")


def test_issue_cards_refuses_an_unknown_code(db: None) -> None:
    with pytest.raises(CommandError, match="No organization has the code"):
        _run("issue_cards", "--org", "NOPE")


def test_card_prints_number_status_address_and_writes_the_image(
    tree: Tree, tmp_path: Path
) -> None:
    person = tree.admit(tree.primaries[0]).person
    card = Card.objects.get(person=person)
    png = tmp_path / "card.png"
    out = _run("card", person.iin, "--png", str(png))
    assert card.display_number in out
    assert "Status: Valid" in out
    assert verify_url(card) in out
    decoded = zxingcpp.read_barcodes(Image.open(png))
    assert [d.text for d in decoded] == [verify_url(card)]


def test_card_of_an_unknown_iin_says_so(db: None) -> None:
    with pytest.raises(CommandError, match="No card was ever issued"):
        _run("card", "000000000000")


def _keys_file(tmp_path: Path, client: Client) -> Path:
    path = tmp_path / "keys.json"
    path.write_bytes(client.get("/.well-known/kasipodaq-card-keys.json").content)
    return path


def test_verify_card_offline_with_the_published_keys(
    tree: Tree, tmp_path: Path, client: Client
) -> None:
    card = Card.objects.get(person=tree.admit(tree.primaries[0]).person)
    keys = _keys_file(tmp_path, client)
    out = _run("verify_card", verify_url(card), "--public-keys", str(keys))
    assert "Genuine" in out
    assert card.display_number in out
    forged = key_ring([{"id": card.key_id, "private": new_private_key_text()}]).sign(
        current_ring().verify(card.token)[1]
    )
    with pytest.raises(CommandError, match="Not a genuine card: bad signature"):
        _run("verify_card", forged, "--public-keys", str(keys))
    with pytest.raises(CommandError, match="Not a genuine card"):
        _run("verify_card", "garbage!", "--public-keys", str(keys))


def test_verify_card_refuses_a_file_that_holds_no_keys(tmp_path: Path) -> None:
    bad = tmp_path / "keys.json"
    bad.write_text('{"nothing": 1}')
    with pytest.raises(CommandError, match="is not a file of public card keys"):
        _run("verify_card", "x", "--public-keys", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        _run("verify_card", "x", "--public-keys", str(tmp_path / "missing.json"))


def test_new_card_key_prints_a_record_the_settings_accept() -> None:
    record = json.loads(_run("new_card_key", "2027a"))
    assert record["id"] == "2027a"
    assert key_ring([record]).signing is not None
    with pytest.raises(CommandError):
        _run("new_card_key", "x" * 17)
