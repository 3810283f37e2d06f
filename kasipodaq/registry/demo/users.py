"""The demo's staff: one login for every role, bound where that role works.

Every demo user has the same, printed password; those whose grants need a second
factor (central and regional ones) share one printed TOTP secret, already set up,
so a newcomer adds it once to an authenticator app and signs in as any of them.
The region is Karaganda's; the district is the city of Karaganda's committee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from kasipodaq.access.models import RoleGrant
from kasipodaq.access.perms import Role
from kasipodaq.access.policy import requires_second_factor
from kasipodaq.accounts.models import User
from kasipodaq.orgtree.models import Level, OrgUnit, Sector

DEMO_PASSWORD = "kasipodaq-demo"  # noqa: S105 - printed for trying the demo locally
# Base32, as authenticator apps take it.
DEMO_TOTP_SECRET = "KASIPODAQDEMOKASIPODAQDEMO234567"  # noqa: S105
DEMO_REGION = "35"
DEMO_DISTRICT = "35-01"
DEMO_OTHER_DISTRICT = "35-02"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    where: str  # "central", "region", "district", "other_district" or "primary"
    first_name: str
    last_name: str


DEMO_USERS = (
    DemoUser("admin", Role.CENTRAL_ADMIN, "central", "Гульмира", "Сейткали"),
    DemoUser("auditor", Role.AUDITOR, "central", "Ерлан", "Касымов"),
    DemoUser("chair.karaganda", Role.CHAIR, "region", "Сауле", "Бекмуханова"),
    DemoUser("accountant.karaganda", Role.ACCOUNTANT, "region", "Наталья", "Ковалева"),
    DemoUser(
        "specialist.karaganda", Role.ORG_SPECIALIST, "region", "Асель", "Нуржанова"
    ),
    DemoUser("lawyer.karaganda", Role.LEGAL_INSPECTOR, "region", "Дархан", "Искаков"),
    DemoUser("safety.karaganda", Role.TECH_INSPECTOR, "region", "Игорь", "Белов"),
    DemoUser(
        "training.karaganda",
        Role.TRAINING_METHODOLOGIST,
        "region",
        "Ляззат",
        "Омарова",
    ),
    DemoUser("info.karaganda", Role.INFO_OFFICER, "region", "Динара", "Смагулова"),
    DemoUser("auditor.karaganda", Role.AUDITOR, "region", "Марат", "Жакупов"),
    DemoUser("chair.district", Role.CHAIR, "district", "Айгуль", "Ахметова"),
    DemoUser(
        "specialist.district", Role.ORG_SPECIALIST, "district", "Елена", "Морозова"
    ),
    DemoUser("accountant.district", Role.ACCOUNTANT, "district", "Жанар", "Тулегенова"),
    DemoUser("chair.other-district", Role.CHAIR, "other_district", "Серик", "Омаров"),
    DemoUser("chair.primary", Role.PRIMARY_CHAIR, "primary", "Салтанат", "Есенова"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str  # the role's label
    organization: str
    totp_secret: str  # empty when no second factor is needed


def demo_units() -> dict[str, OrgUnit]:
    """Where the demo users work, found by code in the built tree."""
    district = OrgUnit.objects.get(code=DEMO_DISTRICT)
    primary = (
        OrgUnit.objects.filter(
            parent=district, level=Level.PRIMARY, employer__sector=Sector.SCHOOL
        )
        .order_by("code")
        .first()
    ) or OrgUnit.objects.filter(parent=district, level=Level.PRIMARY).order_by("code")[
        0
    ]
    return {
        "central": OrgUnit.objects.get(parent=None),
        "region": OrgUnit.objects.get(code=DEMO_REGION),
        "district": district,
        "other_district": OrgUnit.objects.get(code=DEMO_OTHER_DISTRICT),
        "primary": primary,
    }


def create_demo_users(*, confirmed_at: dt.datetime) -> list[Login]:
    """The demo users with their grants, replacing any users of those names."""
    units = demo_units()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: the same for all
    User.objects.filter(username__in=DEMO_USERNAMES).delete()
    users = User.objects.bulk_create(
        [
            User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                password=password_hash,
            )
            for spec in DEMO_USERS
        ]
    )
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(user=user, role=spec.role, unit=units[spec.where])
            for user, spec in zip(users, DEMO_USERS, strict=True)
        ]
    )
    for user in users:
        if requires_second_factor(user):
            user.totp_secret = DEMO_TOTP_SECRET
            user.totp_confirmed_at = confirmed_at
            user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return demo_logins()


def demo_logins() -> list[Login]:
    """The logins of the demo users that exist, in the order of DEMO_USERS."""
    grants = {
        grant.user.username: grant
        for grant in RoleGrant.objects.filter(
            user__username__in=DEMO_USERNAMES
        ).select_related("user", "unit")
    }
    return [
        Login(
            username=spec.username,
            password=DEMO_PASSWORD,
            role=str(Role(spec.role).label),
            organization=grant.unit.name_ru,
            totp_secret=grant.user.totp_secret if grant.user.has_second_factor else "",
        )
        for spec in DEMO_USERS
        if (grant := grants.get(spec.username)) is not None
    ]
