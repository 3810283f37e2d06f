"""In the demo union, a district chair reaches nothing of another district.

The union is the real demo (`kasipodaq.registry.demo`) at a small scale. Signed in
as its district chair ("chair.district", Karaganda's city committee), every staff
page and every API operation that takes an id is asked about objects outside the
chair's district: a member there, a former member, a member who left the chair's
district for another, the neighbour district, its primary organization, the region
and the central committee above, a closed unit and a unit of another region,
and the dues and budget records of those people and units (an exemption, card
payments, a budget, an expense, an income). Every answer is 404, the same as for
an id that does not exist, and nothing in the database changes: no person,
membership, organization, history, dues, ledger, budget or audit row.

The pages come from the URL resolver and the operations from the OpenAPI schema,
so a page or an endpoint added later is asked too; a page without an id in its
path must be listed below with the ids its query string takes. Each case also
asks about an object of the chair's own district, which must not be a 404, so the
404s are the scoping's and not a broken request's; on the dues and budget pages
its POST goes through and changes the database, and in the dues API it succeeds,
so an object within reach would have been changed (or read).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Sum
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kasipodaq.access.perms import Perm, Role
from kasipodaq.access.policy import has_perm
from kasipodaq.accounts.models import User
from kasipodaq.api.schemas import MAX_ID
from kasipodaq.api.tokens import issue_token
from kasipodaq.api.v1 import api
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.budget.models import (
    Budget,
    BudgetLine,
    BudgetStatus,
    Expense,
    ExpenseCategory,
    OtherIncome,
)
from kasipodaq.cards.models import Card, IssueRun, MemberNumber
from kasipodaq.core.dates import today
from kasipodaq.dues.models import (
    ArrearsReminder,
    CardSubscription,
    Charge,
    CompanyCharge,
    CompanyDeclaration,
    CompanyFeeSchedule,
    CompanyFeeTier,
    CompanyPayment,
    DistributionRule,
    DuesRule,
    Exemption,
    ExemptionReason,
    LedgerEntry,
    LevelTransfer,
    Payment,
    PayrollList,
    SalaryBase,
    SalaryList,
    SubscriptionStatus,
)
from kasipodaq.dues.months import month_of, next_month
from kasipodaq.dues.services.cash import record_cash
from kasipodaq.dues.tests.card_fixtures import start_simulator
from kasipodaq.orgtree.models import (
    EmployeeCount,
    Employer,
    Level,
    OrgEvent,
    OrgPlacement,
    OrgUnit,
    UnitStatus,
)
from kasipodaq.registry.demo.builder import DemoSpec, build_demo
from kasipodaq.registry.demo.users import DEMO_DISTRICT, DEMO_OTHER_DISTRICT
from kasipodaq.registry.models import Membership, Person
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.tests.factories import grant, valid_bin, valid_iin
from kasipodaq.reporting.models import (
    Campaign,
    FormVersion,
    Report,
    ReportEvent,
    ReportForm,
    ReportValue,
)
from kasipodaq.reporting.services.campaigns import open_campaign
from kasipodaq.reporting.services.forms import open_draft_version

pytestmark = pytest.mark.django_db
T = TypeVar("T")

MEMBERS = 1500
API_PREFIX = "/api/v1"

# The staff pages, by URL namespace, and what the `pk` of their path names.
STAFF_NAMESPACES = ("members", "orgs", "audit", "reports", "cards", "dues", "budget")
PK_KIND_BY_NAMESPACE = {
    "members": "person",
    "orgs": "unit",
    "reports": "report",
    "cards": "person",
    "dues": "unit",
    "budget": "unit",
}
# Besides `pk`, a path may take the year (of a budget): the current one.
PATH_CONVERTERS = {"pk", "year"}
PK_KIND_BY_NAME = {
    "cards:org": "unit",
    "cards:sheet": "unit",
    "cards:run": "run",
    "dues:payroll": "payroll",
    "dues:cash": "person",
    "dues:receipt": "payment",
    "dues:exemptions": "person",
    "dues:member-history": "person",
    "dues:card": "person",
    "dues:exemption-end": "exemption",
    "dues:card-cancel": "subscription",
    # Only the union and its regions regulate the distribution (other units: 404).
    "dues:distribution": "region",
    # A draft is approved; an approved budget is reopened or revised.
    "budget:approve": "budget",
    "budget:reopen": "approved_budget",
    "budget:revise": "approved_budget",
    "budget:expense-delete": "expense",
    "budget:income-delete": "income",
    "audit:person": "person",
    "audit:user": "user",
    "reports:campaign": "campaign",
    "reports:version-new": "form",
    "reports:version": "version",
    "reports:version-edit": "version",
    "reports:version-publish": "version",
}
# Pages only the centre may use: the chair meets 404 whatever the object, and the
# central administrator shows that the request itself is sound.
CENTRE_PAGES = {
    "reports:reopen",
    "reports:version-new",
    "reports:version",
    "reports:version-edit",
    "reports:version-publish",
}
# Pages about a region, not a district: their control is the region's chair.
REGION_PAGES = {"dues:distribution"}
# Pages whose POST about the control's own object must go through and change
# the database, so that their 404s are the scoping's and not a refused form.
CHANGING_NAMESPACES = ("dues:", "budget:")
# Pages that need the payment provider (its simulator) to change anything.
PROVIDER_PAGES = {"dues:card"}
# Pages without an id in the path: the ids their query string takes, by kind,
# and the methods that read them (a POST of the admission form ignores ?person=).
QUERY_IDS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "members:list": [("org", "unit", ("GET",))],
    "members:export": [("org", "unit", ("GET",))],
    "members:admit": [("org", "unit", ("GET", "POST")), ("person", "person", ("GET",))],
    "audit:events": [("person", "person", ("GET",)), ("actor", "user", ("GET",))],
    "reports:dynamics": [("org", "unit", ("GET",))],
}
# The card design is the centre's alone, and a card number is no id: their
# refusals are in kasipodaq/cards/tests/test_views.py.
# The payment provider's notification is signed and has no session and no id:
# its refusals are in kasipodaq/dues/tests/test_card_*.py.
NO_IDS = {
    "orgs:tree",
    "reports:campaigns",
    "reports:forms",
    "cards:design",
    "cards:preview",
    "cards:find",
    "dues:card-notify",
}
# API paths with an {id}: what it names (the first prefix that matches). Operations
# that take no id at all.
API_KIND_BY_PREFIX = {
    "/api/v1/members/": "person",
    "/api/v1/orgs/": "unit",
    "/api/v1/reports/campaigns/": "campaign",
    "/api/v1/reports/": "report",
    "/api/v1/cards/members/": "person",
    "/api/v1/cards/runs/": "run",
    "/api/v1/dues/members/": "person",
    "/api/v1/dues/orgs/": "unit",
}
# Path parameters besides {id}: {month} is the current month (YYYY-MM).
PATH_PARAMETERS = {"{id}", "{month}"}
# Operations whose control about the chair's own object must succeed, so that
# their 404s are the scoping's and not a refused body.
SUCCEEDING_API_PREFIXES = ("/api/v1/dues/",)
NO_ID_OPERATIONS = {"GET /api/v1/reports/forms", "GET /api/v1/reports/campaigns"}
# Operations whose right no district chair holds (the centre's): 404 is their
# answer to the chair even in the district, so the central administrator shows
# that the request itself is sound.
CENTRE_OPERATIONS = {"POST /api/v1/reports/{id}/reopen"}
# The least the resolver and the schema must give, so no test passes vacuously.
MIN_PK_PAGES = 71
MIN_QUERY_PAGES = 5
MIN_ID_OPERATIONS = 36


# --- the cases, from the resolver and the schema -----------------------------------


def _staff_patterns() -> Iterator[tuple[str, URLPattern]]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in STAFF_NAMESPACES:
            for pattern in _flattened(entry):
                yield f"{entry.namespace}:{pattern.name}", pattern


def _flattened(resolver: URLResolver) -> Iterator[URLPattern]:
    """The patterns of a namespace, with those of includes inside it."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            assert pattern.namespace is None
            yield from _flattened(pattern)
        else:
            assert isinstance(pattern, URLPattern)
            yield pattern


def _pk_kind(name: str) -> str | None:
    return PK_KIND_BY_NAME.get(name) or PK_KIND_BY_NAMESPACE.get(name.split(":")[0])


def _page_cases() -> tuple[list[tuple[str, Any]], list[str]]:
    """(URL name, view class) of the pages with a `pk`; the names of the others."""
    with_pk, without = [], []
    for name, pattern in _staff_patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if "pk" in pattern.pattern.converters:
            with_pk.append((name, view_class))
        else:
            without.append(name)
    return with_pk, without


PK_PAGES, OTHER_PAGES = _page_cases()
CONVERTERS = {name: set(p.pattern.converters) for name, p in _staff_patterns()}


def _page_url(name: str, pk: int) -> str:
    """The page about `pk`, of the current year when its path takes a year."""
    kwargs = {"pk": pk}
    if "year" in CONVERTERS[name]:
        kwargs["year"] = today().year
    return reverse(name, kwargs=kwargs)


def _schema() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix=f"{API_PREFIX}/")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _is_id(node: dict[str, Any]) -> bool:
    """An `Id` of kasipodaq.api.schemas, possibly optional (anyOf with null)."""
    options = node.get("anyOf", [node])
    return any(
        o.get("type") == "integer" and o.get("maximum") == MAX_ID for o in options
    )


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    query_ids: tuple[str, ...]
    body: dict[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_id(self) -> bool:
        return "{id}" in self.path


def _operations() -> list[Operation]:
    schema = _schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            query_ids = tuple(
                p["name"]
                for p in spec.get("parameters", [])
                if p["in"] == "query" and _is_id(p["schema"])
            )
            body = spec.get("requestBody", {}).get("content", {})
            body_schema = body.get("application/json", {}).get("schema")
            found.append(
                Operation(
                    method.upper(),
                    path,
                    query_ids,
                    _resolve(schema, body_schema) if body_schema else None,
                )
            )
    return found


OPERATIONS = _operations()
ID_OPERATIONS = [
    op
    for op in OPERATIONS
    if op.path_id
    or op.query_ids
    or any(_is_id(p) for p in (op.body or {}).get("properties", {}).values())
]


def test_the_cases_cover_every_page_and_operation(client: Client) -> None:
    """Every staff page and API operation is asked, and there are enough of them."""
    assert len(PK_PAGES) >= MIN_PK_PAGES
    for name, _view in PK_PAGES:
        assert _pk_kind(name), f"{name}: say what its pk names in PK_KIND_BY_NAME"
        assert CONVERTERS[name] <= PATH_CONVERTERS, f"{name}: fill its path in"
    assert set(OTHER_PAGES) == set(QUERY_IDS) | NO_IDS, (
        "a page without an id in its path: list the ids of its query in QUERY_IDS, "
        "or put it in NO_IDS"
    )
    assert len(QUERY_IDS) >= MIN_QUERY_PAGES
    served = client.get(f"{API_PREFIX}/openapi.json").json()
    assert {
        f"{method.upper()} {path}"
        for path, methods in served["paths"].items()
        for method in methods
    } == {op.label for op in OPERATIONS}
    assert {op.label for op in OPERATIONS if op not in ID_OPERATIONS} == (
        NO_ID_OPERATIONS
    ), "an operation that takes no id: put it in NO_ID_OPERATIONS"
    assert len(ID_OPERATIONS) >= MIN_ID_OPERATIONS
    for op in ID_OPERATIONS:
        if op.path_id:
            assert any(op.path.startswith(p) for p in API_KIND_BY_PREFIX), op.label
    for op in OPERATIONS:
        assert set(re.findall(r"{[^}]*}", op.path)) <= PATH_PARAMETERS, op.label


# --- the demo and its samples --------------------------------------------------------


@dataclass
class Demo:
    chair: User
    auditor: User  # a district auditor, for the audit pages
    district: OrgUnit
    primary: OrgUnit  # of the chair's district
    second_primary: OrgUnit  # another one of it
    member: Person  # of `primary`, with no past outside the district
    staff: User  # a user holding a role in the district
    # Outside the chair's district, by kind: person, unit, user, report, card run,
    # the dues and budget records of those people and units, and the regions (the
    # pages of the union's and regions' regulations). A campaign is the whole
    # union's: none lies outside (its reports are scoped).
    outside: dict[str, list[Any]]
    report: Report  # of `primary`, in the campaign
    campaign: Campaign
    draft: FormVersion  # a form's version being edited at the centre
    missing: dict[str, int]  # an id of each kind that exists nowhere


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _found(value: T | None) -> T:
    """A sample the demo must hold."""
    assert value is not None
    return value


def _last_pk(queryset: Any) -> int:
    return int(_found(queryset.order_by("-pk").first()).pk)


@pytest.fixture
def demo(db: None) -> Demo:
    build_demo(DemoSpec(members=MEMBERS))
    district = OrgUnit.objects.get(code=DEMO_DISTRICT)
    other = OrgUnit.objects.get(code=DEMO_OTHER_DISTRICT)
    chair = _user("chair.district")
    own = OrgUnit.objects.in_subtree(district)
    primaries = list(own.filter(level=Level.PRIMARY).active().order_by("code")[:2])
    assert len(primaries) == 2
    other_primary = _found(
        OrgUnit.objects.in_subtree(other).filter(level=Level.PRIMARY).active().first()
    )

    stays = (
        Person.objects.in_subtree(district)
        .filter(current_membership__left_on__isnull=True)
        .exclude(memberships__in=Membership.objects.exclude(org_unit__in=own))
        .order_by("pk")
    )
    member = _found(stays.filter(current_membership__org_unit=primaries[0]).first())
    # Dues paid in the member's organization: it owes the levels above their
    # shares, so a transfer up (the statement's form) goes through.
    record_cash(actor=None, person=member, amount_tiyn=100_000, paid_on=today())
    leaving = _found(stays.exclude(pk=member.pk).first())
    # A member who left the chair's district for the neighbour one: their past
    # membership lies in the chair's district, their record no longer does.
    transfer_membership(
        actor=_user("admin"),
        membership=_found(leaving.current_membership),
        to_unit=other_primary,
        on=today(),
    )

    outside_people = Person.objects.exclude(
        current_membership__org_unit__in=own
    ).order_by("pk")
    people: list[Any] = [
        _found(
            outside_people.filter(
                current_membership__org_unit=other_primary,
                current_membership__left_on__isnull=True,
            )
            .exclude(pk=leaving.pk)
            .first()
        ),
        _found(
            outside_people.filter(current_membership__left_on__isnull=False).first()
        ),
        Person.objects.get(pk=leaving.pk),
        _found(
            outside_people.exclude(
                current_membership__org_unit__region_code=district.region_code
            ).first()
        ),
    ]
    units: list[Any] = [
        other,
        other_primary,
        _found(district.parent),  # the region above
        OrgUnit.objects.get(parent=None),
        _found(
            OrgUnit.objects.exclude(pk__in=own)
            .exclude(status=UnitStatus.ACTIVE)
            .first()
        ),
        _found(
            OrgUnit.objects.filter(level=Level.PRIMARY)
            .exclude(region_code=district.region_code)
            .first()
        ),
    ]
    users: list[Any] = [
        _user("chair.other-district"),
        _user("admin"),
        _user("chair.karaganda"),
    ]
    region = _found(district.parent)
    assert region.level == Level.REGION
    regions: list[Any] = [
        region,
        units[3],  # the central committee
        _found(
            OrgUnit.objects.filter(level=Level.REGION).exclude(pk=region.pk).first()
        ),
    ]
    for person in people:
        assert not has_perm(chair, Perm.MEMBER_VIEW, unit=_unit_of(person))
        assert not has_perm(chair, Perm.DUES_VIEW, unit=_unit_of(person))
    for unit in [*units, *regions]:
        assert not has_perm(chair, Perm.ORG_VIEW, unit=unit)
        assert not has_perm(chair, Perm.DUES_VIEW, unit=unit)

    campaign = open_campaign(
        actor=_user("admin"),
        form=ReportForm.objects.get(code="legal"),
        year=today().year - 1,
        deadline=today() + dt.timedelta(days=30),
    )
    reports = list(Report.objects.filter(campaign=campaign, unit__in=units))
    assert len(reports) == len(units) - 1  # the closed unit has none

    return Demo(
        chair=chair,
        auditor=grant(Role.AUDITOR, district),
        district=district,
        primary=primaries[0],
        second_primary=primaries[1],
        member=member,
        staff=_user("accountant.district"),
        outside={
            "person": people,
            "unit": units,
            "user": users,
            "report": reports,
            "campaign": [],
            # The form editor is the centre's: every form and version is out of
            # the chair's reach.
            "form": list(ReportForm.objects.order_by("pk")[:2]),
            "version": list(FormVersion.objects.order_by("pk")[:2]),
            "run": [IssueRun.objects.create(unit=unit) for unit in units],
            "payroll": [
                PayrollList.objects.create(unit=unit, sha256=str(unit.pk))
                for unit in units
            ],
            "payment": [
                record_cash(actor=None, person=person, amount_tiyn=100, paid_on=today())
                for person in people
            ],
            "region": regions,
            "exemption": [_exemption(person) for person in people],
            "subscription": [_subscription(person) for person in people],
            "budget": [_budget(unit, BudgetStatus.DRAFT) for unit in units],
            "approved_budget": [_budget(unit, BudgetStatus.APPROVED) for unit in units],
            "expense": [_expense(unit) for unit in units],
            "income": [_income(unit) for unit in units],
        },
        report=Report.objects.get(campaign=campaign, unit=primaries[0]),
        campaign=campaign,
        draft=open_draft_version(
            actor=_user("admin"), form=ReportForm.objects.get(code="information")
        ),
        missing={
            "person": _last_pk(Person.objects) + 1000,
            "unit": _last_pk(OrgUnit.objects) + 1000,
            "user": _last_pk(User.objects) + 1000,
            "report": _last_pk(Report.objects) + 1000,
            "campaign": _last_pk(Campaign.objects) + 1000,
            "form": _last_pk(ReportForm.objects) + 1000,
            "version": _last_pk(FormVersion.objects) + 1000,
            "run": _last_pk(IssueRun.objects) + 1000,
            "payroll": _last_pk(PayrollList.objects) + 1000,
            "payment": _last_pk(Payment.objects) + 1000,
            "region": _last_pk(OrgUnit.objects) + 1000,
            "exemption": _last_pk(Exemption.objects) + 1000,
            "subscription": _last_pk(CardSubscription.objects) + 1000,
            "budget": _last_pk(Budget.objects) + 1000,
            "approved_budget": _last_pk(Budget.objects) + 1000,
            "expense": _last_pk(Expense.objects) + 1000,
            "income": _last_pk(OtherIncome.objects) + 1000,
        },
    )


def _exemption(person: Person) -> Exemption:
    """An open exemption since a year ago: ending it changes it."""
    since = month_of(today())
    return Exemption.objects.create(
        person=person,
        reason=ExemptionReason.OTHER,
        valid_from=since.replace(year=since.year - 1),
    )


def _subscription(person: Person) -> CardSubscription:
    """Active card payments: cancelling them changes them."""
    return CardSubscription.objects.create(
        person=person,
        amount_tiyn=100_000,
        charge_day=5,
        status=SubscriptionStatus.ACTIVE,
        token="isolation",
        next_charge_on=today(),
    )


def _budget(unit: OrgUnit, status: str) -> Budget:
    """A budget with a planned line: a draft of last year, which approving
    changes, or an approved one of the year before, which reopening or revising
    changes (the demo's budgets are of this year)."""
    approved = status == BudgetStatus.APPROVED
    budget = Budget.objects.create(
        unit=unit,
        year=today().year - (2 if approved else 1),
        status=status,
        approved_by=_user("admin") if approved else None,
        approved_at=timezone.now() if approved else None,
    )
    BudgetLine.objects.create(
        budget=budget, category=ExpenseCategory.TRAINING, planned_tiyn=100_000
    )
    return budget


def _expense(unit: OrgUnit) -> Expense:
    return Expense.objects.create(
        unit=unit,
        spent_on=today(),
        category=ExpenseCategory.OTHER,
        amount_tiyn=100,
        document="ISOLATION",
    )


def _income(unit: OrgUnit) -> OtherIncome:
    return OtherIncome.objects.create(
        unit=unit, received_on=today(), amount_tiyn=100, document="ISOLATION"
    )


def _unit_of(person: Person) -> OrgUnit:
    membership = (
        Person.objects.select_related("current_membership__org_unit")
        .get(pk=person.pk)
        .current_membership
    )
    assert membership is not None
    return membership.org_unit


def _own(demo: Demo, kind: str) -> Any:
    """The chair's own object of `kind`; records of their own are made here."""
    made: dict[str, Callable[[], Any]] = {
        "person": lambda: demo.member,
        "unit": lambda: demo.primary,
        "user": lambda: demo.staff,
        "report": lambda: demo.report,
        "campaign": lambda: demo.campaign,
        "form": lambda: demo.campaign.form,
        "version": lambda: demo.draft,
        "run": lambda: IssueRun.objects.create(unit=demo.primary),
        "payroll": lambda: PayrollList.objects.create(unit=demo.primary, sha256="own"),
        "payment": lambda: record_cash(
            actor=None, person=demo.member, amount_tiyn=100, paid_on=today()
        ),
        "region": lambda: demo.district.parent,
        "exemption": lambda: _exemption(demo.member),
        "subscription": lambda: _subscription(demo.member),
        "budget": lambda: _budget(demo.primary, BudgetStatus.DRAFT),
        "approved_budget": lambda: _budget(demo.primary, BudgetStatus.APPROVED),
        "expense": lambda: _expense(demo.primary),
        "income": lambda: _income(demo.primary),
    }
    return made[kind]()


def _rows(model: Any) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


def _tally(model: Any, money: str = "amount_tiyn") -> dict[str, Any]:
    """A table too big to list: its rows and their money, which its writes move."""
    return model.objects.aggregate(rows=Count("pk"), tiyn=Sum(money))


def _state() -> dict[str, Any]:
    """Everything a request about a member, an organization, their dues or
    budgets could change."""
    return {
        "people": list(Person.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "units": list(OrgUnit.objects.order_by("pk").values()),
        "placements": list(OrgPlacement.objects.order_by("pk").values()),
        "org_events": OrgEvent.objects.count(),
        "employees": list(EmployeeCount.objects.order_by("pk").values()),
        "employers": Employer.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "reports": list(Report.objects.order_by("pk").values()),
        "report_values": list(ReportValue.objects.order_by("pk").values()),
        "report_events": ReportEvent.objects.count(),
        "cards": list(Card.objects.order_by("pk").values()),
        "member_numbers": MemberNumber.objects.count(),
        "card_runs": list(IssueRun.objects.order_by("pk").values()),
        "charges": list(Charge.objects.order_by("pk").values()),
        "payments": Payment.objects.count(),
        "payroll_lists": PayrollList.objects.count(),
        "dues_rules": _rows(DuesRule),
        "distribution_rules": _rows(DistributionRule),
        "exemptions": _rows(Exemption),
        "salaries": _tally(SalaryBase),
        "salary_lists": _rows(SalaryList),
        "level_transfers": _rows(LevelTransfer),
        "card_subscriptions": _rows(CardSubscription),
        "fee_schedules": _rows(CompanyFeeSchedule),
        "fee_tiers": _rows(CompanyFeeTier),
        "declarations": _rows(CompanyDeclaration),
        "company_charges": _rows(CompanyCharge),
        "company_payments": _rows(CompanyPayment),
        "reminders": _rows(ArrearsReminder),
        "ledger": _tally(LedgerEntry),
        "budgets": _rows(Budget),
        "budget_lines": _tally(BudgetLine, "planned_tiyn"),
        "expenses": _rows(Expense),
        "incomes": _rows(OtherIncome),
    }


@contextmanager
def _rolled_back() -> Iterator[None]:
    """Requests whose changes are undone: the in-scope control of each case."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- pages -------------------------------------------------------------------------


def _page_data(demo: Demo, target: Any, name: str = "") -> dict[str, Any]:
    """A POST body that every form of the staff pages would accept for `target`.

    Forms ignore the fields they do not have, so one body serves them all; the
    few fields whose meaning differs from page to page take the value of page
    `name` (`_page_fields`). For the chair's own objects nearly every change goes
    through with it (the control of each case), so a reachable target would be
    changed.
    """
    on = today().isoformat()
    month = month_of(today())
    data: dict[str, Any] = {
        "on": on,
        "confirm": "on",
        "reason": "own_wish",
        "category": "working",
        "join_method": "paper",
        "joined_on": on,
        "to_unit": demo.second_primary.code,
        "org_unit": demo.primary.code,
        "iin": valid_iin(dt.date(1990, 1, 2)),
        "last_name": "Захватова",
        "first_name": "Анна",
        "phone": "+7 701 000 00 01",
        "level": Level.PRIMARY,
        "code": "ISOLATION-1",
        "name_ru": "Захват",
        "name_kk": "Басып алу",
        "region_code": "35",
        "address": "—",
        "employees": "7",
        "employer_bin": _free_bin(),
        "employer_name_ru": "Захват",
        "employer_sector": "school",
        "parent_code": demo.district.code,
        "into": demo.second_primary.code,
        "comment": "Захват",
        # Dues: accrual, cash, card payments, exemptions, rules, transfers up.
        "month": f"{month:%Y-%m}",
        "amount": "10.00",
        "paid_on": on,
        "charge_day": "5",
        "language": "ru",
        "at_members_request": "on",
        "valid_from": f"{next_month(month):%Y-%m}",
        "pays_from": f"{month:%Y-%m}",
        "percent": "1.50",
        "student": "250.00",
        "pensioner": "350.00",
        "non_working": "100.00",
        "rounding": "tenge",
        "transferred_on": on,
        "order_number": "ISOLATION-1",
        "note": "Захват",
        # A salary (or payroll) list of one line, about the chair's own member.
        "file": SimpleUploadedFile(
            "list.csv",
            f"ИИН;Месяц;Сумма\n{demo.member.iin};{month:%Y-%m};150000\n".encode(),
            content_type="text/csv",
        ),
        # Budgets: the plan, an expense, an income, a reason to change it.
        "planned_dues": "1000.00",
        "planned_other_income": "100.00",
        **{f"line_{c.value}": "50.00" for c in ExpenseCategory},
        "spent_on": on,
        "received_on": on,
        "document": "ISOLATION-1",
        "description": "Захват",
        "reopen-reason": "Захват",
        "revise-reason": "Захват",
    }
    data.update(_page_fields(name))
    if name == "dues:statement" and isinstance(target, OrgUnit) and target.parent_id:
        data["to_unit"] = target.parent_id  # a transfer goes to a unit above
    if isinstance(target, Person):
        data.update(
            iin=target.iin,
            last_name=target.last_name,
            first_name=target.first_name,
            birth_date=target.birth_date.isoformat(),
            sex=target.sex,
        )
    if isinstance(target, OrgUnit):
        data["level"] = Level.GROUP if target.level == Level.PRIMARY else Level.PRIMARY
        if target.level != Level.PRIMARY:
            data["into"] = demo.district.code
    return data


def _page_fields(name: str) -> dict[str, Any]:
    """Fields whose meaning differs from page to page: their value on `name`."""
    fields: dict[str, dict[str, Any]] = {
        "dues:exemptions": {"reason": ExemptionReason.OTHER, "valid_to": ""},
        "dues:distribution": {
            "valid_from": (today() + dt.timedelta(days=1)).isoformat(),
            "primary": "50.00",
            "district": "20.00",
            "region": "20.00",
            "central": "10.00",
        },
        "dues:company-fees": {
            "form": "schedule",
            "valid_from": today().replace(month=1, day=1).isoformat(),
            "basis": "flat",
            "period": "year",
            "tiers": "0+: 150000",
            "percent": "",
        },
        "budget:expenses": {"category": ExpenseCategory.OTHER},
    }
    return fields.get(name, {})


def _free_bin() -> str:
    while True:
        bin_ = valid_bin()
        if not Employer.objects.filter(bin=bin_).exists():
            return bin_


def _refused_posts(view_class: Any) -> set[int]:
    """404; a view that takes no POST at all may answer 405 whatever the object."""
    return {404} if hasattr(view_class, "post") else {404, 405}


def _refused_gets(view_class: Any) -> set[int]:
    """404; a view that only takes a POST (approving, deleting) answers 405 to a
    GET whatever the object, so the GET tells nothing about it."""
    return {404} if hasattr(view_class, "get") else {405}


def _attackers(demo: Demo, name: str) -> list[User]:
    return [demo.chair, demo.auditor] if name.startswith("audit:") else [demo.chair]


def _control_user(demo: Demo, name: str) -> User:
    if name in CENTRE_PAGES:
        return _user("admin")
    if name in REGION_PAGES:
        return _user("chair.karaganda")
    return demo.auditor if name.startswith("audit:") else demo.chair


@pytest.fixture
def card_provider(settings: Any) -> Iterator[None]:
    """The payment provider's simulator, so that card payments can start."""
    running = start_simulator(settings, "http://127.0.0.1:9/none/", deliver=False)
    try:
        yield
    finally:
        running.stop()


@pytest.mark.parametrize(("name", "view_class"), PK_PAGES, ids=[n for n, _ in PK_PAGES])
def test_a_page_about_another_district_is_404(
    demo: Demo, name: str, view_class: Any, request: pytest.FixtureRequest
) -> None:
    """GET and POST of the page about each object outside the district: 404, like
    an id that exists nowhere, and no change; the chair's own object is reachable
    (and, on the dues and budget pages, changed by the same POST)."""
    if name in PROVIDER_PAGES:
        request.getfixturevalue("card_provider")
    kind = _pk_kind(name)
    assert kind is not None
    before = _state()
    missing_url = _page_url(name, demo.missing[kind])
    for user in _attackers(demo, name):
        client = _signed_in(user)
        not_found = client.get(missing_url)
        assert not_found.status_code in _refused_gets(view_class)
        for target in demo.outside[kind]:
            url = _page_url(name, target.pk)
            response = client.get(url)
            assert response.status_code in _refused_gets(view_class), (user, url)
            assert response.content == not_found.content, url
            answer = client.post(url, _page_data(demo, target, name))
            assert answer.status_code in _refused_posts(view_class), (user, url)
            assert answer.status_code == client.post(missing_url).status_code, url
    assert _state() == before
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED).exists()

    own = _own(demo, kind)
    client = _signed_in(_control_user(demo, name))
    url = _page_url(name, own.pk)
    with _rolled_back():
        assert client.get(url).status_code != 404, url
    if hasattr(view_class, "post"):
        with _rolled_back():
            unchanged = _state()
            answer = client.post(url, _page_data(demo, own, name))
            assert answer.status_code != 404, url
            if name.startswith(CHANGING_NAMESPACES):
                assert answer.status_code == 302, (url, answer.content)
                assert _state() != unchanged, url


QUERY_CASES = [
    (name, param, kind, methods)
    for name, params in QUERY_IDS.items()
    for param, kind, methods in params
]


def _query_url(name: str, param: str, pk: int) -> str:
    extra = "&format=csv" if name == "members:export" else ""
    return f"{reverse(name)}?{param}={pk}{extra}"


@pytest.mark.parametrize(
    ("name", "param", "kind", "methods"),
    QUERY_CASES,
    ids=[f"{name}?{param}" for name, param, _k, _m in QUERY_CASES],
)
def test_a_page_naming_another_districts_object_in_its_query_is_404(
    demo: Demo, name: str, param: str, kind: str, methods: tuple[str, ...]
) -> None:
    """?org=, ?person=, ?actor= naming something outside the district: 404."""
    before = _state()
    for user in _attackers(demo, name):
        client = _signed_in(user)
        not_found = client.get(_query_url(name, param, demo.missing[kind]))
        assert not_found.status_code == 404
        for target in demo.outside[kind]:
            url = _query_url(name, param, target.pk)
            if "GET" in methods:
                response = client.get(url)
                assert response.status_code == 404, (user, url)
                assert response.content == not_found.content, url
            if "POST" in methods:
                data = _page_data(demo, target, name)
                if isinstance(target, OrgUnit):
                    data["org_unit"] = target.code
                assert client.post(url, data).status_code == 404, (user, url)
    assert _state() == before

    with _rolled_back():
        client = _signed_in(_control_user(demo, name))
        own = demo.district if kind == "unit" and name != "members:admit" else None
        url = _query_url(name, param, (own or _own(demo, kind)).pk)
        assert client.get(url).status_code != 404, url


def test_lists_hold_the_district_only(demo: Demo) -> None:
    """The member lists count the district's members, not the union's; an IIN, a
    name or a code of another district finds nothing, on the pages and in the API."""
    client = _signed_in(demo.chair)
    members = (
        Person.objects.in_subtree(demo.district)
        .filter(current_membership__left_on__isnull=True)
        .count()
    )
    assert 0 < members < Person.objects.count()
    response = client.get(reverse("members:list"))
    assert response.context["page"].paginator.count == members
    assert _api_client(demo.chair).get(f"{API_PREFIX}/members").json()["count"] == (
        members
    )
    person = demo.outside["person"][0]
    for text in (person.iin, person.last_name):
        response = client.get(reverse("members:list"), {"q": text, "status": "all"})
        assert response.status_code == 200
        assert person.pk not in [
            p.pk for p, _age, _membership in response.context["rows"]
        ]
    unit = demo.outside["unit"][1]
    for text in (unit.code, unit.name_ru):
        response = client.get(reverse("orgs:tree"), {"q": text})
        assert unit.pk not in [row.unit.pk for row in response.context["rows"]]
    caller = _api_client(demo.chair)
    found = caller.get(f"{API_PREFIX}/members", {"q": person.iin, "status": "all"})
    assert found.json()["count"] == 0
    assert caller.get(f"{API_PREFIX}/orgs", {"q": unit.code}).json()["count"] == 0
    listed = caller.get(
        f"{API_PREFIX}/reports/campaigns/{demo.campaign.pk}/reports", {"limit": 500}
    ).json()
    own_units = set(
        OrgUnit.objects.in_subtree(demo.district).values_list("pk", flat=True)
    )
    assert 0 < listed["count"] < Report.objects.filter(campaign=demo.campaign).count()
    assert {r["unit"]["id"] for r in listed["items"]} <= own_units


def test_a_form_naming_another_districts_unit_refuses_it_as_unknown(
    demo: Demo,
) -> None:
    """A code typed into a form (admission, transfer, merge, move) that names a unit
    outside the district gets the answer of a code that exists nowhere."""
    client = _signed_in(demo.chair)
    member, primary = demo.member, demo.primary
    other = demo.outside["unit"][1]
    forms: list[tuple[str, str, Callable[[str], dict[str, Any]]]] = [
        (
            reverse("members:admit"),
            "org_unit",
            lambda code: {**_page_data(demo, None), "org_unit": code},
        ),
        (
            reverse("members:transfer", kwargs={"pk": member.pk}),
            "to_unit",
            lambda code: {"to_unit": code, "on": today().isoformat()},
        ),
        (
            reverse("orgs:merge", kwargs={"pk": primary.pk}),
            "into",
            lambda code: {"into": code, "on": today().isoformat()},
        ),
        (
            reverse("orgs:move", kwargs={"pk": primary.pk}),
            "parent_code",
            lambda code: {"parent_code": code, "on": today().isoformat()},
        ),
    ]
    before = _state()
    for url, field_name, data in forms:
        code = (
            other.code if field_name != "parent_code" else demo.outside["unit"][0].code
        )
        refused = client.post(url, data(code))
        unknown = client.post(url, data("NO-SUCH-CODE"))
        assert refused.status_code == unknown.status_code == 200, url
        errors = refused.context["form"].errors
        assert field_name in errors, (url, errors)
        assert str(errors[field_name]).replace(code, "CODE") == str(
            unknown.context["form"].errors[field_name]
        ).replace("NO-SUCH-CODE", "CODE"), url
    assert _state() == before


# --- the API -------------------------------------------------------------------------


def _api_client(user: User) -> Client:
    _row, token = issue_token(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def _api_values(demo: Demo, op: Operation) -> dict[str, Any]:
    """A value for every field of the API's bodies but the ids, valid for each."""
    on = today().isoformat()
    # A card is revoked for its own reasons, not a membership's.
    reason = "lost" if op.path.startswith(f"{API_PREFIX}/cards/") else "own_wish"
    return {
        "on": on,
        "counted_on": on,
        "opened_on": on,
        "joined_on": on,
        "reason": reason,
        "employees": 7,
        "category": "working",
        "join_method": "paper",
        "iin": valid_iin(dt.date(1991, 2, 3)),
        "last_name": "Захватов",
        "first_name": "Иван",
        "phone": "+7 701 000 00 02",
        "level": "primary",
        "code": "ISOLATION-2",
        "name_ru": "Захват",
        "name_kk": "Басып алу",
        "employer_bin": _free_bin(),
        "employer_name_ru": "Захват",
        "employer_sector": "school",
        "comment": "Захват",
        # Dues: cash paid, a month read or accrued.
        "amount": "10.00",
        "paid_on": on,
        "month": f"{month_of(today()):%Y-%m}",
    }


def _own_ids(demo: Demo, target: Any) -> dict[str, int]:
    """Ids in a body next to a path id: the chair's own units, so that the change
    would succeed if the object of the path were reachable."""
    into = demo.second_primary
    if isinstance(target, OrgUnit) and target.level != Level.PRIMARY:
        into = demo.district
    return {
        "to_unit": demo.second_primary.pk,
        "into": into.pk,
        "parent": demo.district.pk,
        "org_unit": demo.second_primary.pk,
        "org": demo.district.pk,
    }


def _request(
    caller: Client,
    op: Operation,
    *,
    path_id: int | None,
    ids: dict[str, int],
    values: dict[str, Any],
) -> Any:
    path = op.path.replace("{id}", str(path_id)) if path_id is not None else op.path
    path = path.replace("{month}", values["month"])
    query = {name: ids[name] for name in op.query_ids}
    body: dict[str, Any] = {}
    if op.body is not None:
        required = set(op.body.get("required", []))
        for name, prop in op.body.get("properties", {}).items():
            if _is_id(prop):
                body[name] = ids[name]
            elif name in values:
                body[name] = values[name]
            else:
                assert name not in required, f"{op.label}: give a value for {name}"
    if op.method == "GET":
        return caller.get(path, query)
    url = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return caller.generic(
        op.method, url, json.dumps(body), content_type="application/json"
    )


@pytest.mark.parametrize("op", ID_OPERATIONS, ids=[op.label for op in ID_OPERATIONS])
def test_an_api_operation_about_another_district_is_404(
    demo: Demo, op: Operation
) -> None:
    """Each object outside the district, in the path or (without one) in the query
    or body: 404 with the body of an unknown id, and no change; the chair's own
    object is not a 404."""
    caller = _api_client(demo.chair)
    values = _api_values(demo, op)
    kind = next(
        (k for prefix, k in API_KIND_BY_PREFIX.items() if op.path.startswith(prefix)),
        "unit",
    )
    before = _state()
    if op.path_id:
        missing = _request(
            caller,
            op,
            path_id=demo.missing[kind],
            ids=_own_ids(demo, None),
            values=values,
        )
        for target in demo.outside[kind]:
            response = _request(
                caller, op, path_id=target.pk, ids=_own_ids(demo, target), values=values
            )
            assert response.status_code == 404, (op.label, target, response.content)
            assert response.json() == missing.json()
    else:
        names = {*op.query_ids, *_body_ids(op)}
        missing = _request(
            caller,
            op,
            path_id=None,
            ids=dict.fromkeys(names, demo.missing["unit"]),
            values=values,
        )
        for unit in demo.outside["unit"]:
            response = _request(
                caller,
                op,
                path_id=None,
                ids=dict.fromkeys(names, unit.pk),
                values=values,
            )
            assert response.status_code == 404, (op.label, unit, response.content)
            assert response.json() == missing.json()
    assert missing.status_code == 404, missing.content
    assert _state() == before
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED).exists()

    with _rolled_back():
        own = _own(demo, kind)
        if op.label in CENTRE_OPERATIONS:
            assert (
                _request(
                    caller, op, path_id=own.pk, ids=_own_ids(demo, own), values=values
                ).status_code
                == 404
            )
            caller = _api_client(_user("admin"))
        if op.path_id:
            response = _request(
                caller, op, path_id=own.pk, ids=_own_ids(demo, own), values=values
            )
        else:
            ids = {**_own_ids(demo, None), "org_unit": demo.primary.pk}
            response = _request(caller, op, path_id=None, ids=ids, values=values)
        assert response.status_code != 404, (op.label, response.content)
        if op.path.startswith(SUCCEEDING_API_PREFIXES):
            assert 200 <= response.status_code < 300, (op.label, response.content)


def _body_ids(op: Operation) -> list[str]:
    return [
        name
        for name, prop in (op.body or {}).get("properties", {}).items()
        if _is_id(prop)
    ]


# --- the audit trail -----------------------------------------------------------------


def test_the_district_auditor_reads_no_event_of_another_district(demo: Demo) -> None:
    """Events about people outside the district stay out of its auditor's trail."""
    outsider = demo.outside["person"][0]
    AuditEvent.objects.create(
        actor=_user("chair.other-district"),
        action=AuditAction.PERSON_VIEWED,
        object_type="person",
        object_id=outsider.pk,
        person_id=outsider.pk,
    )
    response = _signed_in(demo.auditor).get(reverse("audit:events"))
    assert response.status_code == 200
    assert all(row.event.person_id != outsider.pk for row in response.context["rows"])
    assert outsider.last_name not in response.content.decode()


def test_records_of_the_district_name_nothing_outside_it(demo: Demo) -> None:
    """A member who came from another district: their page and their API record
    show that past without the name or code of the organization it was in."""
    came_from = (
        OrgUnit.objects.filter(
            level=Level.PRIMARY, region_code=demo.district.region_code
        )
        .exclude(pk__in=OrgUnit.objects.in_subtree(demo.district))
        .exclude(pk__in=[u.pk for u in demo.outside["unit"]])
        .filter(memberships__left_on__isnull=True)
        .first()
    ) or demo.outside["unit"][1]
    samples = [p.pk for p in demo.outside["person"]]
    membership = (
        Membership.objects.filter(org_unit=came_from, left_on__isnull=True)
        .exclude(person_id__in=samples)
        .first()
    )
    assert membership is not None
    transfer_membership(
        actor=_user("admin"), membership=membership, to_unit=demo.primary, on=today()
    )
    page = _signed_in(demo.chair).get(
        reverse("members:detail", kwargs={"pk": membership.person_id})
    )
    record = _api_client(demo.chair).get(f"{API_PREFIX}/members/{membership.person_id}")
    assert page.status_code == record.status_code == 200
    for text in (page.content.decode(), json.dumps(record.json(), ensure_ascii=False)):
        assert demo.primary.name_ru in text
        assert came_from.name_ru not in text
        assert f'"{came_from.code}"' not in text and f">{came_from.code}<" not in text
