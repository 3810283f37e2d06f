"""Exemptions from dues: granted over months, never overlapping, ended early,
audited against the person, kept on the member's dues panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.models import Charge, Exemption, ExemptionReason, SalaryBase
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.dues.services.exemptions import end_exemption, exempt_member
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def member(tree: Tree) -> Person:
    person = tree.admit(tree.primaries[0], joined_on=dt.date(2025, 1, 1)).person
    SalaryBase.objects.create(
        person=person, valid_from=dt.date(2025, 1, 1), amount_tiyn=100_000_00
    )
    return person


def _exempt(tree: Tree, person: Person, start: dt.date, end: dt.date | None) -> Any:
    return exempt_member(
        actor=tree.admin,
        person=person,
        reason=ExemptionReason.PARENTAL_LEAVE,
        valid_from=start,
        valid_to=end,
        note=" decision 12 ",
    )


def test_an_exempted_member_is_charged_nothing_over_its_months(
    tree: Tree, member: Person
) -> None:
    accrue_month(actor=None, month=JAN, unit=tree.central)
    change = _exempt(tree, member, JAN, MAR)
    assert change.to_reaccrue == [JAN]
    assert change.exemption.note == "decision 12"
    for month in (JAN, FEB, MAR):
        accrue_month(actor=None, month=month, unit=tree.central)
    charges = Charge.objects.filter(person=member).order_by("month")
    assert [(c.month, c.amount_tiyn, c.exempt) for c in charges] == [
        (JAN, 0, True),
        (FEB, 0, True),
        (MAR, 1_000_00, False),
    ]
    event = AuditEvent.objects.get(action=AuditAction.DUES_EXEMPTION_SET)
    assert (event.person_id, event.actor, event.object_id) == (
        member.pk,
        tree.admin,
        change.exemption.pk,
    )
    assert event.after == {
        "reason": "parental_leave",
        "valid_from": "2026-01-01",
        "valid_to": "2026-03-01",
        "note": "decision 12",
    }


@pytest.mark.parametrize(
    ("existing", "start", "end"),
    [
        ((JAN, None), APR, None),
        ((JAN, None), dt.date(2025, 6, 1), FEB),
        ((FEB, APR), JAN, None),
        ((FEB, APR), MAR, None),
        ((FEB, APR), JAN, MAR),
        ((FEB, APR), FEB, APR),
    ],
)
def test_overlapping_exemptions_are_refused(
    tree: Tree,
    member: Person,
    existing: tuple[dt.date, dt.date | None],
    start: dt.date,
    end: dt.date | None,
) -> None:
    _exempt(tree, member, *existing)
    with pytest.raises(DuesRefusal, match="cannot overlap") as refused:
        _exempt(tree, member, start, end)
    assert refused.value.field == "valid_from"
    assert Exemption.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.DUES_EXEMPTION_SET).count() == 1


def test_exemptions_side_by_side_are_accepted(tree: Tree, member: Person) -> None:
    _exempt(tree, member, FEB, APR)
    _exempt(tree, member, dt.date(2025, 11, 1), FEB)
    _exempt(tree, member, APR, None)
    assert Exemption.objects.filter(person=member).count() == 3


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"valid_from": dt.date(2026, 1, 2)}, "valid_from", "Give a month"),
        ({"valid_to": dt.date(2026, 3, 31)}, "valid_to", "Give a month"),
        ({"valid_to": JAN}, "valid_to", "pays again after"),
        ({"valid_to": dt.date(2025, 12, 1)}, "valid_to", "pays again after"),
        ({"reason": "holiday"}, "reason", "Unknown reason"),
        ({"note": "x" * 301}, "note", "longer than 300"),
    ],
)
def test_bad_exemptions_are_refused(
    tree: Tree, member: Person, values: dict[str, Any], field: str, message: str
) -> None:
    arguments: dict[str, Any] = {
        "reason": ExemptionReason.ILLNESS,
        "valid_from": JAN,
        "valid_to": None,
        **values,
    }
    with pytest.raises(DuesRefusal, match=message) as refused:
        exempt_member(actor=tree.admin, person=member, **arguments)
    assert refused.value.field == field
    assert not Exemption.objects.exists()


def test_only_keepers_of_the_members_organization_exempt(
    tree: Tree, member: Person
) -> None:
    for user in (
        grant(Role.ACCOUNTANT, tree.districts[1]),
        grant(Role.AUDITOR, tree.districts[0]),
        grant(Role.PRIMARY_CHAIR, tree.primaries[1]),
    ):
        with pytest.raises(PermissionRefused):
            exempt_member(actor=user, person=member, reason="illness", valid_from=JAN)
    assert not Exemption.objects.exists()
    chair = grant(Role.PRIMARY_CHAIR, tree.primaries[0])
    change = exempt_member(actor=chair, person=member, reason="illness", valid_from=JAN)
    exemption = change.exemption
    with pytest.raises(PermissionRefused):
        end_exemption(
            actor=grant(Role.ACCOUNTANT, tree.districts[1]),
            exemption=exemption,
            pays_from=MAR,
        )
    assert Exemption.objects.get().valid_to is None


def test_an_exemption_ends_early_and_names_the_months_to_accrue_again(
    tree: Tree, member: Person
) -> None:
    exemption = _exempt(tree, member, JAN, None).exemption
    for month in (JAN, FEB, MAR):
        accrue_month(actor=None, month=month, unit=tree.central)
    change = end_exemption(actor=tree.admin, exemption=exemption, pays_from=FEB)
    assert change.exemption.valid_to == FEB
    assert change.to_reaccrue == [FEB, MAR]
    event = AuditEvent.objects.get(action=AuditAction.DUES_EXEMPTION_ENDED)
    assert (event.person_id, event.before, event.after) == (
        member.pk,
        {"valid_to": None},
        {"valid_to": "2026-02-01"},
    )
    accrue_month(actor=None, month=FEB, unit=tree.central)
    assert Charge.objects.get(person=member, month=FEB).amount_tiyn == 1_000_00
    for pays_from, message in (
        (FEB, "already ends before 2026-02"),
        (MAR, "already ends before 2026-03"),
        (JAN, "from the month after at the earliest"),
        (dt.date(2025, 12, 1), "from the month after at the earliest"),
        (dt.date(2026, 1, 20), "Give a month"),
    ):
        with pytest.raises(DuesRefusal, match=message):
            end_exemption(actor=tree.admin, exemption=exemption, pays_from=pays_from)
    assert Exemption.objects.get().valid_to == FEB


# The pages


def test_the_dues_panel_lists_exemptions_and_links_to_them(
    tree: Tree, member: Person
) -> None:
    _exempt(tree, member, JAN, None)
    detail = reverse("members:detail", args=[member.pk])
    chair = _signed_in(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    page = chair.get(detail).content.decode()
    assert "Parental leave" in page and "until ended" in page
    assert reverse("dues:exemptions", args=[member.pk]) in page
    assert "End early" in page
    auditor = _signed_in(grant(Role.AUDITOR, tree.districts[0]))
    page = auditor.get(detail).content.decode()
    assert "Parental leave" in page
    assert reverse("dues:exemptions", args=[member.pk]) not in page
    assert "End early" not in page


def test_exempting_on_the_page(tree: Tree, member: Person) -> None:
    client = _signed_in(grant(Role.ACCOUNTANT, tree.districts[0]))
    url = reverse("dues:exemptions", args=[member.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "reason": "military",
            "valid_from": "2026-02",
            "valid_to": "",
            "note": "Приказ 5",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("members:detail", args=[member.pk]) + "#dues"
    )
    exemption = Exemption.objects.get()
    assert (exemption.reason, exemption.valid_from, exemption.valid_to) == (
        "military",
        FEB,
        None,
    )
    refused = client.post(
        url, {"reason": "illness", "valid_from": "2026-03", "note": "again"}
    )
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "cannot overlap" in text
    assert 'value="2026-03"' in text and 'value="again"' in text
    assert "Military service" in text  # the list shown above the form
    bad = client.post(url, {"reason": "illness", "valid_from": "2026-3"})
    assert "YYYY-MM" in bad.content.decode()
    assert Exemption.objects.count() == 1


def test_ending_an_exemption_on_the_page(tree: Tree, member: Person) -> None:
    exemption = _exempt(tree, member, JAN, None).exemption
    accrue_month(actor=None, month=MAR, unit=tree.central)
    client = _signed_in(tree.admin)
    url = reverse("dues:exemption-end", args=[exemption.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"pays_from": "2025-12"})
    assert refused.status_code == 200
    assert "at the earliest" in refused.content.decode()
    assert 'value="2025-12"' in refused.content.decode()
    response = client.post(url, {"pays_from": "2026-03"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "pays dues again from 2026-03" in page
    assert "accrued again: 2026-03." in page
    exemption.refresh_from_db()
    assert exemption.valid_to == MAR


def test_exemption_pages_are_404_out_of_reach(tree: Tree, member: Person) -> None:
    exemption = _exempt(tree, member, JAN, None).exemption
    urls = [
        reverse("dues:exemptions", args=[member.pk]),
        reverse("dues:exemption-end", args=[exemption.pk]),
    ]
    for user in (
        grant(Role.CHAIR, tree.regions[1]),
        grant(Role.ACCOUNTANT, tree.districts[1]),
        grant(Role.AUDITOR, tree.districts[0]),
    ):
        client = _signed_in(user)
        for url in urls:
            assert client.get(url).status_code == 404
            assert (
                client.post(
                    url,
                    {
                        "reason": "illness",
                        "valid_from": "2027-01",
                        "pays_from": "2026-02",
                    },
                ).status_code
                == 404
            )
    assert Exemption.objects.count() == 1
    assert Exemption.objects.get().valid_to is None


def test_the_exemptions_page_reads_in_a_fixed_number_of_queries(
    tree: Tree, member: Person, django_assert_max_num_queries: Any
) -> None:
    for year in range(2010, 2026):
        _exempt(tree, member, dt.date(year, 1, 1), dt.date(year, 6, 1))
    client = _signed_in(tree.admin)
    url = reverse("dues:exemptions", args=[member.pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
