"""The demo's people and their memberships, in the seed's proportions.

Seed 001: 72% women, students 6.1%, youth up to 29 16.5% and up to 35 24% of the
members, most of the rest working. On top of the members come people whose
membership ended (with their reasons), and members with a past: transfers between
primary organizations, returns after leaving, and those who were in South
Kazakhstan's organization when it left the union.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from kasipodaq.registry.iin import FEMALE, MALE, make_iin
from kasipodaq.registry.models import Category, JoinMethod, LeaveReason

from . import names
from .regions import SOUTH_LEFT_ON
from .tree import Tree, Unit
from .workplaces import POSITIONS

SHARE_WOMEN = 0.72
SHARE_STUDENTS = 0.06
SHARE_PENSIONERS = 0.015
SHARE_NON_WORKING = 0.005
# Among working members: ages 22–29 and 30–35, so that all members together come to
# 16.5% up to 29 and 24% up to 35 (students are all under 24).
WORKING_UP_TO_29 = 0.1125
WORKING_30_TO_35 = 0.0795
# People whose only membership ended, in proportion to the members.
SHARE_FORMER = 0.05
SHARE_SOUTH_FORMER = 0.015
# Members with a past.
SHARE_TRANSFERRED = 0.03
SHARE_RETURNED = 0.01
SHARE_SOUTH_BEFORE = 0.25  # of Turkistan's and Shymkent's members old enough

T = TypeVar("T")

PERSON_FIELDS = (
    "id", "iin", "last_name", "first_name", "patronymic", "birth_date", "sex",
    "phone", "email", "position", "consent_given_on", "consent_text_version",
    "current_membership", "created_at", "updated_at",
)  # fmt: skip
MEMBERSHIP_FIELDS = (
    "id", "person", "org_unit", "joined_on", "left_on", "category", "join_method",
    "leave_reason", "transferred_from", "created_at", "sex", "birth_date",
)  # fmt: skip

# Plain strings, which both database drivers take as they are.
WORKING, STUDENT = Category.WORKING.value, Category.STUDENT.value
PENSIONER, NON_WORKING = Category.PENSIONER.value, Category.NON_WORKING.value
_FORMER = "former"
_SOUTH_FORMER = "south_former"
_LEAVE_REASONS = (
    (LeaveReason.OWN_WISH.value, 35),
    (LeaveReason.DISMISSAL.value, 30),
    (LeaveReason.RETIREMENT.value, 25),
    (LeaveReason.DEATH.value, 5),
    (LeaveReason.EXPELLED.value, 5),
)
_TRANSFER, _LEFT_UNION = LeaveReason.TRANSFER.value, LeaveReason.ORG_LEFT_UNION.value
_OWN_WISH, _DISMISSAL = LeaveReason.OWN_WISH.value, LeaveReason.DISMISSAL.value
_RETIREMENT = LeaveReason.RETIREMENT.value
_IMPORT, _PAPER = JoinMethod.IMPORT.value, JoinMethod.PAPER.value
_ONLINE, _BY_TRANSFER = JoinMethod.ONLINE.value, JoinMethod.TRANSFER.value
_SUCCESSORS = ("61", "79")  # formed after South Kazakhstan's organization left
_EARLIEST = dt.date(1992, 1, 1).toordinal()
_ONLINE_FROM = dt.date(2019, 1, 1).toordinal()
_CONSENT_CAMPAIGN = dt.date(2021, 9, 1).toordinal()
CONSENT_VERSION = "2021-09"
# Records carry the time of day they were made: nine in the morning in Almaty.
_MORNING = dt.time(4, 0, tzinfo=dt.UTC)


@dataclass
class Chunk:
    people: list[tuple[object, ...]]
    memberships: list[tuple[object, ...]]


class PeopleGenerator:
    """Yields people with their memberships, ids handed out from the given starts."""

    def __init__(
        self,
        *,
        rng: random.Random,
        tree: Tree,
        on: dt.date,
        first_person_id: int = 1,
        first_membership_id: int = 1,
    ) -> None:
        self.rng = rng
        self.tree = tree
        self.on = on
        self.next_person = first_person_id
        self.next_membership = first_membership_id
        # Working members with an open membership, per primary organization.
        self.working: Counter[int] = Counter()
        self._iins: set[str] = set()
        self._dates: dict[int, dt.date] = {}
        self._stamps: dict[int, dt.datetime] = {}
        self._last = on.toordinal() - 1
        self._birth_ranges = {age: _birth_range(on, age) for age in range(14, 90)}
        self._by_region: dict[str, list[Unit]] = {}
        for unit in tree.primaries:
            self._by_region.setdefault(unit.region_code, []).append(unit)

    # The plan

    def generate(self, members: int, *, chunk_size: int = 20_000) -> Iterator[Chunk]:
        """`members` people with an open membership, and the former members."""
        rng = self.rng
        primaries = self.tree.primaries
        students = round(members * SHARE_STUDENTS)
        pensioners = round(members * SHARE_PENSIONERS)
        non_working = round(members * SHARE_NON_WORKING)
        working = members - students - pensioners - non_working
        former = round(members * SHARE_FORMER)
        south_former = (
            round(members * SHARE_SOUTH_FORMER) if self.tree.south_primaries else 0
        )
        kinds: list[str] = (
            [WORKING] * working
            + [STUDENT] * students
            + [PENSIONER] * pensioners
            + [NON_WORKING] * non_working
            + [_FORMER] * former
            + [_SOUTH_FORMER] * south_former
        )
        rng.shuffle(kinds)

        staff_weights = _region_balanced(primaries)
        staffed = working + pensioners + non_working
        every = list(range(len(primaries)))[:staffed]
        staff_slots = every + rng.choices(
            range(len(primaries)), staff_weights, k=staffed - len(every)
        )
        rng.shuffle(staff_slots)
        colleges = [u for u in primaries if u.students > 0] or primaries
        student_units = rng.choices(
            colleges, [u.students or 1.0 for u in colleges], k=students
        )
        former_units = rng.choices(primaries, staff_weights, k=former)
        south_units = [
            rng.choice(self.tree.south_primaries) for _ in range(south_former)
        ]
        staff_iter = iter(staff_slots)
        student_iter, former_iter = iter(student_units), iter(former_units)
        south_iter = iter(south_units)

        chunk = Chunk([], [])
        for kind in kinds:
            if kind == STUDENT:
                self._student(chunk, next(student_iter))
            elif kind == _FORMER:
                self._former(chunk, next(former_iter))
            elif kind == _SOUTH_FORMER:
                self._south_former(chunk, next(south_iter))
            else:
                self._staff(chunk, primaries[next(staff_iter)], kind)
            if len(chunk.people) >= chunk_size:
                yield chunk
                chunk = Chunk([], [])
        if chunk.people:
            yield chunk

    # Kinds of people

    def _staff(self, chunk: Chunk, unit: Unit, category: str) -> None:
        rng = self.rng
        if category == PENSIONER:
            age = self._between(63, 74)
        elif category == NON_WORKING:
            age = self._between(24, 38)
        else:
            age = self._working_age()
        birth = self._birth(age)
        adult = birth + 21 * 365
        opened = unit.opened_on.toordinal()
        lowest = max(opened, adult, _EARLIEST)
        last = self._last
        history: list[tuple[Unit, int, int, str]] = []  # unit, joined, left, reason
        # Pensioners joined while they worked, where their workplace allows.
        latest = min(last, birth + 60 * 365) if category == PENSIONER else last
        if lowest > latest:
            latest = last
        joined = self._between(min(lowest, latest), latest)
        transferred = False
        draw = rng.random()
        south_left = SOUTH_LEFT_ON.toordinal()
        if (
            unit.region_code in _SUCCESSORS
            and self.tree.south_primaries
            and adult < south_left - 365
            and rng.random() < SHARE_SOUTH_BEFORE
        ):
            before = self._pick(self.tree.south_primaries)
            base = max(before.opened_on.toordinal(), adult)
            if base < south_left - 30:
                started = self._between(base, south_left - 30)
                history.append((before, started, south_left, _LEFT_UNION))
        elif category == WORKING and draw < SHARE_TRANSFERRED:
            before = self._pick(self._by_region[unit.region_code])
            base = max(before.opened_on.toordinal(), adult)
            moved_lowest = max(opened, base + 180)
            if before is not unit and moved_lowest <= last:
                joined = self._between(moved_lowest, last)
                started = self._between(base, joined - 90)
                history.append((before, started, joined, _TRANSFER))
                transferred = True
        elif category == WORKING and draw < SHARE_TRANSFERRED + SHARE_RETURNED:
            before = (
                unit
                if rng.random() < 0.5
                else self._pick(self._by_region[unit.region_code])
            )
            base = max(before.opened_on.toordinal(), adult)
            back_lowest = max(opened, base + 400)
            if back_lowest <= last:
                joined = self._between(back_lowest, last)
                left = self._between(base + 200, joined - 60)
                started = self._between(base, left - 100)
                reason = self._pick((_OWN_WISH, _DISMISSAL))
                history.append((before, started, left, reason))
        if category == WORKING:
            self.working[unit.id] += 1
        self._emit(
            chunk,
            unit=unit,
            birth=birth,
            category=category,
            history=history,
            joined=joined,
            transferred=transferred,
        )

    def _student(self, chunk: Chunk, unit: Unit) -> None:
        birth = self._birth(self._between(17, 23))
        lowest = max(unit.opened_on.toordinal(), birth + 16 * 365, self._last - 4 * 365)
        joined = self._between(min(lowest, self._last), self._last)
        self._emit(chunk, unit=unit, birth=birth, category=STUDENT, joined=joined)

    def _former(self, chunk: Chunk, unit: Unit) -> None:
        rng = self.rng
        reason = rng.choices(
            [r for r, _w in _LEAVE_REASONS], [w for _r, w in _LEAVE_REASONS]
        )[0]
        age = (
            self._between(60, 75)
            if reason == _RETIREMENT
            else self._working_age() + self._between(0, 5)
        )
        birth = self._birth(age)
        base = max(unit.opened_on.toordinal(), birth + 21 * 365, _EARLIEST)
        left = self._between(min(base + 90, self._last), self._last)
        started = self._between(min(base, left - 30), left - 30)
        self._emit(
            chunk,
            unit=unit,
            birth=birth,
            category=WORKING,
            history=[(unit, started, left, reason)],
        )

    def _south_former(self, chunk: Chunk, unit: Unit) -> None:
        birth = self._birth(self._between(30, 70))
        left = SOUTH_LEFT_ON.toordinal()
        base = max(unit.opened_on.toordinal(), birth + 21 * 365, _EARLIEST)
        started = self._between(min(base, left - 30), left - 30)
        self._emit(
            chunk,
            unit=unit,
            birth=birth,
            category=WORKING,
            history=[(unit, started, left, _LEFT_UNION)],
        )

    # Rows

    def _emit(
        self,
        chunk: Chunk,
        *,
        unit: Unit,
        birth: int,
        category: str,
        history: list[tuple[Unit, int, int, str]] | None = None,
        joined: int | None = None,
        transferred: bool = False,
    ) -> None:
        """One person with their ended memberships, then the open one if any."""
        rng = self.rng
        date, stamp = self._date, self._stamp
        person_id = self.next_person
        self.next_person += 1
        previous_id = None
        first_joined = None
        first_row = len(chunk.memberships)
        for past_unit, started, left, reason in history or ():
            membership_id = self.next_membership
            self.next_membership += 1
            chunk.memberships.append(
                (
                    membership_id,
                    person_id,
                    past_unit.id,
                    date(started),
                    date(left),
                    WORKING,
                    self._join_method(started),
                    reason,
                    None,
                    stamp(started),
                )
            )
            previous_id = membership_id
            first_joined = first_joined or started
        last_change = history[-1][2] if history else 0
        if joined is not None:
            membership_id = self.next_membership
            self.next_membership += 1
            chunk.memberships.append(
                (
                    membership_id,
                    person_id,
                    unit.id,
                    date(joined),
                    None,
                    category,
                    _BY_TRANSFER if transferred else self._join_method(joined),
                    "",
                    previous_id if transferred else None,
                    stamp(joined),
                )
            )
            first_joined = first_joined or joined
            last_change = max(last_change, joined)
        assert first_joined is not None
        current_id = self.next_membership - 1

        sex = FEMALE if rng.random() < SHARE_WOMEN else MALE
        region = unit.region
        russian = region is not None and rng.random() < region.russian
        last_name, first_name, patronymic = self._name(sex, russian=russian)
        birth_date = date(birth)
        iin = self._iin(birth_date, sex)
        # The memberships carry the holder's sex and birth date (drawn after
        # them, so that the demo stays the same from one run to the next).
        chunk.memberships[first_row:] = [
            (*row, sex, birth_date) for row in chunk.memberships[first_row:]
        ]
        phone = (
            f"+7{self._pick(names.MOBILE_CODES)}{int(rng.random() * 10_000_000):07d}"
            if rng.random() < 0.93
            else ""
        )
        email = (
            f"{names.latin(first_name)}.{names.latin(last_name)}"
            f"{10 + int(rng.random() * 89)}@{self._pick(names.MAIL_DOMAINS)}"
            if rng.random() < 0.25
            else ""
        )
        position = self._pick(POSITIONS[unit.sector]) if category == WORKING else ""
        if joined is not None or last_change > _CONSENT_CAMPAIGN:
            consent = max(last_change, _CONSENT_CAMPAIGN + int(rng.random() * 180))
            consent_on, version = date(min(consent, self._last)), CONSENT_VERSION
        else:
            consent_on, version = None, ""
        chunk.people.append(
            (
                person_id,
                iin,
                last_name,
                first_name,
                patronymic,
                birth_date,
                sex,
                phone,
                email,
                position,
                consent_on,
                version,
                current_id,
                stamp(first_joined),
                stamp(last_change),
            )
        )

    def _name(self, sex: str, *, russian: bool) -> tuple[str, str, str]:
        """Last name, first name and patronymic as a staff record writes them."""
        woman = sex == FEMALE
        if russian:
            surname = self._pick(names.RUSSIAN_SURNAMES)
            first = self._pick(names.RUSSIAN_WOMEN if woman else names.RUSSIAN_MEN)
            father = self._pick(names.RUSSIAN_FATHERS)
            patronymic = father[2] if woman else father[1]
        else:
            surname = self._pick(names.KAZAKH_SURNAMES)
            first = self._pick(names.KAZAKH_WOMEN if woman else names.KAZAKH_MEN)
            draw = self.rng.random()
            if draw < 0.85:
                father = self._pick(names.KAZAKH_FATHERS)
                patronymic = father[2] if woman else father[1]
            elif draw < 0.95:
                patronymic = self._pick(names.KAZAKH_FATHERS_NEW) + (
                    "қызы" if woman else "ұлы"
                )
            else:
                patronymic = ""
        return (
            (names.feminine_surname(surname) if woman else surname),
            first,
            patronymic,
        )

    def _join_method(self, joined: int) -> str:
        draw = self.rng.random()
        if joined < _ONLINE_FROM:
            return _IMPORT if draw < 0.7 else _PAPER
        return _ONLINE if draw < 0.25 else _PAPER

    def _working_age(self) -> int:
        rng = self.rng
        draw = rng.random()
        if draw < WORKING_UP_TO_29:
            return self._between(22, 29)
        if draw < WORKING_UP_TO_29 + WORKING_30_TO_35:
            return self._between(30, 35)
        return min(62, int(rng.triangular(36, 63, 47)))

    def _between(self, first: int, last: int) -> int:
        """A whole number in [first, last]: randint's distribution, faster."""
        return first + int(self.rng.random() * (last - first + 1))

    def _pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def _birth(self, age: int) -> int:
        """The ordinal of a birth date that makes someone `age` years old today."""
        first, last = self._birth_ranges[age]
        return self._between(first, last)

    def _iin(self, birth_date: dt.date, sex: str) -> str:
        rng, used = self.rng, self._iins
        while True:
            iin = make_iin(birth_date, sex, int(rng.random() * 10_000))
            if iin is not None and iin not in used:
                used.add(iin)
                return iin

    def _date(self, ordinal: int) -> dt.date:
        value = self._dates.get(ordinal)
        if value is None:
            value = self._dates[ordinal] = dt.date.fromordinal(ordinal)
        return value

    def _stamp(self, ordinal: int) -> dt.datetime:
        value = self._stamps.get(ordinal)
        if value is None:
            value = dt.datetime.combine(self._date(ordinal), _MORNING)
            self._stamps[ordinal] = value
        return value


def _birth_range(on: dt.date, age: int) -> tuple[int, int]:
    """Ordinals of the first and last birth dates of people `age` years old on `on`."""

    def years_before(years: int) -> dt.date:
        try:
            return on.replace(year=on.year - years)
        except ValueError:  # 29 February
            return on.replace(year=on.year - years, day=28)

    return (
        years_before(age + 1).toordinal() + 1,
        years_before(age).toordinal(),
    )


def _region_balanced(primaries: list[Unit]) -> list[float]:
    """Weights that give each region its share of members, by workplace size."""
    totals: dict[str, float] = {}
    for unit in primaries:
        totals.setdefault(unit.region_code, 0.0)
        totals[unit.region_code] += unit.size
    return [
        unit.size
        * (unit.region.weight if unit.region else 0)
        / totals[unit.region_code]
        for unit in primaries
    ]
