"""A month of dues in the demo union, from the accrual to every level's ledger.

The acceptance of the dues issue, through the pages the demo's staff use: the
central administrator accrues this month for the whole union; the district's
accountant records an employer's payroll list paying a few members of the demo
school exactly what they were charged; the school's chair sends one member to pay
by card on the local CloudPayments simulator (over real HTTP, its notifications
reaching our endpoint on the live server) and takes cash from another, with a
receipt. Then the school, its district, its region and the centre each open
their distribution statement for this month: each shows its own share of that
money under the regulation in force, the school's four shares add up to what was
paid there, and the ledger reconciles with the payments to the tiyn.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kasipodaq.accounts.models import User
from kasipodaq.core.dates import today
from kasipodaq.dues.distribution import LEVELS
from kasipodaq.dues.models import (
    Charge,
    DistributionRule,
    Payment,
    PaymentMethod,
    PayrollList,
    PayrollStatus,
)
from kasipodaq.dues.money import split, to_tenge
from kasipodaq.dues.months import month_of, next_month
from kasipodaq.dues.providers.simulator import Simulator
from kasipodaq.dues.statements import Collected, reconcile
from kasipodaq.dues.templatetags.dues import tenge
from kasipodaq.dues.tests.card_fixtures import PAYS, start_simulator
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.querysets import subtree_filter
from kasipodaq.registry.demo.builder import DemoSpec, build_demo
from kasipodaq.registry.demo.users import demo_units
from kasipodaq.registry.models import Person

# The live server reads what the test writes: committed, not rolled back.
pytestmark = pytest.mark.django_db(transaction=True)

# Who opens each level's statement: the demo's staff bound there.
READERS = {
    "primary": "chair.primary",
    "district": "accountant.district",
    "region": "accountant.karaganda",
    "central": "auditor",
}
# The demo's keys of those units, in the regulation's order (distribution.LEVELS).
UNITS = ("primary", "district", "region", "central")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive

    @property
    def query(self) -> dict[str, str]:
        """The statement page's ?from=&to= (both months included)."""
        last = month_of(self.end - dt.timedelta(days=1))
        return {"from": f"{self.start:%Y-%m}", "to": f"{last:%Y-%m}"}


@pytest.fixture
def simulator(settings: Any, live_server: Any) -> Iterator[Simulator]:
    """The provider's simulator, posting its notifications to the live server."""
    notify = reverse("dues:card-notify", args=["pay"]).removesuffix("pay/")
    running = start_simulator(settings, live_server.url + notify, deliver=True)
    try:
        yield running
    finally:
        running.stop()


def test_a_month_is_accrued_paid_three_ways_and_every_level_shows_its_share(
    simulator: Simulator,
) -> None:
    build_demo(DemoSpec(members=500))
    units = demo_units()
    month = month_of(today())
    period = Period(month, next_month(month))

    charges = _accrue(_as("admin"), units["central"], month)
    assert charges.filter(org_unit=units["primary"]).exists()
    before = {key: _statement(key, units[key], period) for key in UNITS}

    listed, by_card, in_cash = _school_charges(charges, units["primary"])
    payroll_tiyn = _pay_by_payroll_list(units["primary"], listed)
    card_tiyn = _pay_by_card(simulator, by_card)
    cash_tiyn = _pay_in_cash(in_cash)

    # A list is one transfer from the employer: its share is split once.
    weights = _regulation(units["central"])
    expected = _shares([payroll_tiyn, card_tiyn, cash_tiyn], weights)
    assert sum(expected) == payroll_tiyn + card_tiyn + cash_tiyn
    after = {key: _statement(key, units[key], period) for key in UNITS}
    for key, share in zip(UNITS, expected, strict=True):
        assert after[key].own_tiyn - before[key].own_tiyn == share, key
    school_before, school = before["primary"], after["primary"]
    assert [unit.pk for unit, _tiyn in school.above] == [
        units[key].pk for key in UNITS[1:]
    ]
    assert [
        tiyn - earlier
        for (_u, tiyn), (_e, earlier) in zip(
            school.above, school_before.above, strict=True
        )
    ] == expected[1:]
    # Every tiyn collected at the school this month is one of the four shares.
    paid_at_school = _paid_under(units["primary"], period)
    assert school.paid_tiyn == school.ledger_tiyn == paid_at_school
    assert school.own_tiyn + sum(tiyn for _u, tiyn in school.above) == paid_at_school
    assert school.paid_tiyn - school_before.paid_tiyn == sum(expected)

    for key in UNITS:  # the centre's is the whole union's
        found = reconcile(units[key], period.start, period.end)
        assert found.paid_tiyn == found.ledger_tiyn == _paid_under(units[key], period)
        assert found.unbalanced == 0, key


# The steps, as the staff take them.


def _accrue(client: Client, unit: OrgUnit, month: dt.date) -> Any:
    """Accrue `month` under `unit` on its dues page; the month's charges."""
    assert not Charge.objects.filter(month=month).exists()
    response = client.post(
        reverse("dues:org", args=[unit.pk]), {"month": f"{month:%Y-%m}"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    charges = Charge.objects.filter(month=month)
    assert charges.count() > 0
    assert f"{month:%Y-%m} accrued: charges {charges.count()}," in page.content.decode()
    assert page.context["figures"].charges == charges.count()
    return charges


def _school_charges(
    charges: Any, school: OrgUnit
) -> tuple[list[Charge], Charge, Charge]:
    """The school's members owing this month (the small demo has a handful): all
    but two on the list, one paying by card and one in cash."""
    owing = list(
        charges.filter(org_unit=school, amount_tiyn__gt=0)
        .select_related("person")
        .order_by("person_id")
    )
    assert len(owing) >= 4
    for charge in owing:  # paid up before: only this month is owed
        assert _owed(charge.person) == charge.amount_tiyn
    return owing[:-2], owing[-2], owing[-1]


def _pay_by_payroll_list(school: OrgUnit, charges: list[Charge]) -> int:
    """The district's accountant records the employer's list; what it paid."""
    client = _as("accountant.district")
    lines = [
        f"{c.person.iin};{c.month:%Y-%m};{to_tenge(c.amount_tiyn)}" for c in charges
    ]
    upload = SimpleUploadedFile(
        "ведомость.csv",
        ("ИИН;Месяц;Сумма\n" + "\n".join(lines) + "\n").encode(),
        content_type="text/csv",
    )
    response = client.post(
        reverse("dues:payroll-upload", args=[school.pk]), {"file": upload}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    payroll = page.context["payroll"]
    assert isinstance(payroll, PayrollList)
    assert payroll.status == PayrollStatus.IMPORTED
    assert page.context["outcomes"] == {"exact": len(charges)}
    for charge in charges:
        assert _owed(charge.person) == 0
    assert payroll.total_tiyn == sum(c.amount_tiyn for c in charges)
    return payroll.total_tiyn


def _pay_by_card(simulator: Simulator, charge: Charge) -> int:
    """The chair sends the member to the provider's page; paying there tells our
    endpoint (Check, then Pay), which records the payment."""
    person = charge.person
    response = _as("chair.primary").post(
        reverse("dues:card", args=[person.pk]),
        {
            "amount": str(to_tenge(charge.amount_tiyn)),
            "charge_day": "5",
            "language": "en",
        },
    )
    assert response.status_code == 302
    page_url = response["Location"]
    assert page_url.startswith(simulator.url + "/pay/")
    form = urllib.parse.urlencode({"card": PAYS}).encode()
    with urllib.request.urlopen(page_url, data=form, timeout=30) as paid:  # noqa: S310
        assert "Paid" in paid.read().decode()
    assert [(d.kind, d.answer) for d in simulator.deliveries] == [
        ("check", {"code": 0}),
        ("pay", {"code": 0}),
    ]
    payment = Payment.objects.get(person=person, method=PaymentMethod.CARD)
    assert payment.amount_tiyn == charge.amount_tiyn
    assert _owed(person) == 0
    return payment.amount_tiyn


def _pay_in_cash(charge: Charge) -> int:
    """The chair takes the month's dues in cash; the member gets the receipt."""
    person = charge.person
    client = _as("chair.primary")
    response = client.post(
        reverse("dues:cash", args=[person.pk]),
        {
            "amount": str(to_tenge(charge.amount_tiyn)),
            "paid_on": today().isoformat(),
            "month": f"{charge.month:%Y-%m}",
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get(person=person, method=PaymentMethod.CASH)
    assert payment.amount_tiyn == charge.amount_tiyn
    receipt = reverse("dues:receipt", args=[payment.pk])
    detail = client.get(reverse("members:detail", args=[person.pk])).content.decode()
    assert receipt in detail and f"receipt {payment.reference}" in detail
    pdf = client.get(receipt)
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf).startswith(b"%PDF")
    assert _owed(person) == 0
    return payment.amount_tiyn


# What the pages and the ledger say.


def _statement(key: str, unit: OrgUnit, period: Period) -> Collected:
    """The unit's statement for the period as its own staff (READERS[key]) see
    it: reconciled, and showing the unit's own share."""
    client = _as(READERS[key])
    page = client.get(reverse("dues:statement", args=[unit.pk]), period.query)
    assert page.status_code == 200
    collected: Collected = page.context["statement"].collected
    text = page.content.decode()
    assert "Not reconciled" not in text
    assert collected.balances
    with translation.override("en"):
        own = tenge(collected.own_tiyn)
        paid = tenge(collected.paid_tiyn)
    assert f'<td>This organization</td><td class="number">{own}</td>' in text
    assert f"Reconciled: payments {paid} = ledger entries {paid}." in text
    return collected


def _owed(person: Person) -> int:
    """What the member owes in all, on their history of dues."""
    page = _as("chair.primary").get(reverse("dues:member-history", args=[person.pk]))
    assert page.status_code == 200
    return int(page.context["history"].balance_tiyn)


def _regulation(root: OrgUnit) -> list[int]:
    """The weights of the regulation in force today, in the order of LEVELS."""
    rule = DistributionRule.objects.filter(unit=root, valid_from__lte=today()).latest(
        "valid_from"
    )
    return [rule.shares[level] for level in LEVELS]


def _shares(amounts: Iterable[int], weights: list[int]) -> list[int]:
    """Each level's share of these amounts, each split on its own."""
    parts = [split(amount, weights) for amount in amounts]
    return [sum(column) for column in zip(*parts, strict=True)]


def _paid_under(unit: OrgUnit, period: Period) -> int:
    """The members' payments collected at and under `unit` in the period."""
    return int(
        Payment.objects.filter(
            subtree_filter("org_unit__path", unit.path),
            paid_on__gte=period.start,
            paid_on__lt=period.end,
        ).aggregate(total=Sum("amount_tiyn"))["total"]
        or 0
    )


def _as(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username=username))
    return client
