"""The demo union: deterministic, valid, shaped like the seeds, a login per role."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.http import Http404

from kasipodaq.access.perms import ROLE_LEVELS, Perm, Role
from kasipodaq.access.policy import has_perm, requires_second_factor
from kasipodaq.accounts.models import User
from kasipodaq.orgtree.as_of import subtree_ids_as_of
from kasipodaq.orgtree.bin import validate_bin
from kasipodaq.orgtree.models import (
    Employer,
    EventKind,
    Level,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
    UnitStatus,
)
from kasipodaq.orgtree.paths import child_path
from kasipodaq.registry.demo import regions
from kasipodaq.registry.demo.builder import (
    REFERENCE_DATE,
    DemoRefused,
    DemoResult,
    DemoSpec,
    build_demo,
)
from kasipodaq.registry.demo.users import DEMO_PASSWORD, DEMO_TOTP_SECRET
from kasipodaq.registry.iin import parse_iin
from kasipodaq.registry.models import Category, LeaveReason, Membership, Person
from kasipodaq.registry.selectors import (
    MemberFilter,
    access_person,
    compute_unit_figures,
    list_members,
)

pytestmark = pytest.mark.django_db

MEMBERS = 2000


def build(seed: int = 7, *, reset: bool = False) -> DemoResult:
    return build_demo(DemoSpec(members=MEMBERS, seed=seed), reset=reset)


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    return {
        "people": list(
            Person.objects.order_by("pk").values_list(
                "pk",
                "iin",
                "last_name",
                "first_name",
                "patronymic",
                "phone",
                "email",
                "position",
                "current_membership_id",
                "created_at",
            )
        ),
        "memberships": list(
            Membership.objects.order_by("pk").values_list(
                "pk",
                "person_id",
                "org_unit_id",
                "joined_on",
                "left_on",
                "category",
                "join_method",
                "leave_reason",
                "transferred_from_id",
            )
        ),
        "units": list(
            OrgUnit.objects.order_by("pk").values_list(
                "pk", "code", "path", "name_ru", "name_kk", "opened_on", "status"
            )
        ),
        "employers": list(Employer.objects.order_by("pk").values_list()),
        "events": list(
            OrgEvent.objects.order_by("pk").values_list(
                "unit_id", "kind", "effective_on", "recorded_at", "note"
            )
        ),
    }


def active_people():
    return Person.objects.filter(current_membership__left_on__isnull=True)


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_the_same_seed_builds_the_same_union_and_another_seed_another():
    """Byte-identical rows for one seed; a different seed changes people and places."""
    build(seed=7)
    first = snapshot()
    build(seed=7, reset=True)
    assert snapshot() == first
    build(seed=8, reset=True)
    other = snapshot()
    assert {row[1] for row in other["people"]} != {row[1] for row in first["people"]}
    assert [row[3] for row in other["units"]] != [row[3] for row in first["units"]]


def test_every_iin_and_bin_is_valid_and_unique():
    """IINs pass the check digit and agree with the birth date and sex kept."""
    build()
    people = list(Person.objects.values_list("iin", "birth_date", "sex"))
    assert len(people) > MEMBERS
    for iin, birth_date, sex in people:
        facts = parse_iin(iin)
        assert (facts.birth_date, facts.sex) == (birth_date, sex)
    bins = list(Employer.objects.values_list("bin", flat=True))
    for value in bins:
        validate_bin(value)
    assert len(set(bins)) == len(bins)
    assert not OrgUnit.objects.filter(level=Level.PRIMARY, employer=None).exists()


def test_the_members_come_in_the_seeds_proportions():
    """72% women, 6% students, 16.5% up to 29 and 24% up to 35, a few pensioners."""
    build()
    members = active_people()
    total = members.count()
    assert total == MEMBERS

    def share(q: Q) -> float:
        return members.filter(q).count() / total

    def born_after(years: int) -> dt.date:
        return REFERENCE_DATE.replace(year=REFERENCE_DATE.year - years - 1)

    assert share(Q(sex="F")) == pytest.approx(0.72, abs=0.03)
    assert share(Q(current_membership__category=Category.STUDENT)) == pytest.approx(
        0.06, abs=0.005
    )
    assert share(Q(birth_date__gt=born_after(29))) == pytest.approx(0.165, abs=0.025)
    assert share(Q(birth_date__gt=born_after(35))) == pytest.approx(0.24, abs=0.03)
    pensioners = share(Q(current_membership__category=Category.PENSIONER))
    assert 0 < pensioners < 0.03
    assert share(Q(current_membership__category=Category.WORKING)) > 0.9


def test_memberships_keep_the_registrys_rules():
    """One open membership each, only in primary organizations open then."""
    build()
    assert not (
        Membership.objects.filter(left_on__isnull=True)
        .values("person")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    assert not Membership.objects.exclude(org_unit__level=Level.PRIMARY).exists()
    assert not Membership.objects.filter(
        joined_on__lt=F("org_unit__opened_on")
    ).exists()
    assert not Membership.objects.filter(left_on__lte=F("joined_on")).exists()
    assert not Membership.objects.filter(
        Q(org_unit__closed_on__isnull=False),
        Q(left_on__isnull=True) | Q(left_on__gt=F("org_unit__closed_on")),
    ).exists()
    assert not Membership.objects.filter(joined_on__gte=REFERENCE_DATE).exists()
    transfers = Membership.objects.filter(transferred_from__isnull=False)
    assert transfers.exists()
    for new in transfers.select_related("transferred_from"):
        old = new.transferred_from
        assert old is not None
        assert old.person_id == new.person_id
        assert (old.left_on, old.leave_reason) == (new.joined_on, LeaveReason.TRANSFER)


def test_a_persons_current_membership_is_their_latest():
    build()
    latest: dict[int, tuple[dt.date, int]] = {}
    for person_id, joined_on, pk in Membership.objects.values_list(
        "person_id", "joined_on", "pk"
    ):
        latest[person_id] = max(latest.get(person_id, (joined_on, pk)), (joined_on, pk))
    current = dict(Person.objects.values_list("pk", "current_membership_id"))
    assert current == {person_id: pk for person_id, (_on, pk) in latest.items()}


def test_paths_and_placements_follow_the_parents():
    """Each path extends the parent's; the open placement names today's parent."""
    build()
    units = {u.pk: u for u in OrgUnit.objects.all()}
    for unit in units.values():
        parent_path = units[unit.parent_id].path if unit.parent_id else ""
        assert unit.path == child_path(parent_path, unit.pk)
    open_placements = dict(
        OrgPlacement.objects.filter(valid_to__isnull=True).values_list(
            "unit_id", "parent_id"
        )
    )
    active = {pk: u for pk, u in units.items() if u.status == UnitStatus.ACTIVE}
    assert open_placements == {pk: u.parent_id for pk, u in active.items()}
    created = OrgEvent.objects.filter(kind=EventKind.CREATED)
    assert sorted(created.values_list("unit_id", flat=True)) == sorted(units)


def test_the_tree_is_shaped_like_the_union():
    """20 regional organizations with KATO codes, districts, about a primary per 60."""
    result = build()
    open_regions = OrgUnit.objects.filter(level=Level.REGION, status=UnitStatus.ACTIVE)
    assert sorted(open_regions.values_list("region_code", flat=True)) == sorted(
        r.code for r in regions.REGIONS
    )
    assert open_regions.get(code="35").name_kk == "Қарағанды облыстық кәсіподақ ұйымы"
    for region in open_regions:
        assert region.children.filter(level=Level.DISTRICT).count() >= 2
    primaries = OrgUnit.objects.filter(level=Level.PRIMARY, status=UnitStatus.ACTIVE)
    assert primaries.count() == result.primaries
    assert OrgUnit.objects.filter(level=Level.GROUP).exists()
    assert primaries.filter(name_ru__startswith="КГУ «").exists()


def test_the_history_of_the_seeds_is_there():
    """A region that left the union, a merge of two city organizations, 2022's moves."""
    build()
    south = OrgUnit.objects.get(code=regions.SOUTH.code)
    assert (south.status, south.closed_on) == (UnitStatus.LEFT, regions.SOUTH_LEFT_ON)
    left = Membership.objects.in_subtree(south)
    assert left.exists()
    assert set(left.values_list("leave_reason", flat=True)) == {
        LeaveReason.ORG_LEFT_UNION
    }
    ustaz = OrgUnit.objects.get(code=regions.USTAZ_CODE)
    almaty = OrgUnit.objects.get(code="75")
    assert (ustaz.status, ustaz.merged_into) == (UnitStatus.MERGED, almaty)
    assert OrgEvent.objects.filter(unit=ustaz, kind=EventKind.MERGED).exists()
    moved = OrgUnit.objects.filter(code__startswith=regions.USTAZ_CODE + "-")
    assert moved.exists()
    assert set(moved.values_list("parent", flat=True)) == {almaty.pk}
    # Before 2022 Abai's district committees stood under East Kazakhstan.
    east, abai = OrgUnit.objects.get(code="63"), OrgUnit.objects.get(code="10")
    before = set(subtree_ids_as_of(east, dt.date(2021, 1, 1)))
    assert set(abai.children.values_list("pk", flat=True)) <= before
    assert not set(abai.children.values_list("pk", flat=True)) & set(
        subtree_ids_as_of(east, REFERENCE_DATE)
    )
    reasons = set(
        Membership.objects.exclude(leave_reason="").values_list(
            "leave_reason", flat=True
        )
    )
    assert {LeaveReason.OWN_WISH, LeaveReason.RETIREMENT, LeaveReason.TRANSFER} <= (
        reasons
    )


def test_coverage_is_between_80_and_95_percent():
    """Working members ÷ employees, per region and per sizeable workplace."""
    build()
    for region in OrgUnit.objects.filter(level=Level.REGION, status="active"):
        figures = compute_unit_figures(region, REFERENCE_DATE)
        assert figures.coverage is not None
        assert 80 <= figures.coverage <= 95, region.code
    for primary in OrgUnit.objects.filter(level=Level.PRIMARY, status="active")[:200]:
        figures = compute_unit_figures(primary, REFERENCE_DATE)
        if figures.working >= 4:
            assert figures.coverage is not None
            assert 80 <= figures.coverage <= 95, primary.code


def test_there_is_a_login_for_every_role_bound_where_it_may_be():
    """Each role has a demo user, with a second factor where the policy wants one."""
    result = build()
    users = User.objects.filter(
        username__in=[login.username for login in result.logins]
    )
    roles = set(users.values_list("grants__role", flat=True))
    assert roles == set(Role.values)
    for demo_user in users.prefetch_related("grants__unit"):
        assert demo_user.check_password(DEMO_PASSWORD)
        for role_grant in demo_user.grants.all():
            assert role_grant.unit.level in ROLE_LEVELS[role_grant.role]
        if requires_second_factor(demo_user):
            assert demo_user.totp_secret == DEMO_TOTP_SECRET
            assert demo_user.has_second_factor
        else:
            assert not demo_user.totp_secret
    by_name = {login.username: login for login in result.logins}
    assert by_name["accountant.karaganda"].totp_secret == DEMO_TOTP_SECRET
    assert by_name["chair.district"].totp_secret == ""
    assert {"admin", "chair.primary"} <= set(by_name)


def test_the_district_chair_sees_their_district_only():
    """The scope of the district chair is exactly the members of their district."""
    build()
    chair = user("chair.district")
    district = chair.grants.get().unit
    seen = list_members(chair, MemberFilter(status="all"))
    in_district = Person.objects.in_subtree(district)
    assert seen.count() == in_district.count() > 0
    assert set(seen.values_list("pk", flat=True)) == set(
        in_district.values_list("pk", flat=True)
    )
    other = user("chair.other-district").grants.get().unit
    stranger = Person.objects.in_subtree(other).first()
    assert stranger is not None
    with pytest.raises(Http404):
        access_person(chair, stranger.pk)
    assert not has_perm(chair, Perm.MEMBER_VIEW, unit=other)
    primary_chair = user("chair.primary")
    assert list_members(primary_chair, MemberFilter()).count() < seen.count()


def test_the_command_refuses_to_build_over_a_union():
    """Without --reset an existing union stays; --if-empty lists the logins instead."""
    out = StringIO()
    call_command("demo", "--members", "600", "--seed", "3", stdout=out)
    assert "accountant.karaganda" in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()
    people = Person.objects.count()
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--members", "600", stdout=StringIO())
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "chair.primary" in out.getvalue()
    assert Person.objects.count() == people
    call_command("demo", "--members", "700", "--reset", stdout=StringIO())
    assert active_people().count() == 700


def test_the_builder_refuses_over_existing_data_without_reset(tree):
    """Organizations made by hand are never overwritten silently."""
    with pytest.raises(DemoRefused):
        build()
    assert OrgUnit.objects.count() == 15


def test_a_reset_wipes_hand_made_data_and_grants(tree):
    tree.admit(tree.primaries[0])
    build(reset=True)
    assert not OrgUnit.objects.filter(name_ru="ЦК").exists()
    assert not tree.admin.grants.exists()
    assert active_people().count() == MEMBERS


def test_the_command_refuses_a_tiny_union():
    with pytest.raises(CommandError):
        call_command("demo", "--members", "10", stdout=StringIO())
