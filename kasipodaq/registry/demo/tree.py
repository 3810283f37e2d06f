"""The demo union's tree, planned in memory with its ids, paths and history.

Ids are handed out here, so paths (each ancestor's id as eight digits) are known
before anything is written. The history follows the seeds: the three regions of
2022 took over district committees of older ones, South Kazakhstan's organization
left the union in 2018 (Turkistan's and Shymkent's were formed anew), and Almaty's
second city organization merged into the first in 2021.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from kasipodaq.core.checksum import check_digit
from kasipodaq.orgtree.models import EventKind, Level, Sector, UnitStatus
from kasipodaq.orgtree.paths import child_path

from . import regions as geo
from . import workplaces as wp
from .regions import Locality, Region


@dataclass(slots=True)
class Employer:
    id: int
    bin: str
    name_ru: str
    name_kk: str
    sector: str


@dataclass(slots=True)
class Placement:
    parent_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None = None


@dataclass(slots=True)
class Event:
    kind: str
    effective_on: dt.date
    parent_before_id: int | None = None
    parent_after_id: int | None = None
    other_unit_id: int | None = None
    note: str = ""


@dataclass(slots=True, eq=False)
class Unit:
    id: int
    code: str
    level: str
    parent: Unit | None
    name_ru: str
    name_kk: str
    opened_on: dt.date
    region: Region | None = None
    region_code: str = ""
    address: str = ""
    status: str = UnitStatus.ACTIVE
    closed_on: dt.date | None = None
    merged_into: Unit | None = None
    employer: Employer | None = None
    sector: str = ""
    # Relative numbers of staff and of students, for spreading members (primaries).
    size: float = 0.0
    students: float = 0.0
    path: str = ""
    placements: list[Placement] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def is_active(self) -> bool:
        return self.status == UnitStatus.ACTIVE


@dataclass
class Tree:
    units: list[Unit]
    employers: list[Employer]
    central: Unit
    regions: list[Unit]  # in the order of geo.REGIONS
    primaries: list[Unit]  # the open ones, where today's members are
    south_primaries: list[Unit]  # closed when South Kazakhstan left the union

    def region(self, code: str) -> Unit:
        return next(r for r in self.regions if r.region_code == code)


# How the sector's workplaces are spread, in towns and in the countryside.
_URBAN = {
    Sector.SCHOOL: 66, Sector.PRESCHOOL: 10, Sector.COLLEGE: 12,
    Sector.UNIVERSITY: 5, Sector.SCIENCE: 2, Sector.OTHER: 5,
}  # fmt: skip
_RURAL = {Sector.SCHOOL: 84, Sector.PRESCHOOL: 9, Sector.COLLEGE: 3, Sector.OTHER: 4}
# Median staff of a workplace, by sector (schools in town and country differ).
_STAFF: dict[str, int] = {
    Sector.PRESCHOOL: 22, Sector.COLLEGE: 85, Sector.UNIVERSITY: 550,
    Sector.SCIENCE: 60, Sector.OTHER: 18,
}  # fmt: skip
# Regions whose first primary organization in the centre is a university, so that
# even a small demo has universities with union groups.
_UNIVERSITY_FIRST = ("71", "75", "35")


def _date_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return first
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


class _Planner:
    def __init__(self, rng: random.Random, on: dt.date) -> None:
        self.rng = rng
        self.on = on
        self.units: list[Unit] = []
        self.employers: list[Employer] = []
        self._bins: set[str] = set()
        # Per district: the next primary's code, the next school number and the
        # names already given.
        self._codes: dict[int, int] = {}
        self._numbers: dict[tuple[int, str], int] = {}
        self._used: dict[int, set[str]] = {}
        self._universities: dict[str, list[tuple[str, str]]] = {
            code: list(names) for code, names in wp.UNIVERSITIES.items()
        }
        self._institutes = list(wp.INSTITUTES)

    # Units and history

    def unit(
        self,
        parent: Unit | None,
        level: str,
        code: str,
        name_ru: str,
        name_kk: str,
        opened_on: dt.date,
        *,
        region: Region | None = None,
        address: str = "",
        employer: Employer | None = None,
        sector: str = "",
    ) -> Unit:
        if region is None and parent is not None:
            region = parent.region
        unit = Unit(
            len(self.units) + 1,
            code,
            level,
            parent,
            name_ru,
            name_kk,
            opened_on,
            region=region,
            region_code=region.code if region else "",
            address=address,
            employer=employer,
            sector=sector,
        )
        unit.placements.append(Placement(parent.id if parent else None, opened_on))
        unit.events.append(
            Event(EventKind.CREATED, opened_on, None, parent.id if parent else None)
        )
        self.units.append(unit)
        return unit

    def move(self, unit: Unit, new_parent: Unit, on: dt.date, note: str = "") -> None:
        old = unit.placements[-1]
        old.valid_to = on
        unit.placements.append(Placement(new_parent.id, on))
        unit.events.append(
            Event(EventKind.MOVED, on, old.parent_id, new_parent.id, None, note)
        )
        unit.parent = new_parent
        unit.region, unit.region_code = new_parent.region, new_parent.region_code

    def close(
        self,
        root: Unit,
        on: dt.date,
        status: str,
        kind: str,
        *,
        into: Unit | None = None,
        note: str = "",
    ) -> None:
        """Close a unit and its open subtree, as orgtree.changes.close_subtree does."""
        closing = [root]
        ids = {root.id}
        for unit in self.units:  # parents come before their children
            if unit.parent and unit.parent.id in ids and unit.is_active:
                closing.append(unit)
                ids.add(unit.id)
        for unit in closing:
            unit.status, unit.closed_on = status, on
            unit.placements[-1].valid_to = on
        root.merged_into = into
        root.events.append(
            Event(
                kind,
                on,
                root.parent.id if root.parent else None,
                None,
                into.id if into else None,
                note,
            )
        )

    # Workplaces

    def employer(self, name_ru: str, name_kk: str, sector: str) -> Employer:
        employer = Employer(
            len(self.employers) + 1, self._bin(), name_ru, name_kk, sector
        )
        self.employers.append(employer)
        return employer

    def _bin(self) -> str:
        """A fresh BIN of a resident legal entity's head office, check digit valid."""
        rng = self.rng
        while True:
            year = rng.randrange(95, 125) % 100
            first = f"{year:02d}{rng.randint(1, 12):02d}40{rng.randrange(100000):05d}"
            digit = check_digit(first)
            if digit is None:
                continue
            value = f"{first}{digit}"
            if value not in self._bins:
                self._bins.add(value)
                return value

    def primary(
        self,
        district: Unit,
        locality: Locality,
        *,
        center: bool,
        sector: str | None = None,
        opened_on: dt.date | None = None,
    ) -> Unit:
        rng = self.rng
        region = district.region
        assert region is not None
        place = region.city or locality
        urban = place.is_city
        if sector is None:
            weights = _URBAN if urban else _RURAL
            sector = rng.choices(list(weights), list(weights.values()))[0]
        universities = self._universities.get(region.code, [])
        if sector == Sector.UNIVERSITY and not (
            universities and (center or region.city)
        ):
            sector = Sector.COLLEGE
        if sector == Sector.SCIENCE and not (
            self._institutes and region.code in ("71", "75")
        ):
            sector = Sector.OTHER
        if sector == Sector.UNIVERSITY:
            name_ru, name_kk = universities.pop(0)
        elif sector == Sector.SCIENCE:
            name_ru, name_kk = self._institutes.pop(0)
        else:
            # Numbers and names are unique in a place: a city of republican
            # significance numbers its schools city-wide, across its districts.
            key = (district.parent or district).id if region.city else district.id
            name_ru, name_kk = self._workplace_name(key, sector, place, urban)
        number = self._codes[district.id] = self._codes.get(district.id, 0) + 1
        if opened_on is None:
            opened_on = _date_between(
                rng,
                *(
                    (dt.date(1992, 1, 1), dt.date(2012, 12, 31))
                    if rng.random() < 0.9
                    else (dt.date(2013, 1, 1), self.on - dt.timedelta(days=365))
                ),
            )
            if opened_on <= district.opened_on:
                opened_on = district.opened_on + dt.timedelta(days=rng.randint(1, 120))
        unit = self.unit(
            district,
            Level.PRIMARY,
            f"{district.code}-{number:04d}",
            name_ru,
            name_kk,
            opened_on,
            employer=self.employer(name_ru, name_kk, sector),
            sector=sector,
            address=f"{place.ru}, {rng.choice(wp.STREETS)}, {rng.randint(1, 160)}",
        )
        median = (80 if urban else 30) if sector == Sector.SCHOOL else _STAFF[sector]
        unit.size = rng.lognormvariate(math.log(median), 0.45)
        if sector == Sector.COLLEGE:
            unit.students = unit.size
        elif sector == Sector.UNIVERSITY:
            unit.students = 3 * unit.size
        return unit

    def _number(self, place_id: int, series: str) -> int:
        """The next number of a series (schools, kindergartens…) in a place."""
        key = (place_id, series)
        number = self._numbers[key] = self._numbers.get(key, 0) + self.rng.randint(1, 2)
        return number

    def _workplace_name(
        self, place_id: int, sector: str, place: Locality, urban: bool
    ) -> tuple[str, str]:
        """A name not yet given in this place: «КГУ «Средняя школа №12» …»."""
        rng = self.rng
        used = self._used.setdefault(place_id, set())
        of, kk = place.of_ru, place.kk_name
        for _attempt in range(20):
            if sector == Sector.PRESCHOOL:
                n = self._number(place_id, "preschool")
                garden_ru, garden_kk = rng.choice(wp.KINDERGARTENS)
                ru = f"ГККП «Ясли-сад №{n} «{garden_ru}»» акимата {of}"
                kz = f"{kk} әкімдігінің «№{n} «{garden_kk}» бөбекжай-бақшасы» МКҚК"
            elif sector == Sector.COLLEGE:
                kind_ru, kind_kk = rng.choice(
                    wp.COLLEGE_KINDS if urban else wp.RURAL_COLLEGE_KINDS
                )
                count = sum(1 for name in used if kind_ru in name) + 1
                no_ru = f" №{count}" if count > 1 else ""
                no_kk = f"№{count} " if count > 1 else ""
                ru = f"ГККП «{kind_ru}{no_ru} {of}»"
                kz = f"«{kk}ның {no_kk}{kind_kk}» МКҚК"
            elif sector == Sector.OTHER:
                template_ru, template_kk = rng.choice(wp.OTHER_KINDS)
                n = self._number(place_id, "other") if "{n}" in template_ru else 0
                ru = template_ru.format(of=of, n=n)
                kz = template_kk.format(kk=kk, n=n)
            elif rng.random() < 0.15:
                patron_ru, patron_kk = rng.choice(wp.SCHOOL_PATRONS)
                ru = f"КГУ «Средняя школа имени {patron_ru}» акимата {of}"
                kz = (
                    f"{kk} әкімдігінің «{patron_kk} атындағы жалпы білім беретін "
                    "мектеп» КММ"
                )
            else:
                kinds = wp.SCHOOL_KINDS if urban else wp.SCHOOL_KINDS[:1] * 3
                kind_ru, kind_kk, _weight = rng.choices(kinds, [k[2] for k in kinds])[0]
                n = self._number(place_id, "school")
                ru = f"КГУ «{kind_ru.format(n=n)}» акимата {of}"
                kz = f"{kk} әкімдігінің «{kind_kk.format(n=n)}» КММ"
            if ru not in used:
                used.add(ru)
                return ru, kz
        # Named workplaces all taken: a numbered school is always new.
        n = self._number(place_id, "school")
        used.add(f"КГУ «Средняя школа №{n}» акимата {of}")
        return (
            f"КГУ «Средняя школа №{n}» акимата {of}",
            f"{kk} әкімдігінің «№{n} жалпы білім беретін мектеп» КММ",
        )

    def groups(self, primary: Unit) -> None:
        """Union groups in a university's faculties."""
        rng = self.rng
        for k, (faculty_ru, faculty_kk) in enumerate(
            rng.sample(wp.FACULTIES, rng.randint(2, 4)), start=1
        ):
            opened = primary.opened_on + dt.timedelta(days=rng.randint(30, 400))
            self.unit(
                primary,
                Level.GROUP,
                f"{primary.code}-G{k}",
                f"Профсоюзная группа {faculty_ru}",
                f"{faculty_kk} кәсіподақ тобы",
                min(opened, self.on - dt.timedelta(days=30)),
            )


def plan_tree(*, rng: random.Random, primaries: int, on: dt.date) -> Tree:
    """The whole tree with about `primaries` open primary organizations."""
    planner = _Planner(rng, on)
    central = planner.unit(
        None,
        Level.CENTRAL,
        geo.CENTRAL_CODE,
        geo.CENTRAL_NAME_RU,
        geo.CENTRAL_NAME_KK,
        geo.FOUNDED,
        address="г. Астана, ул. Жубанова, 1",
    )
    region_units = [
        planner.unit(
            central,
            Level.REGION,
            region.code,
            region.name_ru,
            region.name_kk,
            region.opened_on,
            region=region,
            address=(region.city or region.localities[0]).ru,
        )
        for region in geo.REGIONS
    ]
    by_code = {unit.region_code: unit for unit in region_units}
    south = planner.unit(
        central,
        Level.REGION,
        geo.SOUTH.code,
        geo.SOUTH.name_ru,
        geo.SOUTH.name_kk,
        geo.FOUNDED,
        region=geo.SOUTH,
        address="г. Шымкент",
    )
    ustaz = planner.unit(
        central,
        Level.REGION,
        geo.USTAZ_CODE,
        geo.USTAZ_NAME_RU,
        geo.USTAZ_NAME_KK,
        geo.USTAZ_OPENED_ON,
        region=by_code["75"].region,
        address="г. Алматы",
    )

    open_primaries: list[Unit] = []
    for region, region_unit in zip(geo.REGIONS, region_units, strict=True):
        count = max(3, round(primaries * region.weight / 100))
        open_primaries += _plan_region(planner, region, region_unit, by_code, count)

    # Almaty's second city organization and its private workplaces (seed 004).
    ustaz_count = max(2, round(primaries * 0.008))
    ustaz_primaries = []  # they stood right under it
    for k in range(ustaz_count):
        name_ru, name_kk, sector = wp.PRIVATE_WORKPLACES[k % len(wp.PRIVATE_WORKPLACES)]
        if k >= len(wp.PRIVATE_WORKPLACES):
            name_ru += f" (филиал №{k // len(wp.PRIVATE_WORKPLACES)})"
            name_kk += f" ({k // len(wp.PRIVATE_WORKPLACES)}-филиал)"
        opened = _date_between(rng, dt.date(2016, 2, 15), dt.date(2020, 6, 30))
        unit = planner.unit(
            ustaz,
            Level.PRIMARY,
            f"{geo.USTAZ_CODE}-{k + 1:04d}",
            name_ru,
            name_kk,
            opened,
            employer=planner.employer(name_ru, name_kk, sector),
            sector=sector,
            address=f"г. Алматы, {rng.choice(wp.STREETS)}, {rng.randint(1, 160)}",
        )
        unit.size = rng.lognormvariate(math.log(40), 0.4)
        if sector in (Sector.COLLEGE, Sector.UNIVERSITY):
            unit.students = 2 * unit.size
        ustaz_primaries.append(unit)
    for unit in ustaz_primaries:
        planner.move(unit, by_code["75"], geo.USTAZ_MERGED_ON)
    planner.close(
        ustaz,
        geo.USTAZ_MERGED_ON,
        UnitStatus.MERGED,
        EventKind.MERGED,
        into=by_code["75"],
        note=geo.USTAZ_MERGED_NOTE,
    )
    open_primaries += ustaz_primaries

    # South Kazakhstan's organization, which left the union in 2018.
    south_count = max(3, round(primaries * 0.08))
    south_districts = [
        planner.unit(
            south,
            Level.DISTRICT,
            f"{geo.SOUTH.code}-{i:02d}",
            locality.committee_ru,
            locality.committee_kk,
            geo.FOUNDED,
        )
        for i, locality in enumerate(geo.SOUTH.localities, start=1)
    ]
    south_primaries = []
    for k in range(south_count):
        i = k % len(south_districts)
        south_primaries.append(
            planner.primary(
                south_districts[i],
                geo.SOUTH.localities[i],
                center=False,
                sector=Sector.SCHOOL,
                opened_on=_date_between(rng, dt.date(1992, 6, 1), dt.date(2016, 9, 1)),
            )
        )
    planner.close(
        south,
        geo.SOUTH_LEFT_ON,
        UnitStatus.LEFT,
        EventKind.LEFT_UNION,
        note=geo.SOUTH_LEFT_NOTE,
    )

    for unit in planner.units:
        unit.path = child_path(unit.parent.path if unit.parent else "", unit.id)
    return Tree(
        units=planner.units,
        employers=planner.employers,
        central=central,
        regions=region_units,
        primaries=open_primaries,
        south_primaries=south_primaries,
    )


def _plan_region(
    planner: _Planner,
    region: Region,
    region_unit: Unit,
    by_code: dict[str, Unit],
    count: int,
) -> list[Unit]:
    """District committees of a region and `count` primary organizations in them."""
    rng = planner.rng
    n_districts = max(2, min(len(region.localities), math.ceil(count / 5)))
    localities = region.localities[:n_districts]
    districts = []
    for i, locality in enumerate(localities, start=1):
        if region.formed_from:
            # Formed in 2022: its committees stood under the older region until then.
            old = by_code[region.formed_from]
            district = planner.unit(
                old,
                Level.DISTRICT,
                f"{region.code}-{i:02d}",
                locality.committee_ru,
                locality.committee_kk,
                geo.FOUNDED,
            )
            planner.move(district, region_unit, geo.NEW_REGIONS_ON)
        else:
            district = planner.unit(
                region_unit,
                Level.DISTRICT,
                f"{region.code}-{i:02d}",
                locality.committee_ru,
                locality.committee_kk,
                region.opened_on,
                address=(region.city or locality).ru,
            )
        districts.append(district)

    weights = [
        4 if i == 0 else 2 if loc.is_city else 1 for i, loc in enumerate(localities)
    ]
    if region.city:
        weights = [1] * len(localities)
    slots = list(range(len(districts))) + rng.choices(
        range(len(districts)), weights, k=max(0, count - len(districts))
    )
    slots.sort()
    planned = []
    for position, slot in enumerate(slots):
        first = position == 0
        sector = (
            Sector.UNIVERSITY if first and region.code in _UNIVERSITY_FIRST else None
        )
        unit = planner.primary(
            districts[slot], localities[slot], center=slot == 0, sector=sector
        )
        if unit.sector == Sector.UNIVERSITY:
            planner.groups(unit)
        planned.append(unit)
    return planned
