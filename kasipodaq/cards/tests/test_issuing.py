"""Issuing, reissuing and revoking cards; their status follows the membership."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.cards.errors import CardRefusal
from kasipodaq.cards.keys import current_ring
from kasipodaq.cards.models import Card, MemberNumber, RegionSequence, RevokeReason
from kasipodaq.cards.numbers import is_valid
from kasipodaq.cards.selectors import cards_of
from kasipodaq.cards.services.issuing import issue_card, reissue_card, revoke_card
from kasipodaq.cards.standing import CardStatus
from kasipodaq.core.errors import DomainError
from kasipodaq.registry.models import LeaveReason, Person
from kasipodaq.registry.services.people import delete_person
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.services.transfers import (
    move_all_members,
    transfer_membership,
)
from kasipodaq.registry.tests.factories import Tree, grant


def _status(person: Person) -> CardStatus:
    return cards_of(person, timezone.localdate())[0][1]


def test_admission_issues_a_signed_card_numbered_in_the_region(tree: Tree) -> None:
    membership = tree.admit(tree.primaries[0], first_name="Айгерим", last_name="Сейт")
    card = Card.objects.get(person=membership.person_id)
    assert card.number.startswith("75") and is_valid(card.number)
    assert card.serial == 1
    assert card.org_unit == tree.primaries[0]
    assert card.issued_on == timezone.localdate()
    key_id, facts = current_ring().verify(card.token)
    assert key_id == card.key_id == "t2"
    assert (facts.number, facts.serial, facts.org_code, facts.initials) == (
        card.number,
        1,
        tree.primaries[0].code,
        "А. С.",
    )
    assert MemberNumber.objects.get(person=membership.person_id).number == card.number
    assert AuditEvent.objects.filter(
        action=AuditAction.CARD_ISSUED, person_id=membership.person_id
    ).exists()
    assert _status(membership.person) == CardStatus.VALID


def test_numbers_follow_the_region_sequence_and_are_never_reused(tree: Tree) -> None:
    people = [tree.admit(tree.primaries[0]).person for _ in range(3)]
    numbers = [MemberNumber.objects.get(person=p).number for p in people]
    assert [n[2:9] for n in numbers] == ["0000001", "0000002", "0000003"]
    assert RegionSequence.objects.get(pk="75").last == 3
    delete_person(actor=tree.admin, person=people[2])  # an entry in error
    newcomer = tree.admit(tree.primaries[1]).person
    assert MemberNumber.objects.get(person=newcomer).number[2:9] == "0000004"


def test_leaving_revokes_the_card_the_same_day(tree: Tree) -> None:
    membership = tree.admit(tree.primaries[0])
    end_membership(
        actor=tree.admin,
        membership=membership,
        on=timezone.localdate(),
        reason=LeaveReason.OWN_WISH,
    )
    assert _status(membership.person) == CardStatus.REVOKED


def test_a_transfer_replaces_the_card_with_one_naming_the_new_organization(
    tree: Tree,
) -> None:
    membership = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    transfer_membership(
        actor=tree.admin,
        membership=membership,
        to_unit=tree.primaries[1],
        on=timezone.localdate(),
    )
    cards = cards_of(membership.person, timezone.localdate())
    assert [(c.serial, c.org_unit, s) for c, s in cards] == [
        (2, tree.primaries[1], CardStatus.VALID),
        (1, tree.primaries[0], CardStatus.REVOKED),
    ]
    assert cards[1][0].revoke_reason == RevokeReason.DETAILS_CHANGED


def test_a_card_stays_in_force_across_a_transfer_moved_in_bulk(tree: Tree) -> None:
    """A merge moves members set-based: they stay members, their cards valid."""
    membership = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    move_all_members(
        actor=tree.admin,
        from_unit=tree.primaries[0],
        to_unit=tree.primaries[1],
        on=timezone.localdate(),
        note="merge",
    )
    assert _status(membership.person) == CardStatus.VALID


def test_a_returning_member_gets_the_same_number_with_the_next_serial(
    tree: Tree,
) -> None:
    first = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    old = Card.objects.get(person=first.person_id)
    Card.objects.filter(pk=old.pk).update(issued_on=dt.date(2020, 1, 1))
    end_membership(
        actor=tree.admin,
        membership=first,
        on=dt.date(2021, 1, 1),
        reason=LeaveReason.OWN_WISH,
    )
    again = tree.admit(
        tree.primaries[2], joined_on=dt.date(2022, 1, 1), iin=first.person.iin
    )
    cards = cards_of(again.person, timezone.localdate())
    assert [(c.number, c.serial, s) for c, s in cards] == [
        (old.number, 2, CardStatus.VALID),
        (old.number, 1, CardStatus.REVOKED),
    ]


def test_a_lost_card_is_reissued_with_a_new_serial_and_the_old_revoked(
    tree: Tree,
) -> None:
    person = tree.admit(tree.primaries[0]).person
    old = Card.objects.get(person=person)
    new = reissue_card(actor=tree.admin, card=old, reason=RevokeReason.LOST)
    old.refresh_from_db()
    assert (new.number, new.serial) == (old.number, 2)
    assert old.revoked_on == timezone.localdate()
    assert old.revoke_reason == RevokeReason.LOST
    statuses = {c.serial: s for c, s in cards_of(person, timezone.localdate())}
    assert statuses == {2: CardStatus.VALID, 1: CardStatus.REVOKED}
    assert new.token != old.token


def test_a_revoked_card_cannot_be_reissued_or_revoked_again(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    card = Card.objects.get(person=person)
    revoke_card(actor=tree.admin, card=card, reason=RevokeReason.WITHDRAWN)
    with pytest.raises(CardRefusal, match="no longer in force"):
        reissue_card(actor=tree.admin, card=card, reason=RevokeReason.LOST)
    with pytest.raises(CardRefusal, match="no longer in force"):
        revoke_card(actor=tree.admin, card=card, reason=RevokeReason.LOST)
    assert Card.objects.filter(person=person).count() == 1


def test_issue_refuses_a_second_card_in_force(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    with pytest.raises(CardRefusal, match="already has a card"):
        issue_card(actor=tree.admin, person=person)
    assert Card.objects.filter(person=person).count() == 1


def test_issue_after_a_withdrawal_gives_the_next_serial(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    card = Card.objects.get(person=person)
    revoke_card(actor=tree.admin, card=card, reason=RevokeReason.WITHDRAWN)
    again = issue_card(actor=tree.admin, person=person)
    assert (again.number, again.serial) == (card.number, 2)


def test_no_card_for_someone_who_is_no_member(tree: Tree) -> None:
    membership = tree.admit(tree.primaries[0])
    end_membership(
        actor=tree.admin,
        membership=membership,
        on=timezone.localdate(),
        reason=LeaveReason.OWN_WISH,
    )
    with pytest.raises(CardRefusal, match="Only a member"):
        issue_card(actor=tree.admin, person=membership.person)


def test_a_bad_reason_is_refused_and_changes_nothing(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    card = Card.objects.get(person=person)
    with pytest.raises(CardRefusal):
        reissue_card(actor=tree.admin, card=card, reason=RevokeReason.WITHDRAWN)
    with pytest.raises(CardRefusal):
        revoke_card(actor=tree.admin, card=card, reason="whim")
    card.refresh_from_db()
    assert card.revoked_on is None


def test_only_users_over_the_member_act_on_their_card(tree: Tree) -> None:
    person = tree.admit(tree.primaries[0]).person
    card = Card.objects.get(person=person)
    other_district = grant(Role.CHAIR, tree.districts[1])
    auditor = grant(Role.AUDITOR, tree.central)
    for user in (other_district, auditor):
        for act in (
            lambda u: reissue_card(actor=u, card=card, reason=RevokeReason.LOST),
            lambda u: revoke_card(actor=u, card=card, reason=RevokeReason.LOST),
        ):
            with pytest.raises(DomainError):
                act(user)
    card.refresh_from_db()
    assert card.revoked_on is None
    own_chair = grant(Role.PRIMARY_CHAIR, tree.primaries[0])
    assert reissue_card(actor=own_chair, card=card, reason=RevokeReason.DAMAGED)


def test_arrears_beyond_the_centres_limit_suspend_the_card(
    tree: Tree, settings: object
) -> None:
    from kasipodaq.cards.models import CardDesign

    person = tree.admit(tree.primaries[0]).person
    settings.KASIPODAQ_ARREARS_SOURCE = (  # type: ignore[attr-defined]
        "kasipodaq.cards.tests.test_issuing.four_months_overdue"
    )
    CardDesign.objects.create(pk=1, suspend_after_months=4)
    assert _status(person) == CardStatus.VALID
    CardDesign.objects.filter(pk=1).update(suspend_after_months=3)
    assert _status(person) == CardStatus.SUSPENDED


def four_months_overdue(person_ids: object, on: dt.date) -> dict[int, int]:
    return dict.fromkeys(person_ids, 4)  # type: ignore[call-overload]


def test_retiring_a_key_revokes_its_cards_and_bulk_issue_replaces_them(
    tree: Tree, settings: object
) -> None:
    from kasipodaq.cards.services.bulk import issue_missing_cards

    person = tree.admit(tree.primaries[0]).person
    keys = settings.KASIPODAQ_CARD_KEYS  # type: ignore[attr-defined]
    settings.KASIPODAQ_CARD_KEYS = [  # type: ignore[attr-defined]
        {**k, "retired": k["id"] == "t2"} for k in keys
    ]
    assert _status(person) == CardStatus.REVOKED
    assert issue_missing_cards(actor=None, unit=tree.central) == 1
    assert [
        (c.serial, c.key_id, s) for c, s in cards_of(person, timezone.localdate())
    ] == [
        (2, "t1", CardStatus.VALID),
        (1, "t2", CardStatus.REVOKED),
    ]


def test_leaving_and_coming_back_the_same_day_gives_a_card_in_force(
    tree: Tree,
) -> None:
    """Ended by mistake and admitted again at once: the new card is good."""
    first = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    today = timezone.localdate()
    end_membership(
        actor=tree.admin, membership=first, on=today, reason=LeaveReason.OWN_WISH
    )
    tree.admit(tree.primaries[0], joined_on=today, iin=first.person.iin)
    statuses = [(c.serial, s) for c, s in cards_of(first.person, today)]
    assert statuses == [(2, CardStatus.VALID), (1, CardStatus.REVOKED)]


def test_a_leave_recorded_late_ends_the_card_even_after_a_silent_return(
    tree: Tree,
) -> None:
    """The leave dated before the card was issued, and the member back through a
    path that issues no card (an import): the old card stays revoked."""
    from kasipodaq.registry.models import JoinMethod, Membership

    today = timezone.localdate()
    first = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    end_membership(
        actor=tree.admin,
        membership=first,
        on=today - dt.timedelta(days=3),
        reason=LeaveReason.OWN_WISH,
    )
    again = Membership.objects.create(
        person=first.person,
        org_unit=tree.primaries[0],
        joined_on=today - dt.timedelta(days=1),
        category=first.category,
        join_method=JoinMethod.IMPORT,
    )
    Person.objects.filter(pk=first.person_id).update(current_membership=again)
    assert _status(first.person) == CardStatus.REVOKED


def test_a_new_card_marks_every_older_one_revoked(tree: Tree, settings: object) -> None:
    from kasipodaq.cards.services.bulk import issue_missing_cards

    person = tree.admit(tree.primaries[0]).person
    keys = settings.KASIPODAQ_CARD_KEYS  # type: ignore[attr-defined]
    settings.KASIPODAQ_CARD_KEYS = [  # type: ignore[attr-defined]
        {**k, "retired": k["id"] == "t2"} for k in keys
    ]
    issue_missing_cards(actor=None, unit=tree.central)
    assert list(
        Card.objects.filter(person=person).values_list("serial", "revoke_reason")
    ) == [(2, ""), (1, RevokeReason.KEY_RETIRED)]
    assert AuditEvent.objects.filter(
        action=AuditAction.CARD_REVOKED, person_id=person.pk
    ).exists()
    # The key back in service changes nothing: one card is in force, the newest.
    settings.KASIPODAQ_CARD_KEYS = keys  # type: ignore[attr-defined]
    assert [s for _c, s in cards_of(person, timezone.localdate())] == [
        CardStatus.VALID,
        CardStatus.REVOKED,
    ]


def test_bulk_issue_audits_every_card_across_chunks(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kasipodaq.cards.services import bulk

    people = [tree.admit(tree.primaries[i % 8]).person for i in range(7)]
    Card.objects.all().delete()
    monkeypatch.setattr(bulk, "CHUNK", 3)
    progress: list[tuple[int, int]] = []
    issued = bulk.issue_missing_cards(
        actor=tree.admin,
        unit=tree.central,
        progress=lambda i, t: progress.append((i, t)),
    )
    assert issued == 7
    assert progress == [(3, 7), (6, 7), (7, 7)]
    cards = dict(Card.objects.values_list("pk", "person_id"))
    audited = dict(
        AuditEvent.objects.filter(
            action=AuditAction.CARD_ISSUED, object_id__in=cards
        ).values_list("object_id", "person_id")
    )
    assert audited == cards
    assert set(cards.values()) == {p.pk for p in people}
