"""Dues rules and distribution regulations: what is in force where, setting them,
and their pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.dates import today
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.dues.errors import DuesRefusal
from kasipodaq.dues.in_force import (
    distribution_in_force,
    dues_rule_history,
    dues_rule_in_force,
    months_to_reaccrue,
)
from kasipodaq.dues.models import (
    Charge,
    DistributionRule,
    DuesRule,
    LedgerEntry,
    Rounding,
    SalaryBase,
)
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.dues.services.payments import record_payment
from kasipodaq.dues.services.rules import set_distribution, set_dues_rule
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _earning(tree: Tree, primary: int, salary_tiyn: int = 100_000_00) -> Person:
    person = tree.admit(tree.primaries[primary], joined_on=dt.date(2025, 1, 1)).person
    SalaryBase.objects.create(
        person=person, valid_from=dt.date(2025, 1, 1), amount_tiyn=salary_tiyn
    )
    return person


def _rule(tree: Tree, unit: Any, valid_from: dt.date, **values: Any) -> Any:
    return set_dues_rule(
        actor=tree.admin,
        unit=unit,
        valid_from=valid_from,
        **{"percent_bp": 150, **values},
    )


# The dues rule


def test_a_rule_holds_below_its_unit_from_its_month_and_is_audited(tree: Tree) -> None:
    member = _earning(tree, 0)
    result = _rule(
        tree, tree.districts[0], FEB, student_tiyn=500_00, rounding=Rounding.TENGE
    )
    assert (result.replaced, result.to_reaccrue) == (False, [])
    below = dues_rule_in_force(tree.primaries[0], FEB)
    assert (below.rule, below.source, below.is_own) == (
        result.rule,
        tree.districts[0],
        False,
    )
    assert dues_rule_in_force(tree.districts[0], FEB).is_own
    assert dues_rule_in_force(tree.primaries[0], JAN).is_default
    assert dues_rule_in_force(tree.primaries[2], FEB).is_default
    event = AuditEvent.objects.get(action=AuditAction.DUES_RULE_SET)
    assert (event.actor, event.object_id, event.before) == (
        tree.admin,
        result.rule.pk,
        None,
    )
    assert event.after is not None
    assert (event.after["percent_bp"], event.after["valid_from"]) == (150, "2026-02-01")
    accrue_month(actor=None, month=FEB, unit=tree.central)
    charge = Charge.objects.get(person=member)
    assert (charge.amount_tiyn, charge.rule_id) == (1_500_00, result.rule.pk)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"valid_from": dt.date(2026, 2, 15)}, "valid_from", "first day of a month"),
        ({"percent_bp": 10001}, "percent", "from 0 to 100"),
        ({"percent_bp": -1}, "percent", "from 0 to 100"),
        ({"student_tiyn": -1}, "student", "monthly amount"),
        ({"pensioner_tiyn": 10**12}, "pensioner", "monthly amount"),
        ({"non_working_tiyn": -100}, "non_working", "monthly amount"),
        ({"rounding": "kopeck"}, "rounding", "Unknown rounding"),
    ],
)
def test_a_bad_rule_is_refused_and_nothing_is_written(
    tree: Tree, values: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(DuesRefusal, match=message) as refused:
        set_dues_rule(
            actor=tree.admin,
            unit=tree.central,
            **{"valid_from": FEB, "percent_bp": 100, **values},
        )
    assert refused.value.field == field
    assert not DuesRule.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DUES_RULE_SET).exists()


def test_only_keepers_of_the_dues_there_set_a_rule(tree: Tree) -> None:
    for user in (
        grant(Role.ACCOUNTANT, tree.districts[1]),
        grant(Role.AUDITOR, tree.districts[0]),
        grant(Role.LEGAL_INSPECTOR, tree.districts[0]),
    ):
        with pytest.raises(PermissionRefused):
            set_dues_rule(
                actor=user, unit=tree.districts[0], valid_from=FEB, percent_bp=100
            )
    assert not DuesRule.objects.exists()
    accountant = grant(Role.ACCOUNTANT, tree.regions[0])
    set_dues_rule(
        actor=accountant, unit=tree.districts[0], valid_from=FEB, percent_bp=1
    )
    assert DuesRule.objects.get().created_by == accountant


def test_an_unused_rule_is_replaced_and_a_used_one_only_superseded(tree: Tree) -> None:
    _earning(tree, 0)
    first = _rule(tree, tree.central, JAN).rule
    again = _rule(tree, tree.central, JAN, percent_bp=120)
    assert again.replaced and again.rule.pk == first.pk
    assert DuesRule.objects.get().percent_bp == 120
    replaced = AuditEvent.objects.filter(action=AuditAction.DUES_RULE_SET).first()
    assert replaced is not None and replaced.before and replaced.after
    assert (replaced.before["percent_bp"], replaced.after["percent_bp"]) == (150, 120)
    accrue_month(actor=None, month=JAN, unit=tree.central)
    history = dues_rule_history(tree.central)
    assert [rule.used for rule in history] == [True]  # type: ignore[attr-defined]
    with pytest.raises(DuesRefusal, match="already accrued by the rule from 2026-01"):
        _rule(tree, tree.central, JAN, percent_bp=200)
    assert DuesRule.objects.get().percent_bp == 120
    later = _rule(tree, tree.central, FEB, percent_bp=200)
    assert not later.replaced
    assert [rule.valid_from for rule in dues_rule_history(tree.central)] == [FEB, JAN]


def test_the_months_already_accrued_that_a_rule_changes_are_named(tree: Tree) -> None:
    _earning(tree, 0)  # district 0: the default, then the centre's rules
    _earning(tree, 2)  # district 1: its own rule all along
    _rule(tree, tree.districts[1], dt.date(2025, 12, 1))
    for month in (JAN, FEB, MAR):
        accrue_month(actor=None, month=month, unit=tree.central)
    assert _rule(tree, tree.central, MAR).to_reaccrue == [MAR]
    # Until the centre's next rule, and never the months of district 1.
    assert _rule(tree, tree.central, JAN).to_reaccrue == [JAN, FEB]
    assert months_to_reaccrue(tree.districts[1], FEB) == [FEB, MAR]
    assert months_to_reaccrue(tree.primaries[2], FEB) == [FEB, MAR]
    assert months_to_reaccrue(tree.regions[1], JAN) == []


# The distribution regulation

SHARES = {
    "primary_bp": 5000,
    "district_bp": 2000,
    "region_bp": 2000,
    "central_bp": 1000,
}


def test_a_region_sets_its_regulation_and_payments_follow_it(tree: Tree) -> None:
    member = _earning(tree, 0)
    day = today()
    rule = set_distribution(
        actor=tree.admin, unit=tree.regions[0], valid_from=day, **SHARES
    )
    in_force = distribution_in_force(tree.primaries[0], day)
    assert (in_force.rule, in_force.source, in_force.is_own) == (
        rule,
        tree.regions[0],
        False,
    )
    assert distribution_in_force(tree.regions[0], day).is_own
    assert distribution_in_force(tree.primaries[4], day).is_default
    assert distribution_in_force(tree.primaries[4], day).shares["primary"] == 10000
    event = AuditEvent.objects.get(action=AuditAction.DUES_DISTRIBUTION_SET)
    assert event.after is not None and event.after["central_bp"] == 1000
    payment = record_payment(
        actor=None,
        person=member,
        amount_tiyn=1_000_00,
        method="cash",
        reference="R-1",
        paid_on=day,
    )
    shares = dict(
        LedgerEntry.objects.filter(payment=payment).values_list("level", "amount_tiyn")
    )
    assert shares == {
        "primary": 500_00,
        "district": 200_00,
        "region": 200_00,
        "central": 100_00,
    }


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ({**SHARES, "central_bp": 1001}, "add up to 100.01 %"),
        ({**SHARES, "primary_bp": 4999}, "add up to 99.99 %"),
        ({**SHARES, "district_bp": -1, "central_bp": 1001}, "from 0 to 100"),
    ],
)
def test_shares_not_adding_up_to_100_are_refused(
    tree: Tree, shares: dict[str, int], message: str
) -> None:
    with pytest.raises(DuesRefusal, match=message):
        set_distribution(
            actor=tree.admin, unit=tree.central, valid_from=today(), **shares
        )
    assert not DistributionRule.objects.exists()


def test_only_the_union_and_regions_have_a_regulation(tree: Tree) -> None:
    for unit in (tree.districts[0], tree.primaries[0]):
        with pytest.raises(DuesRefusal, match="Only the union and its regions"):
            set_distribution(actor=tree.admin, unit=unit, valid_from=today(), **SHARES)
    with pytest.raises(PermissionRefused):
        set_distribution(
            actor=grant(Role.ACCOUNTANT, tree.districts[0]),
            unit=tree.regions[0],
            valid_from=today(),
            **SHARES,
        )
    assert not DistributionRule.objects.exists()


def test_collections_already_shared_out_are_never_shared_again(tree: Tree) -> None:
    member = _earning(tree, 0)
    day = today()
    future = set_distribution(
        actor=tree.admin, unit=tree.central, valid_from=day, **SHARES
    )
    replaced = set_distribution(
        actor=tree.admin,
        unit=tree.central,
        valid_from=day,
        **{**SHARES, "primary_bp": 6000, "central_bp": 0},
    )
    assert replaced.pk == future.pk
    assert DistributionRule.objects.get().primary_bp == 6000
    record_payment(
        actor=None,
        person=member,
        amount_tiyn=100_00,
        method="cash",
        reference="R-1",
        paid_on=day,
    )
    for start in (day, day - dt.timedelta(days=30)):
        with pytest.raises(DuesRefusal, match="already shared out"):
            set_distribution(
                actor=tree.admin, unit=tree.central, valid_from=start, **SHARES
            )
    # Another region's collections are not this one's.
    set_distribution(actor=tree.admin, unit=tree.regions[1], valid_from=day, **SHARES)
    tomorrow = set_distribution(
        actor=tree.admin,
        unit=tree.central,
        valid_from=day + dt.timedelta(days=1),
        **SHARES,
    )
    assert DistributionRule.objects.count() == 3
    assert tomorrow.primary_bp == 5000


# The pages


def test_readers_see_the_rule_in_force_but_cannot_set_one(tree: Tree) -> None:
    _rule(tree, tree.regions[0], JAN)
    auditor = _signed_in(grant(Role.AUDITOR, tree.districts[0]))
    url = reverse("dues:rules", args=[tree.districts[0].pk])
    page = auditor.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Inherited from {tree.regions[0].name}" in text
    assert "1.50 % of the salary" in text
    assert "Set the rule" not in text
    post = {"valid_from": "2026-02", "percent": "2", "student": "0", "pensioner": "0"}
    assert (
        auditor.post(url, {**post, "non_working": "0", "rounding": "tiyn"}).status_code
        == 404
    )
    assert DuesRule.objects.count() == 1


def test_a_rule_set_on_the_page_tells_which_months_to_accrue_again(
    tree: Tree,
) -> None:
    _earning(tree, 0)
    accrue_month(actor=None, month=FEB, unit=tree.central)
    client = _signed_in(grant(Role.ACCOUNTANT, tree.districts[0]))
    url = reverse("dues:rules", args=[tree.districts[0].pk])
    assert "default: 1 % of the salary" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "valid_from": "2026-02",
            "percent": "1.25",
            "student": "500",
            "pensioner": "300.50",
            "non_working": "0",
            "rounding": "tenge",
        },
    )
    assert response.status_code == 302
    rule = DuesRule.objects.get()
    assert (rule.unit, rule.valid_from, rule.percent_bp) == (
        tree.districts[0],
        FEB,
        125,
    )
    assert (rule.student_tiyn, rule.pensioner_tiyn) == (500_00, 300_50)
    page = client.get(response["Location"]).content.decode()
    assert "The rule from 2026-02 is set." in page
    assert "accrued again: 2026-02." in page
    assert "own rule, from 2026-02" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"percent": "100.01"}, "less than or equal to 100"),
        ({"percent": "1.234"}, "2 decimal places"),
        ({"student": "-1"}, "greater than or equal to 0"),
        ({"valid_from": "2026-13"}, "YYYY-MM"),
    ],
)
def test_a_refused_rule_keeps_the_input(
    tree: Tree, changes: dict[str, str], message: str
) -> None:
    client = _signed_in(tree.admin)
    data = {
        "valid_from": "2026-04",
        "percent": "1.5",
        "student": "250.75",
        "pensioner": "0",
        "non_working": "0",
        "rounding": "tiyn",
        **changes,
    }
    response = client.post(reverse("dues:rules", args=[tree.central.pk]), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    for value in data.values():
        if value != "tiyn":
            assert f'value="{value}"' in text
    assert not DuesRule.objects.exists()


def test_a_used_rule_refused_on_the_page_keeps_the_input(tree: Tree) -> None:
    _earning(tree, 0)
    _rule(tree, tree.central, JAN)
    accrue_month(actor=None, month=JAN, unit=tree.central)
    response = _signed_in(tree.admin).post(
        reverse("dues:rules", args=[tree.central.pk]),
        {
            "valid_from": "2026-01",
            "percent": "3.33",
            "student": "0",
            "pensioner": "0",
            "non_working": "0",
            "rounding": "tiyn",
        },
    )
    assert response.status_code == 200
    assert "cannot be changed" in response.content.decode()
    assert 'value="3.33"' in response.content.decode()
    assert DuesRule.objects.get().percent_bp == 150


def test_another_regions_user_gets_404_on_the_rule_pages(tree: Tree) -> None:
    other = _signed_in(grant(Role.ACCOUNTANT, tree.regions[1]))
    for name, unit in (
        ("dues:rules", tree.districts[0]),
        ("dues:rules", tree.regions[0]),
        ("dues:distribution", tree.regions[0]),
        ("dues:distribution", tree.central),
    ):
        url = reverse(name, args=[unit.pk])
        assert other.get(url).status_code == 404
        assert other.post(url, {"valid_from": "2026-02"}).status_code == 404
    assert not DuesRule.objects.exists() and not DistributionRule.objects.exists()


def test_the_distribution_page_of_a_region(tree: Tree) -> None:
    client = _signed_in(grant(Role.ACCOUNTANT, tree.regions[0]))
    assert (
        client.get(
            reverse("dues:distribution", args=[tree.districts[0].pk])
        ).status_code
        == 404
    )
    url = reverse("dues:distribution", args=[tree.regions[0].pk])
    page = client.get(url).content.decode()
    assert "everything collected stays at the primary organization" in page
    start = (today() + dt.timedelta(days=1)).isoformat()
    bad = {
        "valid_from": start,
        "primary": "50.5",
        "district": "20",
        "region": "20",
        "central": "10",
    }
    refused = client.post(url, bad)
    assert refused.status_code == 200
    assert "add up to 100.50 %, not exactly 100 %" in refused.content.decode()
    assert 'value="50.5"' in refused.content.decode()
    assert not DistributionRule.objects.exists()
    response = client.post(url, {**bad, "primary": "49.99", "central": "10.01"})
    assert response.status_code == 302
    rule = DistributionRule.objects.get()
    assert (rule.unit, rule.primary_bp, rule.central_bp) == (
        tree.regions[0],
        4999,
        1001,
    )
    assert "The distribution from" in client.get(url).content.decode()
    # The centre's page: readable by the region's accountant? No: not their unit.
    assert (
        client.get(reverse("dues:distribution", args=[tree.central.pk])).status_code
        == 404
    )
    auditor = _signed_in(grant(Role.AUDITOR, tree.regions[0]))
    assert "Set the regulation" not in auditor.get(url).content.decode()
    assert auditor.post(url, {**bad, "primary": "50"}).status_code == 404
    assert DistributionRule.objects.count() == 1


def test_the_rule_pages_read_in_a_fixed_number_of_queries(
    tree: Tree, django_assert_max_num_queries: Any
) -> None:
    for month in range(1, 13):
        _rule(tree, tree.districts[0], dt.date(2025, month, 1), percent_bp=month)
        _rule(tree, tree.regions[0], dt.date(2025, month, 1), percent_bp=month)
    for day in range(1, 13):
        set_distribution(
            actor=tree.admin,
            unit=tree.regions[0],
            valid_from=dt.date(2025, day, 1),
            **SHARES,
        )
    client = _signed_in(tree.admin)
    for name, unit in (
        ("dues:rules", tree.districts[0]),
        ("dues:distribution", tree.regions[0]),
    ):
        url = reverse(name, args=[unit.pk])
        client.get(url)
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200


def test_the_dues_page_links_to_the_rules_of_its_organization(tree: Tree) -> None:
    client = _signed_in(tree.admin)
    region = client.get(reverse("dues:org", args=[tree.regions[0].pk]))
    text = region.content.decode()
    for name in ("dues:rules", "dues:distribution", "dues:salaries"):
        assert reverse(name, args=[tree.regions[0].pk]) in text
    district = client.get(reverse("dues:org", args=[tree.districts[0].pk]))
    text = district.content.decode()
    assert reverse("dues:rules", args=[tree.districts[0].pk]) in text
    assert reverse("dues:distribution", args=[tree.districts[0].pk]) not in text
