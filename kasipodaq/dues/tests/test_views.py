"""The dues pages: a unit's month and arrears, accruing, recording a payroll list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.core.dates import today
from kasipodaq.dues.models import (
    Charge,
    Payment,
    PayrollList,
    PayrollStatus,
    SalaryBase,
)
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

JAN = dt.date(2026, 1, 1)


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


def test_a_district_accrues_a_month_and_sees_its_arrears(
    tree: Tree, member: Person
) -> None:
    client = _signed_in(grant(Role.ACCOUNTANT, tree.districts[0]))
    url = reverse("dues:org", args=[tree.districts[0].pk])
    response = client.post(url, {"month": "2026-01"})
    assert response.status_code == 302
    assert Charge.objects.get(person=member).amount_tiyn == 1_000_00
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "2026-01 accrued: charges 1" in text
    assert page.context["figures"].charged_tiyn == 1_000_00
    assert [(p.pk, months) for p, months in page.context["arrears"]] == [(member.pk, 1)]
    assert member.full_name in text


def test_a_bad_month_keeps_the_input_and_accrues_nothing(
    tree: Tree, member: Person
) -> None:
    client = _signed_in(tree.admin)
    url = reverse("dues:org", args=[tree.central.pk])
    for month, message in (("2026-13", "YYYY-MM"), ("2999-01", "month to come")):
        response = client.post(url, {"month": month})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert f'value="{month}"' in response.content.decode()
    assert not Charge.objects.exists()


def test_readers_see_dues_but_do_not_accrue(tree: Tree, member: Person) -> None:
    auditor = _signed_in(grant(Role.AUDITOR, tree.districts[0]))
    url = reverse("dues:org", args=[tree.districts[0].pk])
    page = auditor.get(url)
    assert page.status_code == 200
    assert "Accrue the month" not in page.content.decode()
    assert auditor.post(url, {"month": "2026-01"}).status_code == 404
    assert not Charge.objects.exists()


def test_another_district_is_404(tree: Tree, member: Person) -> None:
    client = _signed_in(grant(Role.CHAIR, tree.districts[1]))
    for name in ("dues:org", "dues:payroll-upload"):
        url = reverse(name, args=[tree.districts[0].pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"month": "2026-01"}).status_code == 404
    assert not Charge.objects.exists()


def _upload(client: Client, unit_pk: int, text: str, **extra: str) -> Any:
    file = SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv")
    return client.post(
        reverse("dues:payroll-upload", args=[unit_pk]), {"file": file, **extra}
    )


def test_recording_a_payroll_list_through_the_page_lowers_the_arrears(
    tree: Tree, member: Person
) -> None:
    accrue_month(actor=None, month=JAN, unit=tree.central)
    client = _signed_in(grant(Role.ACCOUNTANT, tree.districts[0]))
    unit = tree.districts[0]
    before = client.get(reverse("dues:org", args=[unit.pk])).context["arrears"]
    assert len(before) == 1
    response = _upload(client, unit.pk, f"ИИН;Месяц;Сумма\n{member.iin};2026-01;1200\n")
    payroll = PayrollList.objects.get()
    assert response["Location"] == reverse("dues:payroll", args=[payroll.pk])
    page = client.get(response["Location"])
    assert page.context["outcomes"] == {"over": 1}
    assert "Paid more than charged" in page.content.decode()
    assert client.get(reverse("dues:org", args=[unit.pk])).context["arrears"] == []
    detail = client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "Paid up" in detail and "1,200.00" in detail


def test_a_refused_list_shows_its_problems_and_records_nothing(
    tree: Tree, member: Person
) -> None:
    client = _signed_in(tree.admin)
    _upload(client, tree.central.pk, f"ИИН;Месяц;Сумма\n{member.iin};2026-01;-1\n")
    payroll = PayrollList.objects.get()
    assert payroll.status == PayrollStatus.REFUSED
    page = client.get(reverse("dues:payroll", args=[payroll.pk])).content.decode()
    assert "The amount must be above 0." in page
    assert not Payment.objects.exists()


def test_an_unreadable_file_is_refused_on_the_form(tree: Tree) -> None:
    client = _signed_in(tree.admin)
    response = _upload(client, tree.central.pk, "")
    assert response.status_code == 200
    assert "empty" in response.content.decode()
    assert not PayrollList.objects.exists()


def test_a_payroll_list_of_another_district_is_404(
    tree: Tree, member: Person, tmp_path: Path
) -> None:
    _upload(
        _signed_in(tree.admin),
        tree.districts[0].pk,
        f"ИИН;Месяц;Сумма\n{member.iin};2026-01;5\n",
    )
    payroll = PayrollList.objects.get()
    other = _signed_in(grant(Role.CHAIR, tree.districts[1]))
    assert other.get(reverse("dues:payroll", args=[payroll.pk])).status_code == 404
    own = _signed_in(grant(Role.CHAIR, tree.districts[0]))
    assert own.get(reverse("dues:payroll", args=[payroll.pk])).status_code == 200


def test_cash_gets_a_numbered_receipt_and_a_refusal_keeps_the_input(
    tree: Tree, member: Person
) -> None:
    chair = _signed_in(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    url = reverse("dues:cash", args=[member.pk])
    assert chair.get(url).status_code == 200
    paid_on = today().isoformat()
    for amount in ("1500.00", "700"):
        response = chair.post(url, {"amount": amount, "paid_on": paid_on})
        assert response.status_code == 302
    year = today().year
    assert sorted(
        Payment.objects.filter(person=member).values_list("reference", flat=True)
    ) == [f"{year}-000001", f"{year}-000002"]
    refused = chair.post(url, {"amount": "-5", "paid_on": paid_on, "month": "2026-01"})
    assert refused.status_code == 200
    assert 'value="2026-01"' in refused.content.decode()
    assert Payment.objects.filter(person=member).count() == 2
    payment = Payment.objects.filter(person=member).first()
    assert payment is not None
    receipt = chair.get(reverse("dues:receipt", args=[payment.pk]))
    assert receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt).startswith(b"%PDF")
    detail = chair.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert reverse("dues:receipt", args=[payment.pk]) in detail


def test_cash_and_receipts_of_another_district_are_404(
    tree: Tree, member: Person
) -> None:
    _signed_in(tree.admin).post(
        reverse("dues:cash", args=[member.pk]),
        {"amount": "100", "paid_on": today().isoformat()},
    )
    payment = Payment.objects.get()
    other = _signed_in(grant(Role.CHAIR, tree.districts[1]))
    assert other.get(reverse("dues:cash", args=[member.pk])).status_code == 404
    assert other.get(reverse("dues:receipt", args=[payment.pk])).status_code == 404
    auditor = _signed_in(grant(Role.AUDITOR, tree.districts[0]))
    assert auditor.get(reverse("dues:cash", args=[member.pk])).status_code == 404
    assert auditor.get(reverse("dues:receipt", args=[payment.pk])).status_code == 200
