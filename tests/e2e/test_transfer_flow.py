"""A district chair signs in, finds a member by IIN, transfers them, sees counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from kasipodaq.access.perms import Role
from kasipodaq.registry.tests.factories import PASSWORD, build_tree, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _members_figure(page: Any, unit_pk: int) -> str:
    page.goto(f"/orgs/{unit_pk}/")
    return page.locator(".figures .figure .value").first.inner_text().strip()


def test_a_chair_transfers_a_member_and_both_counts_change(page: Any) -> None:
    tree = build_tree()
    school_a, school_b = tree.primaries[0], tree.primaries[1]
    member = tree.admit(school_a, last_name="Жумабаева", first_name="Сауле")
    tree.admit(school_a)
    tree.admit(school_b)
    tree.admit(tree.primaries[2])  # another district: never shown to this chair
    chair = grant(Role.CHAIR, tree.districts[0])

    page.goto("/")
    assert "/accounts/sign-in/" in page.url
    assert page.locator("html").get_attribute("lang") == "ru"
    page.fill("#id_username", chair.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/orgs/$"))

    assert _members_figure(page, school_a.pk) == "2"
    assert _members_figure(page, school_b.pk) == "1"

    page.goto("/members/")
    page.fill("#id_q", member.person.iin)
    page.locator("#id_q").press("Enter")
    expect(page.locator("#member-results tbody tr")).to_have_count(1)
    page.locator("#member-results a", has_text="Жумабаева").click()
    page.wait_for_url(re.compile(rf"/members/{member.person_id}/$"))

    page.locator(f"a[href='/members/{member.person_id}/transfer/']").click()
    page.select_option("#id_to_unit", value=school_b.code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/members/{member.person_id}/$"))
    assert school_b.name_ru in page.locator("main").inner_text()

    assert _members_figure(page, school_a.pk) == "1"
    assert _members_figure(page, school_b.pk) == "2"

    response = page.goto(f"/orgs/{tree.primaries[2].pk}/")
    assert response is not None and response.status == 404
