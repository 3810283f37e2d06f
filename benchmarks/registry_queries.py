"""Registry queries at scale: IIN lookup, a region's member list, a region's page.

    .venv/bin/python benchmarks/registry_queries.py [--members N] [--orgs N] [--reuse]

Runs on the PostgreSQL of DATABASE_URL (default: the local kq_bench database),
migrates it, builds the demo union at the given scale with the demo builder (COPY),
then measures each figure through the product's selectors and views and, beside
it, a bare figure measured in the same run (raw SQL through the psycopg cursor)
and their ratio, as /work/shared/BASELINES.md asks. A second, smaller run on
SQLite follows (subtree query and the rest), in a child process.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DESCRIPTION = "Registry queries at scale: IIN lookup, a region's member list and page."
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/kq_bench"
SQLITE_DATABASE = f"sqlite:///{ROOT / 'var' / 'bench-registry.sqlite3'}"

# Targets of issue 2, in milliseconds.
TARGET_IIN_P99 = 20.0
TARGET_LIST = 150.0
TARGET_REGION_PAGE = 300.0


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DEBUG"] = "0"  # no query log, as in production
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# Measuring


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], Any], runs: int, *, warm: int = 3) -> list[float]:
    """Milliseconds of each of `runs` calls, after `warm` unmeasured ones."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def timed_each(fn: Callable[[Any], Any], args: Sequence[Any]) -> list[float]:
    for arg in args[:3]:
        fn(arg)
    times = []
    for arg in args:
        started = time.perf_counter()
        fn(arg)
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(
    name: str,
    product: list[float],
    bare: list[float],
    *,
    stat: str = "p99",
    target: float | None = None,
) -> dict[str, float]:
    p50, p99 = percentile(product, 50), percentile(product, 99)
    b50, b99 = percentile(bare, 50), percentile(bare, 99)
    figure, bare_figure = (p99, b99) if stat == "p99" else (p50, b50)
    verdict = ""
    if target is not None:
        verdict = "  OK" if figure < target else "  MISSED"
        verdict += f" (target {stat} < {target:g} ms)"
    print(
        f"  {name}\n"
        f"    product p50 {p50:8.2f} ms  p99 {p99:8.2f} ms   ({len(product)} runs)\n"
        f"    bare    p50 {b50:8.2f} ms  p99 {b99:8.2f} ms   "
        f"ratio {stat} {figure / bare_figure if bare_figure else 0:5.1f}x{verdict}"
    )
    return {"p50": p50, "p99": p99, "bare_p50": b50, "bare_p99": b99}


# Data


def primaries_for(orgs: int) -> int:
    """How many primary organizations make a tree of about `orgs` units."""
    import datetime as dt

    from kasipodaq.registry.demo.tree import plan_tree

    on = dt.date(2026, 9, 1)
    small = len(plan_tree(rng=random.Random(1), primaries=4000, on=on).units)
    large = len(plan_tree(rng=random.Random(1), primaries=8000, on=on).units)
    per_primary = (large - small) / 4000
    return max(60, round(4000 + (orgs - small) / per_primary))


def ensure_data(members: int, orgs: int, *, reuse: bool) -> None:
    from django.core.management import call_command

    from kasipodaq.accounts.models import User
    from kasipodaq.orgtree.models import OrgUnit
    from kasipodaq.registry.demo.builder import DemoSpec, build_demo
    from kasipodaq.registry.models import Membership

    call_command("migrate", verbosity=0)
    if reuse:
        units = OrgUnit.objects.count()
        active = Membership.objects.filter(left_on__isnull=True).count()
        admin = User.objects.filter(username="admin").exists()
        if units >= 0.95 * orgs and active >= 0.95 * members and admin:
            print(f"reusing {units:,} organizations and {active:,} members")
            return
        print(f"--reuse: found {units:,} organizations, {active:,} members; rebuilding")
    spec = DemoSpec(members=members, primaries=primaries_for(orgs))
    print(f"building {members:,} members in about {orgs:,} organizations")
    result = build_demo(spec, reset=True, progress=lambda line: print("  " + line))
    print(
        f"built {result.units:,} organizations, {result.people:,} people, "
        f"{result.memberships:,} memberships in {result.seconds:.1f} s"
    )


# Benchmarks


def raw_cursor() -> Any:
    """The driver's own cursor (psycopg or sqlite3), under Django's wrapper."""
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.cursor()


def placeholder() -> str:
    from django.db import connection

    return "%s" if connection.vendor == "postgresql" else "?"


def bench_iin(admin: Any, lookups: int) -> None:
    from kasipodaq.access.policy import forget_grants
    from kasipodaq.registry.models import Person
    from kasipodaq.registry.selectors import MemberFilter, list_members

    ids = list(Person.objects.order_by("?").values_list("iin", flat=True)[:lookups])

    def product(iin: str) -> None:
        forget_grants(admin)  # grants are read once per request
        found = list(list_members(admin, MemberFilter(text=iin, status="all"))[:50])
        assert len(found) == 1

    cursor, p = raw_cursor(), placeholder()

    def bare(iin: str) -> None:
        cursor.execute(
            f"SELECT id, last_name FROM registry_person WHERE iin = {p}", (iin,)
        )
        cursor.fetchall()

    print("Member lookup by IIN, as a central administrator (list_members, text=IIN)")
    report(
        "selector",
        timed_each(product, ids),
        timed_each(bare, ids),
        target=TARGET_IIN_P99,
    )
    client = signed_in_client(admin)
    if client is not None:
        from django.urls import reverse

        url = reverse("members:list")

        def view(iin: str) -> None:
            response = client.get(url, {"q": iin, "status": "all"})
            assert response.status_code == 200

        sample = ids[: max(50, lookups // 5)]
        report(
            "view members:list?q=IIN",
            timed_each(view, sample),
            timed_each(bare, sample),
        )


def signed_in_client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def count_queries(fn: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def membership_join_sql(p: str) -> str:
    return (
        "FROM registry_membership m JOIN orgtree_orgunit u ON u.id = m.org_unit_id "
        f"WHERE u.path >= {p} AND u.path < {p} AND m.left_on IS NULL"
    )


def region_join_sql(p: str) -> str:
    return (
        "FROM registry_person pe "
        "JOIN registry_membership m ON m.id = pe.current_membership_id "
        "JOIN orgtree_orgunit u ON u.id = m.org_unit_id "
        f"WHERE u.path >= {p} AND u.path < {p} AND m.left_on IS NULL"
    )


def bench_region_list(admin: Any, region: Any, runs: int) -> None:
    from django.core.paginator import Paginator
    from django.urls import NoReverseMatch, reverse

    from kasipodaq.access.policy import forget_grants
    from kasipodaq.orgtree.paths import upper_bound
    from kasipodaq.registry.selectors import MemberFilter, count_members, list_members

    flt = MemberFilter(unit=region)

    def selector() -> None:
        """What the view does: the page of people, counted on memberships."""
        forget_grants(admin)
        paginator = Paginator(list_members(admin, flt), 50)
        paginator.count = count_members(admin, flt)
        page = paginator.page(1)
        assert len(list(page.object_list)) == 50
        assert page.paginator.count > 0

    cursor, p = raw_cursor(), placeholder()
    bounds = (region.path, upper_bound(region.path))
    join = region_join_sql(p)

    def bare() -> None:
        cursor.execute(f"SELECT count(*) {membership_join_sql(p)}", bounds)
        cursor.fetchall()
        cursor.execute(
            f"SELECT pe.* {join} ORDER BY pe.last_name, pe.first_name, pe.id LIMIT 50",
            bounds,
        )
        cursor.fetchall()

    bare_times = timed(bare, runs)
    count = count_members(admin, flt)
    print(
        f"50-row member list of one region: {region.name_ru} "
        f"({count:,} members), first page with its count"
    )
    report("selector + Paginator", timed(selector, runs), bare_times, stat="p50")
    try:
        url = reverse("members:list")
    except NoReverseMatch:
        print("    (no members:list view yet: measured through the selector only)")
        return
    client = signed_in_client(admin)

    def view() -> None:
        response = client.get(url, {"org": region.pk})
        assert response.status_code == 200, response.status_code

    report(
        f"view members:list?org=REGION (server time, test client, "
        f"{count_queries(view)} SQL queries)",
        timed(view, runs),
        bare_times,
        stat="p50",
        target=TARGET_LIST,
    )


def bench_region_page(admin: Any, region: Any, runs: int) -> None:
    from django.urls import NoReverseMatch, reverse

    from kasipodaq.core.dates import today
    from kasipodaq.orgtree.paths import upper_bound
    from kasipodaq.registry.selectors import compute_unit_figures

    def figures() -> None:
        compute_unit_figures(region)

    cursor, p = raw_cursor(), placeholder()
    on = today().isoformat()
    bounds = (region.path, upper_bound(region.path), on, on)
    join = (
        "FROM registry_membership m JOIN orgtree_orgunit u ON u.id = m.org_unit_id "
        f"WHERE u.path >= {p} AND u.path < {p} AND m.joined_on <= {p} "
        f"AND (m.left_on IS NULL OR m.left_on > {p})"
    )

    def bare() -> None:
        cursor.execute(f"SELECT count(*) {join}", bounds)
        cursor.fetchall()

    bare_times = timed(bare, runs)
    members = compute_unit_figures(region).members
    print(f"Page of a region: {region.name_ru} ({members:,} members)")
    report(
        "compute_unit_figures (totals and per-child counts)",
        timed(figures, runs),
        bare_times,
        stat="p50",
    )
    try:
        url = reverse("orgs:detail", args=[region.pk])
    except NoReverseMatch:
        print("    (no orgs:detail view yet: measured through the selectors only)")
        return
    client = signed_in_client(admin)

    def view() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    report(
        f"view orgs:detail (server time, test client, "
        f"{count_queries(view)} SQL queries)",
        timed(view, runs),
        bare_times,
        stat="p50",
        target=TARGET_REGION_PAGE,
    )


def bench_subtree(root: Any, runs: int) -> None:
    from kasipodaq.orgtree.models import OrgUnit
    from kasipodaq.orgtree.paths import upper_bound

    def product() -> None:
        OrgUnit.objects.in_subtree(root).count()

    cursor, p = raw_cursor(), placeholder()
    bounds = (root.path, upper_bound(root.path))

    def bare() -> None:
        cursor.execute(
            f"SELECT count(*) FROM orgtree_orgunit WHERE path >= {p} AND path < {p}",
            bounds,
        )
        cursor.fetchall()

    total = OrgUnit.objects.count()
    size = OrgUnit.objects.in_subtree(root).count()
    print(f"Subtree of {root.name_ru[:60]}: {size:,} of {total:,} organizations")
    report(
        "OrgUnit.objects.in_subtree(unit).count()",
        timed(product, runs),
        timed(bare, runs),
    )


def run_benchmarks(args: argparse.Namespace) -> None:
    from django.db import connection

    from kasipodaq.accounts.models import User
    from kasipodaq.orgtree.models import Level, OrgUnit
    from kasipodaq.registry.models import Membership

    vendor = connection.vendor
    print(f"\n== {vendor}: {connection.settings_dict['NAME']}")
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            if args.random_page_cost:
                cursor.execute("SET random_page_cost = %s", [args.random_page_cost])
            cursor.execute("SHOW random_page_cost")
            print(f"random_page_cost = {cursor.fetchone()[0]}")
    admin = User.objects.get(username="admin")
    # The region with the most members: Turkistan's, about a quarter of them.
    regions = OrgUnit.objects.filter(level=Level.REGION, status="active")
    counts = {
        region: Membership.objects.in_subtree(region).current().count()
        for region in regions
    }
    largest = max(counts, key=lambda r: counts[r])
    typical = sorted(counts, key=lambda r: counts[r])[len(counts) // 2]
    bench_iin(admin, args.lookups)
    print()
    bench_region_list(admin, largest, args.runs)
    bench_region_list(admin, typical, args.runs)
    print()
    bench_region_page(admin, largest, args.runs)
    print()
    bench_subtree(largest, args.runs * 4)
    bench_subtree(OrgUnit.objects.get(parent=None), args.runs * 4)


def peak_mib() -> float:
    """This process's peak resident memory.

    VmHWM is per process image; ru_maxrss (the fallback) is inherited across
    exec on Linux, so a child started by a large parent would report the parent's.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def connection_vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def main() -> None:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=60_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data when it is already there"
    )
    parser.add_argument("--lookups", type=int, default=1000, help="IIN lookups")
    parser.add_argument("--runs", type=int, default=50, help="runs of each page")
    parser.add_argument(
        "--sqlite-members",
        type=int,
        default=200_000,
        help="members of the SQLite run (0 skips it)",
    )
    parser.add_argument(
        "--random-page-cost",
        type=float,
        default=0,
        help="PostgreSQL planner setting for this session (1.1 suits SSDs)",
    )
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    started = time.perf_counter()
    database = args.database or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    _setup_django(database)
    ensure_data(args.members, args.orgs, reuse=args.reuse)
    run_benchmarks(args)
    print(
        f"\n{connection_vendor()} run: {time.perf_counter() - started:.1f} s "
        f"(data and measurements), peak memory {peak_mib():,.0f} MiB"
    )

    if not args.database and args.sqlite_members:
        (ROOT / "var").mkdir(exist_ok=True)
        command = [
            sys.executable,
            __file__,
            "--database",
            SQLITE_DATABASE,
            "--members",
            str(args.sqlite_members),
            "--orgs",
            str(args.orgs),
            "--lookups",
            str(args.lookups),
            "--runs",
            str(args.runs),
            *(["--reuse"] if args.reuse else []),
        ]
        subprocess.run(command, check=True)  # noqa: S603 - our own script
        print(f"total time of both runs: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
