"""Reads for a user: always through the scoping function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    Count,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Replace, Substr
from django.db.models.lookups import Contains
from django.http import Http404

from kasipodaq.access.perms import Perm
from kasipodaq.access.policy import home_unit_ids, subtree_roots
from kasipodaq.access.scoping import scope
from kasipodaq.core.dates import active_on_q, today
from kasipodaq.orgtree.as_of import subtree_as_of
from kasipodaq.orgtree.models import EmployeeCount, OrgUnit
from kasipodaq.orgtree.paths import SEGMENT
from kasipodaq.orgtree.querysets import subtree_filter

from .models import Category, Membership, Person, Sex


def access_unit(user: Any, pk: Any, perm: Perm = Perm.ORG_VIEW) -> OrgUnit:
    """The unit if the user holds `perm` on it; else 404, as if it did not exist."""
    try:
        return (
            scope(OrgUnit.objects.all(), user, perm)
            .select_related("parent", "employer")
            .get(pk=pk)
        )
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_unit_by_code(user: Any, code: str, perm: Perm = Perm.ORG_VIEW) -> OrgUnit:
    unit = scope(OrgUnit.objects.all(), user, perm).filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def access_person(user: Any, pk: Any, perm: Perm = Perm.MEMBER_VIEW) -> Person:
    try:
        return (
            scope(Person.objects.all(), user, perm)
            .select_related("current_membership__org_unit")
            .get(pk=pk)
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_membership(user: Any, pk: Any, perm: Perm = Perm.MEMBER_VIEW) -> Membership:
    try:
        return (
            scope(Membership.objects.all(), user, perm)
            .select_related("person", "org_unit")
            .get(pk=pk)
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_units(user: Any, perm: Perm = Perm.ORG_VIEW) -> QuerySet[OrgUnit]:
    return scope(OrgUnit.objects.all(), user, perm)


def home_units(user: Any) -> list[OrgUnit]:
    """Where the user's work starts: the top nodes of their grants."""
    ids = home_unit_ids(user)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    return [units[i] for i in ids if i in units]


def list_people(user: Any, perm: Perm = Perm.MEMBER_VIEW) -> QuerySet[Person]:
    return scope(Person.objects.all(), user, perm)


class AgeBand:
    """Age bands of the union's reports (youth up to 29 and up to 35)."""

    UP_TO_29 = "29"
    UP_TO_35 = "35"
    OVER_35 = "36+"
    BANDS = (UP_TO_29, UP_TO_35, OVER_35)


def born_after(on: dt.date, years: int) -> dt.date:
    """People born after this day are at most `years` old on `on`.

    The member list's age bands and the reports' youth figures both count by it.
    Before the calendar can go back that far, everyone born is young enough.
    """
    year = on.year - years - 1
    if year < dt.MINYEAR:
        return dt.date.min
    try:
        return on.replace(year=year)
    except ValueError:  # 29 February
        return on.replace(year=year, day=28)


@dataclass(frozen=True)
class MemberFilter:
    text: str = ""
    category: str = ""
    sex: str = ""
    age_band: str = ""
    status: str = "active"  # active, former or all; not asked when `on` is set
    unit: OrgUnit | None = None
    # The members on this date rather than today's: see `list_members`.
    on: dt.date | None = None


def list_members(
    user: Any, flt: MemberFilter, perm: Perm = Perm.MEMBER_VIEW
) -> QuerySet[Person]:
    """The member list as filtered, in scope, with their current membership joined.

    With a date (`flt.on`), the people whose membership was active that day in the
    unit's subtree as it then stood (without a unit, in the user's subtrees as
    they then stood), of the category asked for then and of the age band on that
    day: those the reports' registry figures count on that date. The status
    filter does not apply then. Either way only the people the user may see
    today are listed.

    `perm` is the right the list is for: an export passes Perm.MEMBER_EXPORT.
    """
    people = list_people(user, perm).select_related("current_membership__org_unit")
    if flt.on is not None:
        people = people.filter(
            _person_filter_q(flt, on=flt.on, prefix=""),
            pk__in=_memberships_on(user, flt, flt.on, perm).values("person_id"),
        )
    else:
        people = people.filter(
            _member_filter_q(flt, person="", membership="current_membership__")
        )
        if flt.status == "active":
            people = people.filter(current_membership__left_on__isnull=True)
        elif flt.status == "former":
            people = people.filter(current_membership__left_on__isnull=False)
    return people.order_by("last_name", "first_name", "pk")


def dated_memberships(people: list[Person], on: dt.date) -> dict[int, Membership]:
    """Each person's membership active on `on`, by person id, in one query.

    Pass people obtained through the scoped list: the membership shown is theirs.
    """
    memberships = (
        Membership.objects.active_on(on)
        .filter(person__in=[person.pk for person in people])
        .select_related("org_unit")
    )
    return {membership.person_id: membership for membership in memberships}


def count_members(user: Any, flt: MemberFilter, perm: Perm = Perm.MEMBER_VIEW) -> int:
    """How many rows `list_members` gives, counted the cheapest way.

    Every open membership is its person's current one, so the active members of a
    subtree are counted on memberships alone, without joining a million people.
    """
    if flt.status != "active" or flt.on is not None:
        return list_members(user, flt, perm).count()
    memberships = scope(Membership.objects.current(), user, perm)
    return memberships.filter(
        _member_filter_q(flt, person="person__", membership="")
    ).count()


def _member_filter_q(flt: MemberFilter, *, person: str, membership: str) -> Q:
    """The filter's conditions today, reaching people and memberships by these
    prefixes."""
    q = _person_filter_q(flt, on=today(), prefix=person)
    if flt.unit is not None:
        q &= subtree_filter(f"{membership}org_unit__path", flt.unit.path)
    if flt.category in Category.values:
        q &= Q(**{f"{membership}category": flt.category})
    return q


def _person_filter_q(flt: MemberFilter, *, on: dt.date, prefix: str) -> Q:
    """The conditions on the person: sex, age on `on`, and the text searched."""
    q = Q()
    if flt.sex in Sex.values:
        q &= Q(**{f"{prefix}sex": flt.sex})
    if flt.age_band == AgeBand.UP_TO_29:
        q &= Q(**{f"{prefix}birth_date__gt": born_after(on, 29)})
    elif flt.age_band == AgeBand.UP_TO_35:
        q &= Q(**{f"{prefix}birth_date__gt": born_after(on, 35)})
    elif flt.age_band == AgeBand.OVER_35:
        q &= Q(**{f"{prefix}birth_date__lte": born_after(on, 35)})
    if flt.text.strip():
        q &= _text_q(flt.text.strip(), prefix=prefix)
    return q


def _memberships_on(
    user: Any, flt: MemberFilter, on: dt.date, perm: Perm
) -> QuerySet[Membership]:
    """The memberships active on `on`, of the category asked for, in the unit's
    subtree as it then stood; without a unit, in the subtrees the user's rights
    start from, as they then stood."""
    if flt.unit is not None:
        roots = [flt.unit]
    else:
        roots = list(list_units(user, perm).filter(path__in=subtree_roots(user, perm)))
    if not roots:
        return Membership.objects.none()
    in_roots = reduce(
        or_, (Q(org_unit_id__in=subtree_as_of(root, on)) for root in roots)
    )
    memberships = Membership.objects.active_on(on).filter(in_roots)
    if flt.category in Category.values:
        memberships = memberships.filter(category=flt.category)
    return memberships


def membership_history(person: Person) -> QuerySet[Membership]:
    """Every membership of a person, oldest first, with the units involved.

    Pass a person obtained through `access_person`: whoever may see the person sees
    their whole story, including memberships in units outside their own subtree,
    which the pages and the API show by id only, without their names.
    """
    return (
        Membership.objects.filter(person=person)
        .select_related(
            "org_unit", "transferred_from__org_unit", "transferred_to__org_unit"
        )
        .order_by("joined_on", "pk")
    )


def _phone_digits(prefix: str) -> Func:
    """The person's phone without the separators a phone may be typed with."""
    expression: Any = F(f"{prefix}phone")
    for separator in (" ", "-", "(", ")"):
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def _text_q(text: str, *, prefix: str = "") -> Q:
    """An IIN, a phone number or the start of a name ("Фамилия Имя Отчество")."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) == 12 and digits == text:
        return Q(**{f"{prefix}iin": text})
    if len(digits) >= 7 and not any(c.isalpha() for c in text):
        # Phones are kept as typed ("+7 701 123 45 67"): compare their digits only.
        return Q(Contains(_phone_digits(prefix), digits[-7:]))
    q = Q()
    for field, word in zip(
        ("last_name", "first_name", "patronymic"), text.split(), strict=False
    ):
        q &= _name_starts(f"{prefix}{field}", word)
    return q


def _name_starts(field: str, word: str) -> Q:
    """Names starting with `word`, whatever its case.

    SQLite folds the case of ASCII letters only, so the usual spelling of a
    Cyrillic name ("иванова" → "Иванова") is tried as well.
    """
    q = Q(**{f"{field}__istartswith": word})
    if not word.isascii():
        q |= Q(**{f"{field}__startswith": word.title()})
    return q


@dataclass(frozen=True)
class UnitFigures:
    members: int
    working: int
    employees: int | None
    coverage: float | None  # working members ÷ employees, percent
    # Members under each child of the unit (and in the unit itself), by path.
    members_by_child: dict[str, int]


def compute_unit_figures(unit: OrgUnit, on: dt.date | None = None) -> UnitFigures:
    """Members, working members, employees and coverage of a unit's subtree.

    One grouped query over the subtree's memberships gives the totals and the count
    under each child at once.
    """
    on = on or today()
    rows = list(
        _active_in_subtree(unit, on)
        .annotate(child=Substr("org_unit__path", 1, len(unit.path) + SEGMENT))
        .values("child")
        .annotate(
            members=Count("pk"),
            working=Count("pk", filter=Q(category=Category.WORKING)),
        )
    )
    members = sum(row["members"] for row in rows)
    working = sum(row["working"] for row in rows)
    employees = _employees_in_subtree(unit, on)
    coverage = round(100 * working / employees, 1) if employees else None
    by_child = {row["child"]: row["members"] for row in rows}
    return UnitFigures(members, working, employees, coverage, by_child)


def _active_in_subtree(unit: OrgUnit, on: dt.date) -> QuerySet[Membership]:
    return Membership.objects.in_subtree(unit).active_on(on)


def _employees_in_subtree(unit: OrgUnit, on: dt.date) -> int | None:
    """The sum of the latest count, on or before `on`, of every open workplace below."""
    latest_on = (
        EmployeeCount.objects.filter(unit_id=OuterRef("unit_id"), counted_on__lte=on)
        .order_by("-counted_on")
        .values("counted_on")[:1]
    )
    total = EmployeeCount.objects.filter(
        subtree_filter("unit__path", unit.path),
        active_on_q(on, start="opened_on", end="closed_on", prefix="unit__"),
        counted_on=Subquery(latest_on),
    ).aggregate(total=Sum("employees"))["total"]
    return total


def count_members_by_child(unit: OrgUnit, on: dt.date | None = None) -> dict[str, int]:
    """Active members under each child of `unit`, by child path, in one query."""
    child_len = len(unit.path) + SEGMENT
    rows = (
        _active_in_subtree(unit, on or today())
        .annotate(child=Substr("org_unit__path", 1, child_len))
        .values("child")
        .annotate(n=Count("pk"))
    )
    return {row["child"]: row["n"] for row in rows}
