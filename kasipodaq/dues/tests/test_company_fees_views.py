"""The companies' fees page (`views/company_fees.py`) and `kasipodaq
charge-company-fees`."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.dues.company_fees import parse_tiers
from kasipodaq.dues.models import (
    CompanyCharge,
    CompanyDeclaration,
    CompanyFeeSchedule,
    CompanyPayment,
    FeeBasis,
    FeePeriod,
    LedgerEntry,
)
from kasipodaq.dues.services.company_fees import set_fee_schedule
from kasipodaq.orgtree.models import Employer, Level
from kasipodaq.registry.tests.factories import Tree, grant, make_unit

TIERS = "0-49: 100000\n50-249: 300000\n250+: 600000"


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _url(unit: Any) -> str:
    return reverse("dues:company-fees", args=[unit.pk])


def _company(tree: Tree, index: int = 0) -> Employer:
    employer = tree.primaries[index].employer
    assert employer is not None
    return employer


def _schedule(tree: Tree) -> CompanyFeeSchedule:
    return set_fee_schedule(
        actor=None,
        unit=tree.central,
        valid_from=dt.date(2026, 1, 1),
        basis=FeeBasis.EMPLOYEES,
        period=FeePeriod.YEAR,
        tiers=parse_tiers(TIERS),
    )


def test_a_district_sets_a_schedule_charges_and_records_a_transfer(
    tree: Tree,
) -> None:
    district = tree.districts[0]
    client = _signed_in(grant(Role.ACCOUNTANT, district))
    url = _url(district)
    response = client.post(
        url,
        {
            "form": "schedule",
            "valid_from": "2026-01-01",
            "basis": FeeBasis.EMPLOYEES,
            "period": FeePeriod.YEAR,
            "tiers": TIERS,
        },
    )
    assert response.status_code == 302
    assert CompanyFeeSchedule.objects.get().unit == district
    response = client.post(
        url,
        {
            "form": "declaration",
            "bin": _company(tree).bin,
            "year": "2026",
            "employees": "300",
            "declared_on": "2026-02-01",
        },
    )
    assert response.status_code == 302
    response = client.post(url, {"form": "charge", "year": "2026", "quarter": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2026")
    assert CompanyCharge.objects.count() == 2
    response = client.post(
        url,
        {
            "form": "payment",
            "bin": _company(tree).bin,
            "order_number": "314",
            "amount": "250000.00",
            "paid_on": "2026-03-02",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "Payment order №314 is recorded: 250000.00 tenge." in text
    rows = {row.employer.pk: row for row in page.context["rows"]}
    paid = rows[_company(tree).pk]
    assert (paid.fee_tiyn, paid.paid_tiyn, paid.owed_tiyn) == (
        600_000_00,
        250_000_00,
        350_000_00,
    )
    assert rows[_company(tree, 1).pk].fee_tiyn == 300_000_00  # the registry's 50
    assert page.context["schedule"].unit == district
    assert _company(tree).bin in text
    assert LedgerEntry.objects.get().amount_tiyn == 250_000_00


def test_the_page_reads_in_a_fixed_number_of_queries(
    tree: Tree, django_assert_max_num_queries: Any
) -> None:
    """However many companies there are."""
    _schedule(tree)
    for _n in range(12):
        make_unit(tree.districts[0], Level.PRIMARY, employees=400)
    call_command("charge_company_fees", "--year", "2026", stdout=io.StringIO())
    client = _signed_in(tree.admin)
    client.get(_url(tree.central))  # the session and the grants are warm
    with django_assert_max_num_queries(14):
        page = client.get(_url(tree.central))
    assert len(page.context["rows"]) == 8 + 12
    assert {row.fee_tiyn for row in page.context["rows"]} == {
        300_000_00,
        600_000_00,
    }


@pytest.mark.parametrize(
    ("data", "message", "kept"),
    [
        (
            {
                "form": "schedule",
                "valid_from": "2026-01-01",
                "basis": FeeBasis.EMPLOYEES,
                "period": FeePeriod.YEAR,
                "tiers": "0-50: 100\n50+: 200",
            },
            "overlap",
            "0-50: 100",
        ),
        (
            {
                "form": "schedule",
                "valid_from": "2026-01-01",
                "basis": FeeBasis.EMPLOYEES,
                "period": FeePeriod.YEAR,
                "tiers": "0-50: -100\n51+: 200",
            },
            "negative",
            "51+: 200",
        ),
        (
            {
                "form": "declaration",
                "bin": "000000000000",
                "year": "2026",
                "employees": "5",
                "declared_on": "2026-02-01",
            },
            "No member company",
            'value="000000000000"',
        ),
        (
            {
                "form": "declaration",
                "bin": "BIN0",
                "year": "2026",
                "employees": "-5",
                "declared_on": "2026-02-01",
            },
            "0 or more",
            'value="-5"',
        ),
        (
            {
                "form": "payment",
                "bin": "BIN0",
                "order_number": "7",
                "amount": "100",
                "paid_on": "2026-03-02",
            },
            "already recorded",
            'value="7"',
        ),
        (
            {"form": "charge", "year": "2999", "quarter": ""},
            "not begun",
            'value="2999"',
        ),
    ],
)
def test_a_refused_form_keeps_the_input_and_changes_nothing(
    tree: Tree, data: dict[str, str], message: str, kept: str
) -> None:
    client = _signed_in(tree.admin)
    url = _url(tree.central)
    data = {k: v.replace("BIN0", _company(tree).bin) for k, v in data.items()}
    client.post(
        url,
        {
            "form": "payment",
            "bin": _company(tree).bin,
            "order_number": "7",
            "amount": "100",
            "paid_on": "2026-03-02",
        },
    )
    counts = [
        m.objects.count()
        for m in (CompanyFeeSchedule, CompanyDeclaration, CompanyPayment, CompanyCharge)
    ]
    response = client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert kept in text
    assert counts == [
        m.objects.count()
        for m in (CompanyFeeSchedule, CompanyDeclaration, CompanyPayment, CompanyCharge)
    ]


def test_another_regions_user_gets_404(tree: Tree) -> None:
    _schedule(tree)
    client = _signed_in(grant(Role.ACCOUNTANT, tree.regions[1]))
    url = _url(tree.regions[0])
    assert client.get(url).status_code == 404
    response = client.post(url, {"form": "charge", "year": "2026"})
    assert response.status_code == 404
    assert not CompanyCharge.objects.exists()
    assert client.get(_url(tree.regions[1])).status_code == 200


def test_readers_see_the_fees_but_change_nothing(tree: Tree) -> None:
    _schedule(tree)
    reader = _signed_in(grant(Role.AUDITOR, tree.districts[0]))
    page = reader.get(_url(tree.districts[0]))
    assert page.status_code == 200
    assert "Charge the fees" not in page.content.decode()
    response = reader.post(_url(tree.districts[0]), {"form": "charge", "year": "2026"})
    assert response.status_code == 404
    assert not CompanyCharge.objects.exists()


def test_an_unknown_form_is_a_bad_request(tree: Tree) -> None:
    client = _signed_in(tree.admin)
    assert client.post(_url(tree.central), {"form": "nope"}).status_code == 400


def test_the_org_dues_page_links_to_the_companies(tree: Tree) -> None:
    page = _signed_in(tree.admin).get(reverse("dues:org", args=[tree.central.pk]))
    assert _url(tree.central) in page.content.decode()


def _run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("charge_company_fees", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_count_and_total(tree: Tree) -> None:
    _schedule(tree)
    assert (
        "2026: company fees 8, total 2,400,000.00 tenge "
        "(new 8, corrected 0, removed 0)." in _run("--year", "2026")
    )
    assert "2026 Q1: company fees 4, total 1,200,000.00 tenge (new 0, corrected 0" in (
        _run("--year", "2026", "--quarter", "1", "--org", tree.regions[0].code)
    )
    assert "2026 Q2: company fees 0, total 0.00 tenge" in _run(
        "--year", "2026", "--quarter", "2"
    )
    assert CompanyCharge.objects.count() == 8


def test_the_command_refuses_a_period_to_come_and_an_unknown_org(tree: Tree) -> None:
    _schedule(tree)
    with pytest.raises(CommandError, match="not begun"):
        _run("--year", "2999")
    with pytest.raises(CommandError, match="NOPE"):
        _run("--year", "2026", "--org", "NOPE")
    assert not CompanyCharge.objects.exists()
