"""Build the demo union, set-based, in one transaction.

The tree is planned in memory with its ids and paths (`tree`), people are
generated in chunks with their memberships (`people`), and everything is written
with COPY on PostgreSQL or batched inserts on SQLite (`loading`), bypassing the
per-row services: this is generated data, so no audit rows are written. The same
spec (seed, members, reference date) gives the same rows, byte for byte, except
the users' password hashes, which are salted.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model

from kasipodaq.core.loading import Loader
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Employer,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
)
from kasipodaq.registry.models import Membership, Person
from kasipodaq.registry.signals import demo_built

from . import loading
from .people import MEMBERSHIP_FIELDS, PERSON_FIELDS, PeopleGenerator
from .tree import Tree, Unit, plan_tree
from .users import Login, create_demo_users

# The day the demo describes: the start of the 2026/27 school year. A fixed day
# keeps the demo byte-identical from run to run.
REFERENCE_DATE = dt.date(2026, 9, 1)
MEMBERS_PER_PRIMARY = 60
# Coverage of each workplace, working members ÷ employees, in percent.
COVERAGE = (80, 95)


class DemoRefused(Exception):
    """The database already holds a union and no reset was asked for."""


@dataclass(frozen=True)
class DemoSpec:
    members: int = 60_000
    seed: int = 2022
    primaries: int | None = None  # default: one per MEMBERS_PER_PRIMARY members
    on: dt.date = REFERENCE_DATE

    @property
    def primary_count(self) -> int:
        if self.primaries is not None:
            return self.primaries
        return max(60, round(self.members / MEMBERS_PER_PRIMARY))


@dataclass
class DemoResult:
    units: int
    primaries: int
    people: int
    memberships: int
    members: int
    seconds: float
    logins: list[Login] = field(default_factory=list)


def build_demo(
    spec: DemoSpec,
    *,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Write the demo union; over an existing one, refuse unless `reset`."""
    started = time.perf_counter()

    def step(message: str) -> None:
        if progress is not None:
            progress(f"{time.perf_counter() - started:7.1f}s  {message}")

    with transaction.atomic():
        if reset:
            loading.wipe()
            step("wiped the registry, the tree and the grants")
        elif loading.has_data():
            raise DemoRefused
        loader = Loader()
        tree = plan_tree(
            rng=random.Random(f"{spec.seed}:tree"),  # noqa: S311
            primaries=spec.primary_count,
            on=spec.on,
        )
        _write_tree(loader, tree)
        step(f"{len(tree.units):,} organizations")

        generator = PeopleGenerator(
            rng=random.Random(f"{spec.seed}:people"),  # noqa: S311
            tree=tree,
            on=spec.on,
        )
        people = memberships = 0
        for chunk in generator.generate(spec.members):
            people += loader.insert(Person, PERSON_FIELDS, chunk.people)
            memberships += loader.insert(
                Membership, MEMBERSHIP_FIELDS, chunk.memberships
            )
        step(f"{people:,} people, {memberships:,} memberships")

        _write_employees(
            loader,
            tree,
            generator.working,
            random.Random(f"{spec.seed}:staff"),  # noqa: S311
            spec.on,
        )
        models: list[type[Model]] = [
            Employer,
            OrgUnit,
            OrgPlacement,
            OrgEvent,
            EmployeeCount,
        ]
        loading.reset_sequences([*models, Person, Membership])
        loading.analyze([*models, Person, Membership])
        logins = create_demo_users(
            confirmed_at=dt.datetime.combine(spec.on, dt.time(4, tzinfo=dt.UTC))
        )
        step("employees, users and statistics")
    step("committed")
    demo_built.send(sender=DemoResult, step=step)
    if loading.vacuum([*models, Person, Membership]):
        step("vacuumed (index-only scans need the visibility map)")
    return DemoResult(
        units=len(tree.units),
        primaries=len(tree.primaries),
        people=people,
        memberships=memberships,
        members=spec.members,
        seconds=time.perf_counter() - started,
        logins=logins,
    )


def _write_tree(loader: Loader, tree: Tree) -> None:
    loader.insert(
        Employer,
        ("id", "bin", "name_ru", "name_kk", "sector"),
        ((e.id, e.bin, e.name_ru, e.name_kk, str(e.sector)) for e in tree.employers),
    )
    loader.insert(
        OrgUnit,
        (
            "id",
            "code",
            "level",
            "parent",
            "path",
            "name_ru",
            "name_kk",
            "employer",
            "region_code",
            "address",
            "status",
            "opened_on",
            "closed_on",
            "merged_into",
        ),
        (
            (
                u.id,
                u.code,
                str(u.level),
                _id(u.parent),
                u.path,
                u.name_ru,
                u.name_kk,
                u.employer.id if u.employer else None,
                u.region_code,
                u.address,
                str(u.status),
                u.opened_on,
                u.closed_on,
                _id(u.merged_into),
            )
            for u in tree.units
        ),
    )
    loader.insert(
        OrgPlacement,
        ("id", "unit", "parent", "valid_from", "valid_to"),
        (
            (i, unit_id, p.parent_id, p.valid_from, p.valid_to)
            for i, (unit_id, p) in enumerate(
                ((u.id, p) for u in tree.units for p in u.placements), start=1
            )
        ),
    )
    loader.insert(
        OrgEvent,
        (
            "id",
            "unit",
            "kind",
            "effective_on",
            "recorded_at",
            "recorded_by",
            "parent_before",
            "parent_after",
            "other_unit",
            "note",
        ),
        (
            (
                i,
                unit_id,
                str(e.kind),
                e.effective_on,
                dt.datetime.combine(e.effective_on, dt.time(4, tzinfo=dt.UTC)),
                None,
                e.parent_before_id,
                e.parent_after_id,
                e.other_unit_id,
                e.note,
            )
            for i, (unit_id, e) in enumerate(
                ((u.id, e) for u in tree.units for e in u.events), start=1
            )
        ),
    )


def _write_employees(
    loader: Loader,
    tree: Tree,
    working: dict[int, int],
    rng: random.Random,
    on: dt.date,
) -> None:
    """Employees counted on 1 January of this year and the last, at 80–95% coverage."""
    this_year = dt.date(on.year, 1, 1)
    last_year = dt.date(on.year - 1, 1, 1)
    rows: list[tuple[object, ...]] = []
    for unit in tree.primaries:
        employees = _employees(rng, working.get(unit.id, 0))
        if unit.opened_on <= last_year:
            earlier = max(1, round(employees * rng.uniform(0.96, 1.04)))
            rows.append((len(rows) + 1, unit.id, last_year, earlier))
        counted_on = max(this_year, unit.opened_on)
        rows.append((len(rows) + 1, unit.id, counted_on, employees))
    for unit in tree.south_primaries:
        counted_on = max(dt.date(2017, 1, 1), unit.opened_on)
        rows.append((len(rows) + 1, unit.id, counted_on, rng.randint(15, 90)))
    loader.insert(EmployeeCount, ("id", "unit", "counted_on", "employees"), rows)


def _employees(rng: random.Random, working: int) -> int:
    """A head count at which `working` members make 80–95% coverage (when one fits)."""
    low, high = COVERAGE
    fewest = -(-working * 100 // high)  # rounded up
    most = working * 100 // low
    if 0 < fewest <= most:
        return rng.randint(fewest, most)
    return max(1, round(working * 100 / rng.uniform(low, high)))


def _id(unit: Unit | None) -> int | None:
    return unit.id if unit is not None else None
