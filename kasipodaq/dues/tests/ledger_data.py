"""Money for the tests of transfers, statements, collection and exports: a
regulation in force and payments recorded through the real service."""

from __future__ import annotations

import datetime as dt
import itertools

from kasipodaq.dues.models import DistributionRule, Payment, PaymentMethod
from kasipodaq.dues.services.payments import record_payment
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree

_references = itertools.count(1)


def regulation(
    tree: Tree, shares: tuple[int, int, int, int] = (6000, 1500, 1500, 1000)
) -> None:
    """Primary, district, region and centre shares in hundredths of a percent."""
    DistributionRule.objects.create(
        unit=tree.central,
        valid_from=dt.date(2020, 1, 1),
        primary_bp=shares[0],
        district_bp=shares[1],
        region_bp=shares[2],
        central_bp=shares[3],
    )


def pay(person: Person, tiyn: int, paid_on: dt.date, **extra: object) -> Payment:
    return record_payment(
        actor=None,
        person=person,
        amount_tiyn=tiyn,
        method=extra.pop("method", PaymentMethod.CASH),  # type: ignore[arg-type]
        reference=f"T-{next(_references)}",
        paid_on=paid_on,
        **extra,  # type: ignore[arg-type]
    )
