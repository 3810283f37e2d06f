"""The public check of a card and the published keys: right answers, no leaks."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kasipodaq.cards import throttle
from kasipodaq.cards.keys import current_ring
from kasipodaq.cards.models import Card, RevokeReason
from kasipodaq.cards.services.issuing import reissue_card
from kasipodaq.cards.tokens import (
    CardFacts,
    _b64,
    _unb64,
    key_ring,
    new_private_key_text,
    public_key_from,
)
from kasipodaq.registry.models import LeaveReason, Membership, Person
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.factories import Tree


@pytest.fixture
def card(tree: Tree) -> Card:
    membership = tree.admit(
        tree.primaries[0],
        first_name="Айгерим",
        last_name="Сейткали",
        patronymic="Нурлановна",
    )
    return Card.objects.get(person=membership.person_id)


@pytest.fixture
def one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """The throttle's clock stands still, so a test's checks never straddle two
    minutes' windows (the fourth of four checks would then be let through)."""
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: 600.0))


def _check(client: Client, token: str, **params: str) -> Any:
    return client.get(f"/v/{token}", params)


def _text(response: Any) -> str:
    return response.content.decode()


def test_a_valid_card_shows_first_name_initial_and_organization_only(
    client: Client, card: Card, tree: Tree
) -> None:
    response = _check(client, card.token, lang="en")
    assert response.status_code == 200
    page = _text(response)
    assert "The card is valid" in page
    assert "Айгерим С." in page
    assert tree.primaries[0].name_ru in page
    assert card.display_number in page
    person = card.person
    for secret in (person.iin, "Сейткали", "Нурлановна", str(person.birth_date)):
        assert secret not in page
    assert "<script" not in page
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies


def test_the_page_speaks_russian_by_default_and_kazakh_on_request(
    client: Client, card: Card
) -> None:
    assert "Билет действителен" in _text(_check(client, card.token))
    assert "Билет жарамды" in _text(_check(client, card.token, lang="kk"))


def test_after_the_member_leaves_the_card_is_revoked(
    client: Client, card: Card, tree: Tree
) -> None:
    end_membership(
        actor=tree.admin,
        membership=_current(card.person),
        on=timezone.localdate(),
        reason=LeaveReason.OWN_WISH,
    )
    page = _text(_check(client, card.token, lang="en"))
    assert "The card is revoked" in page
    assert tree.primaries[0].name_ru not in page
    assert "Айгерим" not in page  # whose card it was is nobody's business


def test_a_replaced_card_is_revoked_and_its_successor_valid(
    client: Client, card: Card, tree: Tree
) -> None:
    new = reissue_card(actor=tree.admin, card=card, reason=RevokeReason.LOST)
    assert "The card is revoked" in _text(_check(client, card.token, lang="en"))
    assert "The card is valid" in _text(_check(client, new.token, lang="en"))


def _forged(card: Card, seed: str, key_id: str) -> str:
    ring = key_ring([{"id": key_id, "private": seed}])
    _, facts = current_ring().verify(card.token)
    return ring.sign(facts)


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "%00%ff",
        "A" * 401,
        "../../etc/passwd",
        "'; DROP TABLE cards_card; --",
        "AQ",
        "ЖСН-123",
    ],
)
def test_garbage_is_not_genuine_and_never_an_error(
    client: Client, card: Card, token: str
) -> None:
    response = _check(client, token, lang="en")
    assert response.status_code == 200
    assert "Not a genuine card" in _text(response)
    assert card.display_number not in _text(response)


def test_an_altered_token_is_not_genuine(client: Client, card: Card) -> None:
    raw = bytearray(_unb64(card.token))
    raw[12] ^= 0x01  # a bit of the card number
    assert "Not a genuine card" in _text(_check(client, _b64(bytes(raw)), lang="en"))


def test_tokens_of_unknown_or_retired_keys_are_not_genuine(
    client: Client, card: Card, settings: Any
) -> None:
    # A forger's own key, even under our key id, does not check out.
    forged = _forged(card, new_private_key_text(), card.key_id)
    assert "Not a genuine card" in _text(_check(client, forged, lang="en"))
    # Once the key that signed the card is retired, its cards stop checking out.
    settings.KASIPODAQ_CARD_KEYS = [
        {**record, "retired": record["id"] == card.key_id}
        for record in settings.KASIPODAQ_CARD_KEYS
    ]
    assert "Not a genuine card" in _text(_check(client, card.token, lang="en"))


def test_an_older_key_still_verifies_the_cards_it_signed(
    client: Client, tree: Tree, settings: Any
) -> None:
    old_first = list(reversed(settings.KASIPODAQ_CARD_KEYS))
    settings.KASIPODAQ_CARD_KEYS = old_first
    card = Card.objects.get(person=tree.admit(tree.primaries[0]).person_id)
    assert card.key_id == "t1"
    settings.KASIPODAQ_CARD_KEYS = list(reversed(old_first))  # rotated: t2 signs
    assert "The card is valid" in _text(_check(client, card.token, lang="en"))


def test_a_genuine_token_of_no_card_on_record_is_unknown(
    client: Client, card: Card
) -> None:
    facts = CardFacts(
        number=card.number,
        serial=9,
        issued_on=dt.date(2024, 1, 1),
        org_code="X",
        initials="А. С.",
    )
    token = current_ring().sign(facts)
    page = _text(_check(client, token, lang="en"))
    assert "Unknown card" in page
    assert "Айгерим" not in page


def test_checks_are_limited_per_client(
    client: Client, card: Card, settings: Any, one_minute: None
) -> None:
    settings.KASIPODAQ_CARD_CHECKS_PER_MINUTE = 3
    answers = [_check(client, card.token).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(f"/v/{card.token}").status_code == 200


def test_the_client_address_comes_from_the_proxy_header_when_set(
    client: Client, card: Card, settings: Any, one_minute: None
) -> None:
    settings.KASIPODAQ_CARD_CHECKS_PER_MINUTE = 1
    settings.KASIPODAQ_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    first = client.get(f"/v/{card.token}", HTTP_X_REAL_IP="203.0.113.1")
    second = client.get(f"/v/{card.token}", HTTP_X_REAL_IP="203.0.113.2")
    again = client.get(f"/v/{card.token}", HTTP_X_REAL_IP="203.0.113.1")
    assert [first.status_code, second.status_code, again.status_code] == [
        200,
        200,
        429,
    ]


def test_a_forwarded_for_header_counts_its_last_entry_the_proxys(
    client: Client, card: Card, settings: Any, one_minute: None
) -> None:
    settings.KASIPODAQ_CARD_CHECKS_PER_MINUTE = 2
    settings.KASIPODAQ_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    answers = [
        client.get(
            f"/v/{card.token}", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.7"
        ).status_code
        for n in range(3)
    ]
    assert answers == [200, 200, 429]


def test_an_ipv6_client_is_counted_by_its_network(
    client: Client, card: Card, settings: Any, one_minute: None
) -> None:
    settings.KASIPODAQ_CARD_CHECKS_PER_MINUTE = 1
    first = Client(REMOTE_ADDR="2001:db8:1:2::1").get(f"/v/{card.token}")
    same_net = Client(REMOTE_ADDR="2001:db8:1:2::ffff").get(f"/v/{card.token}")
    other_net = Client(REMOTE_ADDR="2001:db8:1:3::1").get(f"/v/{card.token}")
    assert [first.status_code, same_net.status_code, other_net.status_code] == [
        200,
        429,
        200,
    ]


def test_a_token_with_a_newline_or_a_trailing_slash_gets_an_answer(
    client: Client, card: Card
) -> None:
    assert "Not a genuine card" in _text(client.get("/v/abc%0Adef?lang=en"))
    assert "The card is valid" in _text(client.get(f"/v/{card.token}/?lang=en"))


def test_without_redis_the_check_still_answers(
    client: Client, card: Card, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache.backends.redis import RedisCache

    nowhere = RedisCache("redis://127.0.0.1:1/0", {})  # nothing listens there
    monkeypatch.setattr(throttle, "caches", {"default": nowhere})
    assert "The card is valid" in _text(_check(client, card.token, lang="en"))


def test_the_bare_address_explains_itself(client: Client, db: None) -> None:
    response = client.get("/v/", {"lang": "en"})
    assert response.status_code == 200
    assert "Point your phone" in _text(response)


def test_only_reading_is_allowed(client: Client, card: Card) -> None:
    assert client.post(f"/v/{card.token}").status_code == 405


def test_published_keys_verify_every_card_offline(client: Client, card: Card) -> None:
    response = client.get("/.well-known/kasipodaq-card-keys.json")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    keys = {k["kid"]: public_key_from(k["x"]) for k in response.json()["keys"]}
    assert set(keys) == {"t1", "t2"}
    assert "private" not in response.content.decode()
    from kasipodaq.cards.tokens import verify

    assert verify(card.token, keys)[1].number == card.number


def test_retired_keys_are_not_published(
    client: Client, db: None, settings: Any
) -> None:
    settings.KASIPODAQ_CARD_KEYS = [
        {**r, "retired": r["id"] == "t1"} for r in settings.KASIPODAQ_CARD_KEYS
    ]
    kids = [
        k["kid"]
        for k in client.get("/.well-known/kasipodaq-card-keys.json").json()["keys"]
    ]
    assert kids == ["t2"]


def _current(person: Person) -> Membership:
    membership = person.current_membership
    assert membership is not None
    return membership


def test_the_public_query_agrees_with_the_orm_on_every_kind_of_card(
    tree: Tree, settings: Any
) -> None:
    """valid, left, transferred, returned after leaving (years later and the same
    day), revoked by hand, replaced and suspended: the public check's own SQL
    reads each as the ORM does."""
    from kasipodaq.cards.selectors import statuses
    from kasipodaq.cards.services.issuing import revoke_card, sign_card
    from kasipodaq.cards.verification import check_token
    from kasipodaq.registry.services.transfers import transfer_membership

    today = timezone.localdate()
    tree.admit(tree.primaries[0])  # valid
    left = tree.admit(tree.primaries[0])
    end_membership(
        actor=tree.admin, membership=left, on=today, reason=LeaveReason.OWN_WISH
    )
    moved = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    transfer_membership(
        actor=tree.admin, membership=moved, to_unit=tree.primaries[1], on=today
    )
    returned = tree.admit(tree.primaries[1], joined_on=dt.date(2019, 1, 1))
    old = Card.objects.select_related("person", "org_unit").get(
        person=returned.person_id
    )
    old.issued_on = dt.date(2019, 1, 1)  # as if issued when they first joined
    sign_card(
        old,
        first_name=old.person.first_name,
        last_name=old.person.last_name,
        org_code=old.org_unit.code,
    )
    old.save()
    end_membership(
        actor=tree.admin,
        membership=returned,
        on=dt.date(2020, 1, 1),
        reason=LeaveReason.OWN_WISH,
    )
    tree.admit(
        tree.primaries[2], joined_on=dt.date(2021, 1, 1), iin=returned.person.iin
    )
    same_day = tree.admit(tree.primaries[3], joined_on=dt.date(2020, 1, 1))
    end_membership(
        actor=tree.admin, membership=same_day, on=today, reason=LeaveReason.OWN_WISH
    )
    tree.admit(tree.primaries[3], joined_on=today, iin=same_day.person.iin)
    withdrawn = tree.admit(tree.primaries[3])
    revoke_card(
        actor=tree.admin,
        card=Card.objects.get(person=withdrawn.person_id),
        reason=RevokeReason.WITHDRAWN,
    )
    cards = list(Card.objects.with_membership_state(today))
    expected = statuses(cards, today)
    assert len(set(expected.values())) == 2  # valid and revoked, both present
    for card in cards:
        assert check_token(card.token, on=today).verdict == expected[card.pk], card
    settings.KASIPODAQ_ARREARS_SOURCE = (
        "kasipodaq.cards.tests.test_issuing.four_months_overdue"
    )
    suspended = statuses(cards, today)
    assert "suspended" in suspended.values()
    for card in cards:
        assert check_token(card.token, on=today).verdict == suspended[card.pk], card


def test_the_check_suspends_a_card_past_the_centres_limit_of_arrears(
    client: Client, card: Card, settings: Any
) -> None:
    """The limit comes in the check's own query: the default (3) before the centre
    saves its choices, then whatever it sets."""
    from kasipodaq.cards.models import CardDesign

    settings.KASIPODAQ_ARREARS_SOURCE = (
        "kasipodaq.cards.tests.test_issuing.four_months_overdue"
    )
    assert not CardDesign.objects.exists()
    assert "The card is suspended" in _text(_check(client, card.token, lang="en"))
    CardDesign.objects.create(pk=1, suspend_after_months=4)
    assert "The card is valid" in _text(_check(client, card.token, lang="en"))
    CardDesign.objects.filter(pk=1).update(suspend_after_months=3)
    assert "The card is suspended" in _text(_check(client, card.token, lang="en"))
