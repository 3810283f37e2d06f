"""The monthly dues accrual of the whole union: a charge for every member.

    .venv/bin/python benchmarks/dues_accrual.py [--members N] [--orgs N] [--reuse]
        [--month YYYY-MM] [--bare-runs N] [--timeout S] [--set NAME=VALUE]

Builds the demo union at the given scale (default 1,000,000 members in about
60,000 organizations) in the PostgreSQL database of DATABASE_URL (default: the
local kq_bench_dues database; it is wiped) with the builder of
registry_queries.py, without the cards the builder would issue at its end. Then
it lays down what dues need, each in one set-based statement: a salary for nine
working members in ten (a third of them with an older one too, some with one
from after the month), dues rules (the union's default, three regions' own, one
starting after the month) and exemptions for one member in fifty (half of them
over before the month). Then, each in a child process, so that the peak memory
printed is the run's own, it times ``accrue_month`` for the whole union:

1. the first run of the month: every charge created;
2. the same month again, nothing changed: no row should change;
3. after a correction: a new salary from the month itself for about 1 % of the
   members with one; the charges of those not exempt are updated.

Beside the first run, the bare figure of the same run: one hand-written
``INSERT … SELECT`` of a charge per member of the month (their latest membership
overlapping it, their latest salary, 1 % rounded half up in tiyn) into an
unlogged copy of ``dues_charge`` (its indexes, no foreign keys), through the
driver; and the ratio product/bare. Target: under 30 s for a million members.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry_queries  # the builder of the registry benchmark

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/kq_bench_dues"
DEFAULT_MONTH = "2026-09"  # the demo's reference month
TARGET_SECONDS = 30.0  # for a million members
BARE_TABLE = "bench_bare_charge"

# Salaries from these months: the one most members have, an older one for a third
# of them, and one for one in twenty that starts after the benchmark's month.
SALARY_MAIN = dt.date(2026, 1, 1)
SALARY_OLDER = dt.date(2025, 7, 1)
SALARY_LATER = dt.date(2026, 11, 1)

SALARIES_SQL = """
INSERT INTO dues_salarybase (person_id, valid_from, amount_tiyn, created_at)
SELECT m.person_id, v.valid_from,
    -- 150,000 to 900,000 tenge and any tiyn, from the person's id
    15000000 + (m.person_id * 7919 + v.shift) %% 75000001,
    %(now)s
FROM registry_membership m
CROSS JOIN (VALUES (%(main)s::date, 0), (%(older)s::date, 104729),
    (%(later)s::date, 1299709)) v (valid_from, shift)
WHERE m.left_on IS NULL AND m.category = 'working' AND m.person_id %% 10 <> 0
    AND (v.valid_from = %(main)s
        OR (v.valid_from = %(older)s AND m.person_id %% 3 = 0)
        OR (v.valid_from = %(later)s AND m.person_id %% 20 = 1))
"""

EXEMPTIONS_SQL = """
INSERT INTO dues_exemption (person_id, reason, valid_from, valid_to, note,
    created_at)
SELECT m.person_id,
    CASE WHEN m.person_id %% 3 = 0 THEN 'parental_leave' ELSE 'illness' END,
    %(since)s,
    -- half of them over before the month: those still pay
    CASE WHEN m.person_id %% 100 < 50 THEN NULL ELSE %(month)s END,
    '', %(now)s
FROM registry_membership m
WHERE m.left_on IS NULL AND m.person_id %% 50 = 7
"""

# The correction: a new salary from the month itself (5 % more) for about 1 % of
# the members who have one.
CORRECTION_SQL = """
INSERT INTO dues_salarybase (person_id, valid_from, amount_tiyn, created_at)
SELECT s.person_id, %(month)s, s.amount_tiyn * 105 / 100, %(now)s
FROM dues_salarybase s
WHERE s.valid_from = %(main)s AND s.person_id %% 100 = 42
"""

# What the correction should update: the corrected who are charged, not exempt.
EXPECTED_UPDATES_SQL = """
SELECT COUNT(*) FROM dues_charge c
JOIN dues_salarybase s ON s.person_id = c.person_id AND s.valid_from = c.month
WHERE c.month = %(month)s AND NOT c.exempt
"""

BARE_SQL = f"""
INSERT INTO {BARE_TABLE} (person_id, month, org_unit_id, category, base_tiyn,
    amount_tiyn, exempt, rule_id, updated_at)
SELECT m.person_id, %(month)s, m.org_unit_id, m.category, s.amount_tiyn,
    COALESCE((s.amount_tiyn * 100 + 5000) / 10000, 0), false, NULL, %(now)s
FROM (
    SELECT DISTINCT ON (person_id) person_id, org_unit_id, category
    FROM registry_membership
    WHERE joined_on < %(next)s AND (left_on IS NULL OR left_on > %(month)s)
    ORDER BY person_id, joined_on DESC, id DESC
) m
LEFT JOIN (
    SELECT DISTINCT ON (person_id) person_id, amount_tiyn
    FROM dues_salarybase
    WHERE valid_from < %(next)s
    ORDER BY person_id, valid_from DESC
) s ON s.person_id = m.person_id
"""

# The bare charges that must equal the product's: working members of units under
# the union's default rule, not exempt.
BARE_CHECK_SQL = f"""
SELECT COUNT(*), COUNT(*) FILTER (WHERE b.amount_tiyn <> c.amount_tiyn)
FROM {BARE_TABLE} b
JOIN dues_charge c ON c.person_id = b.person_id AND c.month = b.month
JOIN dues_duesrule r ON r.id = c.rule_id
JOIN orgtree_orgunit u ON u.id = r.unit_id
WHERE c.category = 'working' AND NOT c.exempt AND u.parent_id IS NULL
"""


def parse_month(text: str) -> dt.date:
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def params_for(month: dt.date) -> dict[str, Any]:
    from django.utils import timezone

    from kasipodaq.dues.months import next_month

    return {
        "month": month,
        "next": next_month(month),
        "now": timezone.now(),
        "main": SALARY_MAIN,
        "older": SALARY_OLDER,
        "later": SALARY_LATER,
        "since": dt.date(month.year - 1, month.month, 1),
    }


# Setting up


def ensure_union(members: int, orgs: int, *, reuse: bool) -> None:
    """The registry of registry_queries.py, without the cards and the dues the
    demo adds at its end: issuing a million cards is card_checks.py's business,
    and the dues are laid down here."""
    from kasipodaq.registry.signals import demo_built

    demo_built.disconnect(dispatch_uid="cards.demo_built")
    demo_built.disconnect(dispatch_uid="dues.demo_built")
    registry_queries.ensure_data(members, orgs, reuse=reuse)


def lay_down_dues(month: dt.date) -> dict[str, int]:
    """Salaries, rules and exemptions, in place of any there were; no charges."""
    from django.db import connection, transaction

    from kasipodaq.dues.models import DuesRule, Rounding
    from kasipodaq.orgtree.models import Level, OrgUnit

    params = params_for(month)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE dues_charge, dues_salarybase, dues_exemption, dues_duesrule "
            "RESTART IDENTITY"
        )
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        cursor.execute(SALARIES_SQL, params)
        salaries = cursor.rowcount
        cursor.execute(EXEMPTIONS_SQL, params)
        exemptions = cursor.rowcount
        root = OrgUnit.objects.get(parent=None)
        regions = list(OrgUnit.objects.filter(level=Level.REGION).order_by("path")[:4])
        since = dt.date(2024, 1, 1)
        rules = [
            DuesRule(
                unit=root,
                valid_from=since,
                percent_bp=100,
                student_tiyn=200_00,
                pensioner_tiyn=300_00,
            ),
            # One region asks 1.5 % in whole tenge, another 0.8 % and more of
            # pensioners; a third has fixed amounts only, and a fourth a rule
            # that starts after the month (not in force yet).
            DuesRule(
                unit=regions[0],
                valid_from=since,
                percent_bp=150,
                student_tiyn=150_00,
                pensioner_tiyn=250_00,
                rounding=Rounding.TENGE,
            ),
            DuesRule(
                unit=regions[1],
                valid_from=dt.date(2025, 1, 1),
                percent_bp=80,
                student_tiyn=100_00,
                pensioner_tiyn=500_00,
                non_working_tiyn=50_00,
            ),
            DuesRule(
                unit=regions[2],
                valid_from=since,
                percent_bp=100,
                student_tiyn=0,
                pensioner_tiyn=0,
            ),
            DuesRule(
                unit=regions[3],
                valid_from=params["next"],
                percent_bp=200,
                rounding=Rounding.TENGE,
            ),
        ]
        DuesRule.objects.bulk_create(rules)
    # dues_charge is left as a new table is: empty and never analyzed.
    vacuum("dues_salarybase", "dues_exemption", "dues_duesrule")
    return {"salaries": salaries, "exemptions": exemptions, "rules": len(rules)}


def vacuum(*tables: str) -> None:
    """What autovacuum does soon after a large write: statistics for the planner
    and the visibility map."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE " + ", ".join(tables))


def correct_salaries(month: dt.date) -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CORRECTION_SQL, params_for(month))
        return int(cursor.rowcount)


def expected_updates(month: dt.date) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(EXPECTED_UPDATES_SQL, {"month": month})
        return int(cursor.fetchone()[0])


# Measuring, in the child process


@contextmanager
def statement_times(into: list[list[Any]]) -> Iterator[None]:
    """[first words, seconds, error or ""] of every SQL statement the product
    sends, in order."""
    from django.db import connection

    def wrapper(
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: Mapping[str, Any],
    ) -> Any:
        started = time.perf_counter()
        error = ""
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            error = str(exc).splitlines()[0]
            raise
        finally:
            seconds = time.perf_counter() - started
            into.append([" ".join(sql.split())[:64], seconds, error])

    with connection.execute_wrapper(wrapper):
        yield


def measure_run(month: dt.date) -> dict[str, Any]:
    from django.db import DatabaseError

    from kasipodaq.dues.services.accrual import accrue_month
    from kasipodaq.orgtree.models import OrgUnit

    root = OrgUnit.objects.get(parent=None)
    before = registry_queries.peak_mib()
    statements: list[list[Any]] = []
    started = time.perf_counter()
    try:
        with statement_times(statements):
            accrued = accrue_month(actor=None, month=month, unit=root)
    except DatabaseError:
        # The first error is the cause: the service's clean-up in the aborted
        # transaction fails after it.
        failed = next(s for s in statements if s[2])
        return {
            "failed": failed,
            "seconds": time.perf_counter() - started,
            "statements": statements[: statements.index(failed) + 1],
            "peak_before_mib": before,
            "peak_mib": registry_queries.peak_mib(),
        }
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        **asdict(accrued),
        "peak_before_mib": before,
        "peak_mib": registry_queries.peak_mib(),
        "statements": statements,
    }


def measure_bare(month: dt.date, runs: int) -> dict[str, Any]:
    """The bare INSERT … SELECT, the best of `runs`, and how it agrees with the
    product's charges."""
    from django.db import connection

    cursor = registry_queries.raw_cursor()
    params = params_for(month)
    cursor.execute(
        f"CREATE UNLOGGED TABLE IF NOT EXISTS {BARE_TABLE} "
        "(LIKE dues_charge INCLUDING ALL)"
    )
    connection.connection.commit()
    seconds, rows = [], 0
    for _ in range(runs):
        cursor.execute(f"TRUNCATE {BARE_TABLE}")
        connection.connection.commit()
        started = time.perf_counter()
        cursor.execute(BARE_SQL, params)
        rows = cursor.rowcount
        connection.connection.commit()
        seconds.append(time.perf_counter() - started)
    cursor.execute(BARE_CHECK_SQL)
    compared, differing = cursor.fetchone()
    cursor.execute(f"DROP TABLE {BARE_TABLE}")
    connection.connection.commit()
    return {
        "seconds": min(seconds),
        "all_seconds": seconds,
        "rows": rows,
        "compared": compared,
        "differing": differing,
    }


def child(args: argparse.Namespace) -> None:
    registry_queries._setup_django(args.database)
    from django.db import connection

    with connection.cursor() as cursor:
        # A run past its time is cancelled on the server too (and rolled back).
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false)",
            [str(round(args.timeout * 1000))],
        )
        for setting in args.set:
            name, _equals, value = setting.partition("=")
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    month = parse_month(args.month)
    if args.child == "bare":
        print(json.dumps(measure_bare(month, args.bare_runs)))
    else:
        print(json.dumps(measure_run(month)))


def run_child(args: argparse.Namespace, what: str) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        f"--child={what}",
        f"--database={args.database}",
        f"--month={args.month}",
        f"--bare-runs={args.bare_runs}",
        f"--timeout={args.timeout}",
        *(f"--set={setting}" for setting in args.set),
    ]
    return run_script(command, what, args.timeout)


def run_script(command: list[str], what: str, timeout: float) -> dict[str, Any]:
    """Run a child of a benchmark; the JSON its last line of output holds."""
    try:
        done = subprocess.run(  # noqa: S603 (our own script)
            command,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout + 60,
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(
            f"the {what} run did not finish in {timeout:g} s; stopped"
        ) from None
    if done.returncode:
        raise SystemExit(f"the {what} run failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# Reporting


def report_run(title: str, run: dict[str, Any]) -> bool:
    """Print one run; False when it did not finish."""
    seconds = run["seconds"]
    print(f"\n{title}")
    if "failed" in run:
        sql, spent, error = run["failed"]
        print(f"  accrue_month  DID NOT FINISH: stopped after {seconds:.1f} s")
        print(f"    {spent:7.2f} s  {sql}…\n              {error}")
        print_statements(run, seconds, outside="Python; the rollback")
        return False
    charges = run["charges"]
    print(
        f"  accrue_month  {seconds:7.2f} s  {charges / seconds:9,.0f} charges/s; "
        f"charges {charges:,}, total {run['total_tiyn'] / 100:,.2f} tenge"
    )
    print(
        f"  created {run['created']:,}, updated {run['updated']:,}, "
        f"removed {run['removed']:,}; working members without a salary "
        f"{run['without_salary']:,}"
    )
    print(
        f"  peak memory of the process {run['peak_mib']:,.0f} MiB "
        f"(before the run {run['peak_before_mib']:,.0f} MiB)"
    )
    print_statements(
        run, seconds, outside="Python; the commit with its deferred foreign-key checks"
    )
    return True


def print_statements(run: dict[str, Any], seconds: float, *, outside: str) -> None:
    """The statements that took a tenth of a second or more, and the rest."""
    statements = run["statements"]
    print("  where the time went:")
    for sql, spent, _error in statements:
        if spent >= 0.1:
            print(f"    {spent:7.2f} s  {sql}…")
    small = [spent for _sql, spent, _error in statements if spent < 0.1]
    print(f"    {sum(small):7.2f} s  {len(small)} other statements")
    rest = seconds - sum(spent for _sql, spent, _error in statements)
    print(f"    {rest:7.2f} s  outside them ({outside})")


def report_bare(first: dict[str, Any], bare: dict[str, Any]) -> None:
    print(
        f"  bare INSERT … SELECT of the same charges  {bare['seconds']:7.2f} s "
        f"({bare['rows']:,} rows; the best of "
        + ", ".join(f"{s:.2f}" for s in bare["all_seconds"])
        + " s)"
    )
    if "failed" in first:
        return
    print(f"  ratio product/bare {first['seconds'] / bare['seconds']:.2f}")
    agree = "agree" if bare["differing"] == 0 else "DIFFER"
    print(
        f"  the bare and the product's charges {agree} on the {bare['compared']:,} "
        f"working members under the union's default rule ({bare['differing']:,} "
        "differ); one charge per member: "
        + ("yes" if bare["rows"] == first["charges"] else "NO")
    )


def report(args: argparse.Namespace, runs: dict[str, Any]) -> None:
    first, bare = runs["first"], runs["bare"]
    finished = report_run("1. First run of the month (every charge created)", first)
    report_bare(first, bare)
    target = f"the target of < {TARGET_SECONDS:g} s for a million members"
    if args.members == 1_000_000:
        verdict = (
            "meets" if finished and first["seconds"] < TARGET_SECONDS else "MISSES"
        )
        print(f"  {verdict} {target}")
    if not finished:
        print("\n(the runs that need the first one's charges are left out)")
        return
    again = runs["again"]
    if report_run("2. The same month again, nothing changed", again):
        changed = again["created"] + again["updated"] + again["removed"]
        print(f"  rows changed {changed:,} (should be 0)")
        print(f"  ratio to the bare first run {again['seconds'] / bare['seconds']:.2f}")
    corrected = runs["corrected"]
    title = f"3. After a correction: {runs['correction']:,} new salaries from the month"
    if report_run(title, corrected):
        print(
            f"  updated {corrected['updated']:,}; expected {runs['expected']:,} "
            "(the corrected who are charged and not exempt)"
        )
        ratio = corrected["seconds"] / bare["seconds"]
        print(f"  ratio to the bare first run {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=60_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the registry when it is there"
    )
    parser.add_argument("--month", default=DEFAULT_MONTH, help="YYYY-MM, past")
    parser.add_argument(
        "--bare-runs", type=int, default=3, help="runs of the bare query (the best)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds a statement may take (a run past it is stopped)",
    )
    parser.add_argument(
        "--database", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the measuring sessions (product and bare "
        "alike), e.g. work_mem=64MB",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    started = time.perf_counter()
    month = parse_month(args.month)
    registry_queries._setup_django(args.database)
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (DATABASE_URL).")
    ensure_union(args.members, args.orgs, reuse=args.reuse)
    laid = lay_down_dues(month)
    print(
        f"dues laid down: {laid['salaries']:,} salaries, {laid['exemptions']:,} "
        f"exemptions, {laid['rules']} rules"
    )
    connection.close()
    print(f"data ready in {time.perf_counter() - started:.1f} s; month {args.month}")
    if args.set:
        print("session settings: " + ", ".join(args.set))

    runs: dict[str, Any] = {"first": run_child(args, "first")}
    runs["bare"] = run_child(args, "bare")
    if "failed" not in runs["first"]:
        runs["again"] = run_child(args, "again")
        runs["correction"] = correct_salaries(month)
        runs["corrected"] = run_child(args, "corrected")
        runs["expected"] = expected_updates(month)
    report(args, runs)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
