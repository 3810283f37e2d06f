"""The card on the staff pages: the panel, its actions, bulk issuing, printing."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.cards.models import Card, CardDesign, IssueRun, RevokeReason, RunStatus
from kasipodaq.cards.numbers import make_number
from kasipodaq.cards.printing import verify_url
from kasipodaq.cards.services.issuing import reissue_card
from kasipodaq.registry.models import LeaveReason, Membership, Person
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.factories import Tree, grant


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def person(tree: Tree) -> Person:
    return tree.admit(tree.primaries[0], first_name="Айгерим", last_name="Сейт").person


def test_the_member_page_shows_the_card_and_its_actions(
    tree: Tree, person: Person
) -> None:
    card = Card.objects.get(person=person)
    page = _signed_in(tree.admin).get(reverse("members:detail", args=[person.pk]))
    text = page.content.decode()
    assert card.display_number in text
    assert "Valid" in text
    assert reverse("cards:reissue", args=[person.pk]) in text
    assert verify_url(card) in text


def test_an_auditor_sees_the_card_but_no_actions(tree: Tree, person: Person) -> None:
    auditor = grant(Role.AUDITOR, tree.central)
    text = (
        _signed_in(auditor)
        .get(reverse("members:detail", args=[person.pk]))
        .content.decode()
    )
    assert Card.objects.get(person=person).display_number in text
    assert reverse("cards:reissue", args=[person.pk]) not in text
    assert reverse("cards:revoke", args=[person.pk]) not in text


def test_the_member_page_queries_stay_few(
    tree: Tree, person: Person, django_assert_max_num_queries: Any
) -> None:
    client = _signed_in(tree.admin)
    client.get(reverse("members:detail", args=[person.pk]))
    with django_assert_max_num_queries(16):
        client.get(reverse("members:detail", args=[person.pk]))


def test_reissue_through_the_page(tree: Tree, person: Person) -> None:
    client = _signed_in(tree.admin)
    url = reverse("cards:reissue", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "lost"})
    assert response.status_code == 302
    assert list(
        Card.objects.filter(person=person).values_list("serial", "revoke_reason")
    ) == [(2, ""), (1, "lost")]


def test_a_rejected_form_keeps_the_input_and_changes_nothing(
    tree: Tree, person: Person
) -> None:
    client = _signed_in(tree.admin)
    response = client.post(reverse("cards:reissue", args=[person.pk]), {"reason": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Card.objects.filter(person=person).count() == 1


def test_revoke_then_issue_through_the_pages(tree: Tree, person: Person) -> None:
    client = _signed_in(tree.admin)
    client.post(reverse("cards:revoke", args=[person.pk]), {"reason": "withdrawn"})
    text = client.get(reverse("members:detail", args=[person.pk])).content.decode()
    assert "This member holds no card in force." in text
    response = client.post(reverse("cards:issue", args=[person.pk]))
    assert response.status_code == 302
    assert Card.objects.filter(person=person, revoked_on=None).count() == 1


def test_issuing_a_second_card_is_refused_on_the_form(
    tree: Tree, person: Person
) -> None:
    response = _signed_in(tree.admin).post(reverse("cards:issue", args=[person.pk]))
    assert response.status_code == 200
    assert "already has a card in force" in response.content.decode()


def test_the_card_image_decodes_to_its_check_address_and_is_audited(
    tree: Tree, person: Person
) -> None:
    card = Card.objects.get(person=person)
    response = _signed_in(tree.admin).get(
        reverse("cards:image", args=[person.pk]), {"download": "1"}
    )
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    image = Image.open(io.BytesIO(response.content))
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [verify_url(card)]
    assert AuditEvent.objects.filter(
        action=AuditAction.CARD_PRINTED, person_id=person.pk
    ).exists()


def test_no_image_for_a_former_member(tree: Tree, person: Person) -> None:
    end_membership(
        actor=tree.admin,
        membership=_current(person),
        on=timezone.localdate(),
        reason=LeaveReason.OWN_WISH,
    )
    client = _signed_in(tree.admin)
    assert client.get(reverse("cards:image", args=[person.pk])).status_code == 404


def test_a_chair_of_another_district_reaches_nothing(
    tree: Tree, person: Person
) -> None:
    client = _signed_in(grant(Role.CHAIR, tree.districts[1]))
    for name in ("cards:issue", "cards:reissue", "cards:revoke", "cards:image"):
        assert client.get(reverse(name, args=[person.pk])).status_code == 404
    assert (
        client.post(reverse("cards:reissue", args=[person.pk]), {"reason": "lost"})
    ).status_code == 404
    assert client.get(
        reverse("cards:org", args=[tree.primaries[0].pk])
    ).status_code == (404)
    assert Card.objects.filter(person=person).count() == 1


def test_bulk_issuing_from_the_organization_page(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    people = [tree.admit(tree.primaries[i]).person for i in (0, 1, 2)]
    Card.objects.filter(person__in=people[:2]).delete()  # as if imported
    client = _signed_in(grant(Role.CHAIR, tree.districts[0]))
    page = client.get(reverse("cards:org", args=[tree.districts[0].pk]))
    assert (page.context["members"], page.context["holders"]) == (2, 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cards:org", args=[tree.districts[0].pk]))
    run = IssueRun.objects.get()
    assert response["Location"] == reverse("cards:run", args=[run.pk])
    # Inline on the embedded default: the run is over once the request is.
    run.refresh_from_db()
    assert (run.status, run.total, run.issued) == (RunStatus.DONE, 2, 2)
    assert Card.objects.filter(person__in=people[:2]).count() == 2
    assert Card.objects.filter(person=people[2]).count() == 1  # untouched
    text = client.get(response["Location"]).content.decode()
    assert "2 cards of 2 issued." in text


def test_the_sheet_is_a_pdf_of_the_cards_in_force(tree: Tree) -> None:
    for _ in range(3):
        tree.admit(tree.primaries[0])
    response = _signed_in(tree.admin).get(
        reverse("cards:sheet", args=[tree.primaries[0].pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.CARD_PRINTED).count() == 3


def test_the_sheet_of_an_organization_without_cards_explains(tree: Tree) -> None:
    client = _signed_in(tree.admin)
    response = client.get(reverse("cards:sheet", args=[tree.primaries[3].pk]))
    assert response.status_code == 302
    assert (
        "No member here holds a card"
        in client.get(response["Location"]).content.decode()
    )


def test_the_centre_sets_the_design_and_sees_a_preview(tree: Tree) -> None:
    client = _signed_in(tree.admin)
    assert client.get(reverse("cards:design")).status_code == 200
    logo = io.BytesIO()
    Image.new("RGBA", (40, 40), (200, 0, 0, 128)).save(logo, "PNG")
    logo.seek(0)
    logo.name = "logo.png"
    response = client.post(
        reverse("cards:design"),
        {
            "background": "#123456",
            "foreground": "#FFFFFF",
            "suspend_after_months": "4",
            "logo_file": logo,
        },
    )
    assert response.status_code == 302
    design = CardDesign.objects.get()
    assert (design.background, design.suspend_after_months) == ("#123456", 4)
    assert design.logo
    preview = client.get(reverse("cards:preview"))
    assert preview["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("background", "blue", "Enter a colour"),
        ("suspend_after_months", "0", "greater than or equal to 1"),
    ],
)
def test_a_bad_design_is_refused_and_keeps_the_input(
    tree: Tree, field: str, value: str, message: str
) -> None:
    data = {
        "background": "#123456",
        "foreground": "#FFFFFF",
        "suspend_after_months": "3",
    }
    data[field] = value
    response = _signed_in(tree.admin).post(reverse("cards:design"), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert f'value="{value}"' in text
    assert not CardDesign.objects.exists()


def test_a_logo_that_is_no_image_is_refused(tree: Tree) -> None:
    bad = io.BytesIO(b"%PDF-1.4 not an image")
    bad.name = "logo.png"
    response = _signed_in(tree.admin).post(
        reverse("cards:design"),
        {
            "background": "#123456",
            "foreground": "#FFFFFF",
            "suspend_after_months": "3",
            "logo_file": bad,
        },
    )
    assert "must be a PNG or JPEG" in response.content.decode()
    assert not CardDesign.objects.exists()


def test_only_the_centre_designs_cards(tree: Tree) -> None:
    client = _signed_in(grant(Role.CHAIR, tree.regions[0]))
    assert client.get(reverse("cards:design")).status_code == 404
    assert client.get(reverse("cards:preview")).status_code == 404
    data = {
        "background": "#000000",
        "foreground": "#FFFFFF",
        "suspend_after_months": "1",
    }
    assert client.post(reverse("cards:design"), data).status_code == 404
    assert not CardDesign.objects.exists()


def test_a_large_organization_prints_its_cards_in_parts(
    tree: Tree, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kasipodaq.cards.views import org_cards

    monkeypatch.setattr(org_cards, "SHEET_CARDS", 2)
    names = ["Ахметова", "Бекова", "Валиева"]
    for name in names:
        tree.admit(tree.primaries[0], last_name=name)
    client = _signed_in(tree.admin)
    page = client.get(reverse("cards:org", args=[tree.primaries[0].pk]))
    assert page.context["sheet_parts"] == [(1, 1, 2), (2, 3, 3)]
    sheet = reverse("cards:sheet", args=[tree.primaries[0].pk])
    assert "?part=2" in page.content.decode()
    for part, count in (("1", 2), ("2", 1)):
        AuditEvent.objects.filter(action=AuditAction.CARD_PRINTED).delete()
        response = client.get(sheet, {"part": part})
        assert response["Content-Type"] == "application/pdf"
        printed = AuditEvent.objects.filter(action=AuditAction.CARD_PRINTED)
        assert printed.count() == count
    assert Person.objects.filter(
        pk__in=printed.values("person_id"), last_name="Валиева"
    ).exists()
    assert client.get(sheet, {"part": "3"}).status_code == 302


def _current(person: Person) -> Membership:
    membership = person.current_membership
    assert membership is not None
    return membership


def test_the_audit_trail_reads_card_events_with_labels(tree: Tree) -> None:
    """A card's events name the number, serial, organization and reason readably."""
    person = tree.admit(tree.primaries[0]).person
    card = Card.objects.get(person=person)
    reissue_card(actor=tree.admin, card=card, reason=RevokeReason.LOST)
    response = _signed_in(tree.admin).get(reverse("audit:events"))
    rows = [r for r in response.context["rows"] if r.event.object_type == "card"]
    labels = {c.label: c.new.text for r in rows for c in r.changes if c.new}
    assert labels["card number"] == card.number
    assert labels["serial"] in {"1", "2"}
    issued = {
        r.event.object_id: {c.label: c.new.text for c in r.changes if c.new}
        for r in rows
        if r.event.action == AuditAction.CARD_ISSUED
    }
    assert sorted(e["serial"] for e in issued.values()) == ["1", "2"]
    assert {e["card number"] for e in issued.values()} == {card.number}
    assert labels["reason"] == "Lost or stolen"
    assert tree.primaries[0].name_ru in labels["organization"]
    assert Card.objects.filter(person=person).count() == 2


def test_find_a_member_by_the_number_typed_from_the_card(
    tree: Tree, person: Person
) -> None:
    card = Card.objects.get(person=person)
    client = _signed_in(grant(Role.CHAIR, tree.districts[0]))
    typed = f"{card.number[:2]} {card.number[2:9]}-{card.number[9]}"
    response = client.get(reverse("cards:find"), {"number": typed})
    assert response["Location"] == reverse("members:detail", args=[person.pk])


def test_a_mistyped_card_number_is_caught_by_its_check_digit(
    tree: Tree, person: Person
) -> None:
    number = Card.objects.get(person=person).number
    swapped = number[:8] + str((int(number[8]) + 1) % 10) + number[9]
    response = _signed_in(tree.admin).get(reverse("cards:find"), {"number": swapped})
    assert response.status_code == 200
    assert "typing error" in response.content.decode()
    assert f'value="{swapped}"' in response.content.decode()


def test_a_card_number_of_another_district_reads_like_none(
    tree: Tree, person: Person
) -> None:
    number = Card.objects.get(person=person).number
    client = _signed_in(grant(Role.CHAIR, tree.districts[1]))
    theirs = client.get(reverse("cards:find"), {"number": number})
    nobody = client.get(reverse("cards:find"), {"number": make_number("75", 9999)})
    assert theirs.status_code == nobody.status_code == 200
    assert "No member of yours holds this card number." in theirs.content.decode()

    def main(response: Any, typed: str) -> str:
        text = response.content.decode()
        return text[text.index("<main") : text.index("</main>")].replace(typed, "N")

    assert main(theirs, number) == main(nobody, make_number("75", 9999))


def test_readers_without_the_card_right_cannot_download_a_working_card(
    tree: Tree, person: Person
) -> None:
    from kasipodaq.api.tests.client import api_as

    for role, unit in (
        (Role.AUDITOR, tree.central),
        (Role.ACCOUNTANT, tree.districts[0]),
        (Role.LEGAL_INSPECTOR, tree.districts[0]),
    ):
        reader = grant(role, unit)
        page = _signed_in(reader).get(reverse("members:detail", args=[person.pk]))
        assert reverse("cards:image", args=[person.pk]) not in page.content.decode()
        assert (
            _signed_in(reader).get(reverse("cards:image", args=[person.pk])).status_code
            == 404
        )
        answer = api_as(reader).client.get(
            f"/api/v1/cards/members/{person.pk}/card.png"
        )
        assert answer.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.CARD_PRINTED).exists()


@pytest.mark.parametrize("part", ["0", "-1", "99999999999999999999", "x", "２"])
def test_a_sheet_part_that_is_no_part_is_404(tree: Tree, part: str) -> None:
    tree.admit(tree.primaries[0])
    response = _signed_in(tree.admin).get(
        reverse("cards:sheet", args=[tree.primaries[0].pk]), {"part": part}
    )
    assert response.status_code == 404
