"""Distribution statements: where an organization's collected dues went, and who
still owes whom.

The money of a payment lands at the organization that collected it (the member's
or the company's primary organization: the ledger entry's `collected_by`), but
only its share is its own: each upper level's share
is owed to that level until the collector transfers it (`LevelTransfer`). For a
unit and a period [start, end) the statement shows

- the dues collected at and under the unit, split by receiver: the unit itself,
  the organizations below it, each unit above it (and, after a reorganization,
  units no longer above it);
- what the unit owes each receiver: opening + shares − transferred = closing;
- what the organizations below owe the unit, per organization directly below.

Every figure is integer tiyn from aggregate queries: the number of queries does
not grow with the number of units or payments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr

from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.orgtree.paths import SEGMENT, ancestor_ids
from kasipodaq.orgtree.querysets import subtree_filter

from .models import CompanyPayment, LedgerEntry, LevelTransfer, Payment

LISTED_TRANSFERS = 200


@dataclass(frozen=True)
class Collected:
    """Dues collected at and under a unit in the period, split by receiver."""

    payments: int
    paid_tiyn: int  # the payments' amounts
    ledger_tiyn: int  # their ledger entries: equal to paid_tiyn, to the tiyn
    own_tiyn: int
    below_tiyn: int
    above: list[tuple[OrgUnit, int]]  # the units above, nearest first
    elsewhere_tiyn: int  # units no longer above (the tree changed since)

    @property
    def balances(self) -> bool:
        parts = self.own_tiyn + self.below_tiyn + self.elsewhere_tiyn
        return (
            self.paid_tiyn
            == self.ledger_tiyn
            == parts + sum(amount for _unit, amount in self.above)
        )


@dataclass(frozen=True)
class Balance:
    """What one party owes another over the period."""

    opening_tiyn: int = 0
    shares_tiyn: int = 0
    transferred_tiyn: int = 0

    @property
    def closing_tiyn(self) -> int:
        return self.opening_tiyn + self.shares_tiyn - self.transferred_tiyn

    def __add__(self, other: Balance) -> Balance:
        return Balance(
            self.opening_tiyn + other.opening_tiyn,
            self.shares_tiyn + other.shares_tiyn,
            self.transferred_tiyn + other.transferred_tiyn,
        )


@dataclass(frozen=True)
class BalanceRow:
    """A balance with the other party: a unit, or None for units that are no
    longer in the place the table is about."""

    unit: OrgUnit | None
    balance: Balance


@dataclass(frozen=True)
class Reconciliation:
    """The payments and their ledger entries under a unit (for the union's root:
    the whole union), in the period."""

    paid_tiyn: int
    ledger_tiyn: int
    # Payments whose own entries do not add up to them (0 in a sound ledger).
    unbalanced: int

    @property
    def balances(self) -> bool:
        return self.paid_tiyn == self.ledger_tiyn and not self.unbalanced


@dataclass(frozen=True)
class Statement:
    unit: OrgUnit
    start: dt.date
    end: dt.date  # exclusive
    collected: Collected
    # What the unit owes for the dues it collected itself, per receiver.
    owes: list[BalanceRow]
    # What the organizations below owe the unit, per organization directly below.
    owed: list[BalanceRow]
    sent: list[LevelTransfer] = field(default_factory=list)
    received: list[LevelTransfer] = field(default_factory=list)

    @property
    def owes_total(self) -> Balance:
        return sum((row.balance for row in self.owes), Balance())

    @property
    def owed_total(self) -> Balance:
        return sum((row.balance for row in self.owed), Balance())


def compute_statement(unit: OrgUnit, start: dt.date, end: dt.date) -> Statement:
    """The distribution statement of `unit` for [start, end)."""
    return Statement(
        unit=unit,
        start=start,
        end=end,
        collected=compute_collected(unit, start, end),
        owes=compute_owes(unit, start, end),
        owed=compute_owed(unit, start, end),
        sent=list(
            _in_period(LevelTransfer.objects.filter(from_unit=unit), start, end)
            .select_related("to_unit")
            .order_by("transferred_on", "pk")[:LISTED_TRANSFERS]
        ),
        received=list(
            _in_period(LevelTransfer.objects.filter(to_unit=unit), start, end)
            .select_related("from_unit")
            .order_by("transferred_on", "pk")[:LISTED_TRANSFERS]
        ),
    )


def compute_collected(unit: OrgUnit, start: dt.date, end: dt.date) -> Collected:
    """Aggregate queries: the payments (members' and companies'), and their
    ledger entries by receiver.

    For the whole union none needs the tree: every row is under its root.
    """
    whole = is_whole_union(unit)
    count, paid_tiyn = _money_in(unit, start, end, whole=whole)
    above_ids = ancestor_ids(unit.path)[:-1][::-1]
    below = ~Q(unit_id=unit.pk)
    if not whole:
        below &= subtree_filter("unit__path", unit.path)
    sums: dict[str, Any] = {
        "total": Coalesce(Sum("amount_tiyn"), 0),
        "own": Coalesce(Sum("amount_tiyn", filter=Q(unit_id=unit.pk)), 0),
        "below": Coalesce(Sum("amount_tiyn", filter=below), 0),
    }
    for pk in above_ids:
        sums[f"u{pk}"] = Coalesce(Sum("amount_tiyn", filter=Q(unit_id=pk)), 0)
    # Entries are booked on the day paid: the period selects them directly.
    split = _entries_under(unit, start, end, whole=whole).aggregate(**sums)
    units = OrgUnit.objects.in_bulk(above_ids) if above_ids else {}
    above = [(units[pk], int(split[f"u{pk}"])) for pk in above_ids if pk in units]
    placed = split["own"] + split["below"] + sum(amount for _u, amount in above)
    return Collected(
        payments=count,
        paid_tiyn=paid_tiyn,
        ledger_tiyn=int(split["total"]),
        own_tiyn=int(split["own"]),
        below_tiyn=int(split["below"]),
        above=above,
        elsewhere_tiyn=int(split["total"] - placed),
    )


def compute_owes(unit: OrgUnit, start: dt.date, end: dt.date) -> list[BalanceRow]:
    """What `unit` owes each receiver of the dues it collected itself."""
    shares = _before_and_in(
        LedgerEntry.objects.filter(collected_by=unit, booked_on__lt=end)
        .exclude(unit_id=unit.pk)
        .values("unit_id"),
        "booked_on",
        start,
    )
    paid = _before_and_in(
        LevelTransfer.objects.filter(from_unit=unit, transferred_on__lt=end).values(
            "to_unit_id"
        ),
        "transferred_on",
        start,
    )
    balances: dict[int, Balance] = {}
    for row in shares:
        balances[row["unit_id"]] = Balance(row["opening"], row["period"], 0)
    for row in paid:
        before = balances.get(row["to_unit_id"], Balance())
        balances[row["to_unit_id"]] = Balance(
            before.opening_tiyn - row["opening"], before.shares_tiyn, row["period"]
        )
    units = OrgUnit.objects.in_bulk(list(balances)) if balances else {}
    return sorted(
        (BalanceRow(units.get(pk), balance) for pk, balance in balances.items()),
        key=lambda row: row.unit.path if row.unit else "",
        reverse=True,  # the nearest receiver first
    )


def compute_owed(unit: OrgUnit, start: dt.date, end: dt.date) -> list[BalanceRow]:
    """What the organizations below `unit` owe it, per organization directly
    below (each with everything under it); one row (unit None) for collectors
    that are no longer under `unit`."""
    width = len(unit.path) + SEGMENT
    shares = _before_and_in(
        LedgerEntry.objects.filter(unit_id=unit.pk, booked_on__lt=end)
        .exclude(collected_by=unit)
        .annotate(child=Substr("collected_by__path", 1, width))
        .values("child"),
        "booked_on",
        start,
    )
    paid = _before_and_in(
        LevelTransfer.objects.filter(to_unit=unit, transferred_on__lt=end)
        .annotate(child=Substr("from_unit__path", 1, width))
        .values("child"),
        "transferred_on",
        start,
    )
    balances: dict[str, Balance] = {}
    for row in shares:
        key = _child_key(row["child"], unit)
        balances[key] = balances.get(key, Balance()) + Balance(
            row["opening"], row["period"], 0
        )
    for row in paid:
        key = _child_key(row["child"], unit)
        balances[key] = balances.get(key, Balance()) + Balance(
            -row["opening"], 0, row["period"]
        )
    children = {
        child.path: child
        for child in OrgUnit.objects.filter(
            path__in=[key for key in balances if key]
        ).only("pk", "path", "code", "name_ru", "name_kk", "level")
    }
    return [
        BalanceRow(children.get(key) if key else None, balances[key])
        for key in sorted(balances, key=lambda key: (not key, key))
    ]


def owed_between(sender: OrgUnit, receiver: OrgUnit, on: dt.date) -> int:
    """Tiyn `sender` still owes `receiver` for the dues it collected up to `on`,
    less every transfer it has recorded to it: what it may transfer on `on`."""
    shares = LedgerEntry.objects.filter(
        collected_by=sender, unit_id=receiver.pk, booked_on__lte=on
    ).aggregate(total=Coalesce(Sum("amount_tiyn"), 0))["total"]
    paid = LevelTransfer.objects.filter(from_unit=sender, to_unit=receiver).aggregate(
        total=Coalesce(Sum("amount_tiyn"), 0)
    )["total"]
    return int(shares - paid)


def reconcile(unit: OrgUnit, start: dt.date, end: dt.date) -> Reconciliation:
    """Sum of ledger entries = sum of the money collected, to the tiyn, source by
    source; for the union's root, the whole union."""
    whole = is_whole_union(unit)
    _count, paid_tiyn = _money_in(unit, start, end, whole=whole)
    entries = _entries_under(unit, start, end, whole=whole).aggregate(
        total=Coalesce(Sum("amount_tiyn"), 0)
    )
    return Reconciliation(
        paid_tiyn=paid_tiyn,
        ledger_tiyn=int(entries["total"]),
        unbalanced=count_unbalanced(unit, start, end),
    )


def count_unbalanced(unit: OrgUnit, start: dt.date, end: dt.date) -> int:
    """The sources of money collected under `unit` in the period whose entries
    differ from them: members' payments, payroll lists (their payments there
    against their entries there) and companies' payments."""
    whole = is_whole_union(unit)
    payments = _under(Payment.objects, "org_unit__path", unit, whole=whole).filter(
        paid_on__gte=start, paid_on__lt=end
    )
    companies = _under(
        CompanyPayment.objects, "org_unit__path", unit, whole=whole
    ).filter(paid_on__gte=start, paid_on__lt=end)
    single = sum(
        source.annotate(booked=Coalesce(Sum("entries__amount_tiyn"), 0))
        .exclude(amount_tiyn=F("booked"))
        .count()
        for source in (payments.filter(payroll__isnull=True), companies)
    )
    listed = _by_list(payments.filter(payroll__isnull=False))
    booked = _by_list(
        _entries_under(unit, start, end, whole=whole).filter(payroll__isnull=False)
    )
    return single + sum(
        listed.get(key) != booked.get(key) for key in listed.keys() | booked.keys()
    )


def _by_list(rows: QuerySet[Any]) -> dict[int, int]:
    return dict(
        rows.values("payroll")
        .annotate(total=Sum("amount_tiyn"))
        .values_list("payroll", "total")
    )


def _money_in(
    unit: OrgUnit, start: dt.date, end: dt.date, *, whole: bool
) -> tuple[int, int]:
    """How many payments (members' and companies') were collected under `unit`
    in the period, and their total."""
    count = total = 0
    for model in (Payment, CompanyPayment):
        paid = (
            _under(model.objects, "org_unit__path", unit, whole=whole)
            .filter(paid_on__gte=start, paid_on__lt=end)
            .aggregate(n=Count("pk"), total=Coalesce(Sum("amount_tiyn"), 0))
        )
        count += paid["n"]
        total += int(paid["total"])
    return count, total


def _entries_under(
    unit: OrgUnit, start: dt.date, end: dt.date, *, whole: bool
) -> QuerySet[LedgerEntry]:
    """The entries of the money collected under `unit`, booked in the period."""
    return _under(LedgerEntry.objects, "collected_by__path", unit, whole=whole).filter(
        booked_on__gte=start, booked_on__lt=end
    )


def _under(rows: Any, path_field: str, unit: OrgUnit, *, whole: bool) -> QuerySet[Any]:
    return rows.filter(Q() if whole else subtree_filter(path_field, unit.path))


def is_whole_union(unit: OrgUnit) -> bool:
    """Whether every unit lies under `unit`: the root, and no other tree beside
    it. Rows of the whole union are then read without joining the tree."""
    return (
        unit.parent_id is None
        and not OrgUnit.objects.filter(parent__isnull=True).exclude(pk=unit.pk).exists()
    )


def _before_and_in(rows: QuerySet[Any, Any], on: str, start: dt.date) -> Any:
    """Group `rows` (already cut at the end) into what was before `start` and
    what fell in the period."""
    return rows.annotate(
        opening=Coalesce(Sum("amount_tiyn", filter=Q(**{f"{on}__lt": start})), 0),
        period=Coalesce(Sum("amount_tiyn", filter=Q(**{f"{on}__gte": start})), 0),
    ).order_by()


def _in_period(
    transfers: QuerySet[LevelTransfer], start: dt.date, end: dt.date
) -> QuerySet[LevelTransfer]:
    return transfers.filter(transferred_on__gte=start, transferred_on__lt=end)


def _child_key(child_path: str, unit: OrgUnit) -> str:
    """The path of the organization directly below `unit` the row belongs to, or
    "" when the collector is no longer under `unit`."""
    if child_path.startswith(unit.path) and len(child_path) > len(unit.path):
        return child_path
    return ""


def units_above(unit: OrgUnit) -> list[OrgUnit]:
    """The units above `unit` in today's tree, the nearest first."""
    ids = ancestor_ids(unit.path)[:-1]
    found = OrgUnit.objects.in_bulk(ids) if ids else {}
    return [found[pk] for pk in reversed(ids) if pk in found]
