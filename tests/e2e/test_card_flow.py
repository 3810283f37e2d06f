"""A primary chair reissues a lost card; the phone's check of each card, without
JavaScript, says the old one is revoked and the new one valid."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.cards.models import Card
from kasipodaq.registry.tests.factories import PASSWORD, build_tree, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chair_reissues_a_lost_card_and_the_checks_follow(
    page: Any, browser: Any, live_server: Any
) -> None:
    tree = build_tree()
    person = tree.admit(tree.primaries[0], last_name="Жумабаева", first_name="Сауле")
    chair = grant(Role.PRIMARY_CHAIR, tree.primaries[0])
    old = Card.objects.get(person=person.person_id)

    page.goto("/accounts/sign-in/")
    page.fill("#id_username", chair.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"/members/{person.person_id}/")
    panel = page.locator("#card")
    assert old.display_number in panel.inner_text()
    assert "Действителен" in panel.inner_text()

    image = page.request.get(f"/cards/member/{person.person_id}/card.png")
    assert image.headers["content-type"] == "image/png"

    panel.locator("a", has_text="Перевыпустить").click()
    page.select_option("#id_reason", value="lost")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/members/{person.person_id}/$"))
    new = Card.objects.get(person=person.person_id, serial=2)
    assert new.display_number == old.display_number
    assert "2" in page.locator("#card dd").nth(1).inner_text()

    phone = browser.new_context(
        base_url=live_server.url, locale="kk-KZ", java_script_enabled=False
    )
    check = phone.new_page()
    check.goto(f"/v/{old.token}")
    assert "Билеттің күші жойылған" in check.locator("main").inner_text()
    check.goto(f"/v/{new.token}")
    text = check.locator("main").inner_text()
    assert "Билет жарамды" in text
    assert "Сауле Ж." in text
    assert person.person.iin not in text
    check.locator("a[hreflang=en]").click()
    assert "The card is valid" in check.locator("main").inner_text()
    phone.close()
