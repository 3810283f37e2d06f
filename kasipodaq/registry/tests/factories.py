"""Test data made through the real services, so tests see what users would."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import factory

from kasipodaq.access.models import RoleGrant
from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.orgtree import changes
from kasipodaq.orgtree.models import Employer, Level, OrgUnit, Sector
from kasipodaq.registry.iin import FEMALE, MALE, make_iin
from kasipodaq.registry.models import Category, Membership
from kasipodaq.registry.services.admission import admit_member
from kasipodaq.registry.services.people import PersonDetails

PASSWORD = "correct horse battery"
FOUNDED = dt.date(2000, 1, 1)
_serials = itertools.count(1)
_codes = itertools.count(1)
_bins = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


def valid_iin(birth_date: dt.date = dt.date(1985, 5, 17), sex: str = FEMALE) -> str:
    """A fresh, valid IIN with these facts."""
    while True:
        iin = make_iin(birth_date, sex, next(_serials) % 10000)
        if iin is not None:
            return iin


def person_details(
    *,
    birth_date: dt.date | None = dt.date(1985, 5, 17),
    sex: str = FEMALE,
    last_name: str = "Ахметова",
    first_name: str = "Айгуль",
    **extra: Any,
) -> PersonDetails:
    """Details whose IIN encodes `birth_date` and `sex` unless an `iin` is given."""
    return PersonDetails(
        iin=extra.pop("iin", None)
        or valid_iin(birth_date or dt.date(1985, 5, 17), sex or FEMALE),
        last_name=last_name,
        first_name=first_name,
        birth_date=birth_date,
        sex=sex,
        **extra,
    )


def valid_bin() -> str:
    from kasipodaq.core.checksum import check_digit

    while True:
        # Five digits of serial: the suite makes more than 10,000 employers.
        first = f"050940{next(_bins) % 100_000:05d}"
        digit = check_digit(first)
        if digit is not None:
            return f"{first}{digit}"


def make_unit(
    parent: OrgUnit | None,
    level: str,
    *,
    name: str | None = None,
    opened_on: dt.date = FOUNDED,
    employees: int | None = None,
    sector: str = Sector.SCHOOL,
) -> OrgUnit:
    code = f"U{next(_codes):05d}"
    employer = None
    if level == Level.PRIMARY:
        employer = Employer.objects.create(
            bin=valid_bin(),
            name_ru=f"Школа {code}",
            name_kk=f"Мектеп {code}",
            sector=sector,
        )
    return changes.open_unit(
        parent=parent,
        level=level,
        code=code,
        name_ru=name or f"Организация {code}",
        name_kk=name or f"Ұйым {code}",
        employer=employer,
        region_code="75" if parent is None else "",
        opened_on=opened_on,
        employees=employees,
    )


def grant(role: str, unit: OrgUnit, *, user: User | None = None) -> User:
    """A user (new unless given) holding `role` on `unit`."""
    holder: User = user or UserFactory.create()
    RoleGrant.objects.create(user=holder, role=role, unit=unit)
    return holder


@dataclass
class Tree:
    """Central → two regions → two districts each → two primaries each."""

    central: OrgUnit
    regions: list[OrgUnit] = field(default_factory=list)
    districts: list[OrgUnit] = field(default_factory=list)
    primaries: list[OrgUnit] = field(default_factory=list)
    admin: User | None = None

    def admit(
        self,
        unit: OrgUnit,
        *,
        joined_on: dt.date = dt.date(2020, 9, 1),
        category: str = Category.WORKING,
        **details: Any,
    ) -> Membership:
        return admit_member(
            actor=self.admin,
            unit=unit,
            details=person_details(**details),
            joined_on=joined_on,
            category=category,
        )


def build_tree() -> Tree:
    central = make_unit(None, Level.CENTRAL, name="ЦК")
    tree = Tree(central=central)
    for r in range(2):
        region = make_unit(central, Level.REGION, name=f"Область {r}")
        tree.regions.append(region)
        for d in range(2):
            district = make_unit(region, Level.DISTRICT, name=f"Район {r}{d}")
            tree.districts.append(district)
            for p in range(2):
                tree.primaries.append(
                    make_unit(
                        district, Level.PRIMARY, name=f"Школа {r}{d}{p}", employees=50
                    )
                )
    tree.admin = grant(Role.CENTRAL_ADMIN, central)
    return tree


__all__ = ["FEMALE", "MALE", "PASSWORD", "Tree", "build_tree", "grant", "make_unit"]
