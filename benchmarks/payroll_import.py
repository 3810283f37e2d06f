"""A payroll list of 100,000 lines recorded for the whole union and matched.

    .venv/bin/python benchmarks/payroll_import.py [--members N] [--orgs N] [--reuse]
        [--month YYYY-MM] [--lines N] [--formats csv,xlsx] [--bare-runs N]
        [--timeout S] [--set NAME=VALUE] [--profile] [--keep-files]

Takes the union and dues of dues_accrual.py (its helpers: the demo union of
registry_queries.py in the PostgreSQL database of DATABASE_URL, default the local
kq_bench_dues, wiped unless --reuse finds it there; salaries, dues rules and
exemptions laid down when there are none), accrues the month when it has no
charges yet, sets the union's distribution of dues when there is none, and
empties what earlier runs recorded (payments, their shares, audit rows and
lists). Then it writes one payroll list of --lines lines (default 100,000), one
per member for as many distinct members charged for the month, picked across the
union: most pay exactly their charge, some more, some less, and one line in a
thousand names a month without charges. The list is written as CSV and as XLSX
(xlsxwriter), and each is recorded by ``import_payroll`` for the union's root in a
child process, so that the peak memory printed is the run's own: seconds,
lines/s, the outcome of every line against what was written, and where the time
went (each step of the service, every SQL statement of 0.1 s or more, COPY and
Python). --profile adds a run of the CSV (one amount changed, as the same file is
never recorded twice) under cProfile.

Beside it, the bare figure of the same run: the same CSV by COPY into a temporary
table and one INSERT … SELECT of a payment per line, joined to registry_person by
IIN (and its current membership for the organization), into an unlogged copy of
dues_payment; the best of --bare-runs, and the ratio product/bare. Target: 100,000
lines in under 10 s. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import json
import os
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dues_accrual  # the union and dues of the accrual benchmark
import registry_queries

TARGET_SECONDS = 10.0  # for 100,000 lines
FILES = registry_queries.ROOT / "var" / "bench-payroll"
BARE_TABLE = "bench_bare_payment"
HEADER = "ИИН;Месяц;Сумма"
OVER_LINE = 70  # an overpayment in plan_lines

# Members charged for the month, spread over the union by a hash of their id.
SAMPLE_SQL = """
SELECT p.iin, c.amount_tiyn
FROM dues_charge c
JOIN registry_person p ON p.id = c.person_id
WHERE c.month = %(month)s AND p.current_membership_id IS NOT NULL
ORDER BY md5(c.person_id::text)
LIMIT %(lines)s
"""

BARE_SQL = f"""
INSERT INTO {BARE_TABLE} (person_id, amount_tiyn, method, reference, month,
    paid_on, org_unit_id, recorded_at)
SELECT p.id, round(replace(r.amount, ',', '.')::numeric * 100)::bigint, 'payroll',
    'bare:' || r.line, (r.month || '-01')::date, %(today)s, m.org_unit_id, %(now)s
FROM bench_payroll_rows r
JOIN registry_person p ON p.iin = r.iin
JOIN registry_membership m ON m.id = p.current_membership_id
"""

# What the service's steps are called in the output, by the function timed.
STEPS = {
    "_sha256": "SHA-256 of the file",
    "read_lines": "reading and checking the lines (read_lines)",
    "_members": "members by IIN (_members)",
    "_record": "recording (_record)",
    "_plans": "distribution plans (_plans)",
    "_charges": "the lines' charges (_charges)",
}


def previous_month(month: dt.date) -> dt.date:
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


# Setting up


def prepare(args: argparse.Namespace, month: dt.date) -> None:
    """The union, its dues and the month's charges; no payments."""
    from django.db import connection

    from kasipodaq.dues.models import Charge, DistributionRule, DuesRule, SalaryBase
    from kasipodaq.dues.services.accrual import accrue_month
    from kasipodaq.orgtree.models import OrgUnit

    dues_accrual.ensure_union(args.members, args.orgs, reuse=args.reuse)
    if not (args.reuse and DuesRule.objects.exists() and SalaryBase.objects.exists()):
        laid = dues_accrual.lay_down_dues(month)
        print(
            f"dues laid down: {laid['salaries']:,} salaries, {laid['exemptions']:,} "
            f"exemptions, {laid['rules']} rules"
        )
    root = OrgUnit.objects.get(parent=None)
    charges = Charge.objects.filter(month=month).count()
    if charges:
        print(f"reusing the {charges:,} charges of {month:%Y-%m}")
    else:
        started = time.perf_counter()
        accrued = accrue_month(actor=None, month=month, unit=root)
        dues_accrual.vacuum("dues_charge")
        print(
            f"accrued {accrued.charges:,} charges of {month:%Y-%m} in "
            f"{time.perf_counter() - started:.1f} s"
        )
    if not DistributionRule.objects.exists():
        DistributionRule.objects.create(
            unit=root,
            valid_from=dt.date(2024, 1, 1),
            primary_bp=6000,
            district_bp=1500,
            region_bp=1500,
            central_bp=1000,
        )
        print("the union's distribution set: 60 % primary, 15 % district and region")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE dues_payrollline, dues_payrolllist, dues_ledgerentry, "
            "dues_payment RESTART IDENTITY CASCADE"  # and card charges naming them
        )
        cursor.execute("DELETE FROM audit_auditevent WHERE action = 'dues.paid'")
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
    dues_accrual.vacuum("dues_payment", "dues_ledgerentry", "audit_auditevent")


def plan_lines(
    month: dt.date, count: int
) -> tuple[list[tuple[str, str, int]], Counter[str]]:
    """(IIN, month, tiyn) of every line and the outcome each should get."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(month) FROM dues_charge")
        uncharged = previous_month(cursor.fetchone()[0])
        cursor.execute(SAMPLE_SQL, {"month": month, "lines": count})
        sample = cursor.fetchall()
    if len(sample) < count:
        raise SystemExit(f"only {len(sample):,} members are charged for {month:%Y-%m}")
    lines: list[tuple[str, str, int]] = []
    expected: Counter[str] = Counter()
    for i, (iin, charged) in enumerate(sample):
        kind = i % 100
        if i % 1000 == 999:  # a month without charges
            lines.append((iin, f"{uncharged:%Y-%m}", charged or 100_00))
            expected["not_charged"] += 1
            continue
        if charged == 0 or (kind >= 85 and charged == 1) or 70 <= kind < 85:
            paid = charged + 1 + (i * 7919) % 5000
        elif kind >= 85:
            paid = charged - 1 - (i * 7919) % (charged - 1)
        else:
            paid = charged
        lines.append((iin, f"{month:%Y-%m}", paid))
        if paid > charged:
            expected["over"] += 1
        elif paid < charged:
            expected["under"] += 1
        else:
            expected["exact"] += 1
    return lines, expected


def tenge(tiyn: int) -> str:
    return f"{tiyn // 100}.{tiyn % 100:02d}"


def write_csv(path: Path, lines: list[tuple[str, str, int]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(HEADER + "\r\n")
        for iin, month, tiyn in lines:
            stream.write(f"{iin};{month};{tenge(tiyn)}\r\n")


def write_xlsx(path: Path, lines: list[tuple[str, str, int]]) -> None:
    """IIN and month as text, the amount a number of tenge, as an accountant's
    spreadsheet has them."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    for column, title in enumerate(HEADER.split(";")):
        sheet.write_string(0, column, title)
    for row, (iin, month, tiyn) in enumerate(lines, start=1):
        sheet.write_string(row, 0, iin)
        sheet.write_string(row, 1, month)
        sheet.write_number(row, 2, tiyn / 100)
    book.close()


def write_files(
    formats: list[str], lines: list[tuple[str, str, int]], *, profile: bool
) -> dict[str, Path]:
    FILES.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in formats:
        files[name] = FILES / f"payroll.{name}"
        (write_csv if name == "csv" else write_xlsx)(files[name], lines)
    if profile or "csv" not in files:
        # The bare figure reads the CSV; the profiled run needs a file not yet
        # recorded:
        # one amount a tiyn more: an overpayment's (line 71), so that every
        # outcome stays as written.
        at = OVER_LINE if len(lines) > OVER_LINE else 0
        iin, month, tiyn = lines[at]
        files["profile"] = FILES / "payroll-profile.csv"
        write_csv(
            files["profile"], [*lines[:at], (iin, month, tiyn + 1), *lines[at + 1 :]]
        )
    return files


# Measuring, in the child process


def timing_steps(
    into: list[list[Any]], statements: list[list[Any]]
) -> Callable[[], None]:
    """Time the service's steps, its COPYs and its commit, each as [label,
    seconds, depth, statements before, statements after]; returns the undoing."""
    from django.db import connection

    from kasipodaq.core.loading import Loader
    from kasipodaq.dues.services import payroll

    depth = [0]
    undo: list[Callable[[], None]] = []

    def timed(label: Callable[..., str], fn: Callable[..., Any]) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            entry: list[Any] = [label(*args), 0.0, depth[0], len(statements), 0]
            into.append(entry)
            depth[0] += 1
            started = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
            finally:
                entry[1] = time.perf_counter() - started
                entry[4] = len(statements)
                depth[0] -= 1
            if isinstance(result, int) and entry[0].startswith("COPY"):
                entry[0] += f" ({result:,} rows)"
            return result

        return wrapper

    for name, text in STEPS.items():
        original = getattr(payroll, name)
        setattr(payroll, name, timed(lambda *a, t=text: t, original))
        undo.append(functools.partial(setattr, payroll, name, original))
    insert = Loader.insert
    Loader.insert = timed(  # type: ignore[method-assign]
        lambda _self, model, *a: f"COPY {model._meta.db_table}", insert
    )
    undo.append(functools.partial(setattr, Loader, "insert", insert))
    connection.commit = timed(lambda: "commit", connection.commit)  # type: ignore[method-assign]
    undo.append(functools.partial(delattr, connection, "commit"))

    def undo_all() -> None:
        for step in undo:
            step()

    return undo_all


def measure_run(path: Path, *, profile: bool) -> dict[str, Any]:

    from kasipodaq.dues.models import PayrollLine
    from kasipodaq.dues.services.payroll import import_payroll
    from kasipodaq.orgtree.models import OrgUnit

    root = OrgUnit.objects.get(parent=None)
    before = registry_queries.peak_mib()
    statements: list[list[Any]] = []
    steps: list[list[Any]] = []
    profiler = cProfile.Profile() if profile else None
    undo = timing_steps(steps, statements)
    started = time.perf_counter()
    try:
        with dues_accrual.statement_times(statements):
            if profiler is not None:
                profiler.enable()
            payroll = import_payroll(
                actor=None, unit=root, path=path, original_name=path.name
            )
            if profiler is not None:
                profiler.disable()
    finally:
        undo()
    seconds = time.perf_counter() - started
    outcomes = dict(payroll.outcomes)
    kept = PayrollLine.objects.filter(payroll=payroll).count()
    if kept != payroll.lines - outcomes.get("exact", 0):
        raise SystemExit(f"{kept} lines kept: every line not paid as charged is kept")
    run = {
        "seconds": seconds,
        "status": payroll.status,
        "problems": payroll.problems[:5],
        "lines": payroll.lines,
        "paid": payroll.paid,
        "total_tiyn": payroll.total_tiyn,
        "outcomes": outcomes,
        "peak_before_mib": before,
        "peak_mib": registry_queries.peak_mib(),
        "statements": statements,
        "steps": steps,
    }
    if profiler is not None:
        run["profile"] = profile_rows(profiler)
    return run


def profile_rows(profiler: cProfile.Profile, top: int = 25) -> list[list[Any]]:
    """[function, calls, own seconds, cumulative seconds], the largest own first."""
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, name), values in stats.stats.items():  # type: ignore[attr-defined]
        calls, total = values[1], values[2:4]
        where = Path(file).name if file != "~" else ""
        rows.append([f"{where}:{line}({name})", calls, total[0], total[1]])
    rows.sort(key=lambda row: -row[2])
    return rows[:top]


def measure_bare(path: Path, runs: int) -> dict[str, Any]:
    """COPY of the CSV and one INSERT … SELECT, the best of `runs`."""
    from django.db import connection
    from django.utils import timezone

    cursor = registry_queries.raw_cursor()
    cursor.execute(
        f"CREATE UNLOGGED TABLE IF NOT EXISTS {BARE_TABLE} "
        "(LIKE dues_payment INCLUDING ALL)"
    )
    connection.connection.commit()
    params = {"today": timezone.localdate(), "now": timezone.now()}
    seconds, rows = [], 0
    for _ in range(runs):
        cursor.execute(f"TRUNCATE {BARE_TABLE}")
        connection.connection.commit()
        started = time.perf_counter()
        with connection.connection.transaction():
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_payroll_rows (line serial, iin text, "
                "month text, amount text) ON COMMIT DROP"
            )
            with (
                cursor.copy(
                    "COPY bench_payroll_rows (iin, month, amount) FROM STDIN "
                    "WITH (FORMAT csv, DELIMITER ';', HEADER true)"
                ) as copy,
                path.open("rb") as stream,
            ):
                for block in iter(lambda: stream.read(1 << 16), b""):
                    copy.write(block)
            cursor.execute(BARE_SQL, params)
            rows = cursor.rowcount
        seconds.append(time.perf_counter() - started)
    cursor.execute(f"DROP TABLE {BARE_TABLE}")
    connection.connection.commit()
    return {"seconds": min(seconds), "all_seconds": seconds, "rows": rows}


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
    what, _colon, file = args.child.partition(":")
    if what == "bare":
        print(json.dumps(measure_bare(Path(file), args.bare_runs)))
    else:
        print(json.dumps(measure_run(Path(file), profile=what == "profile")))


def run_child(args: argparse.Namespace, what: str, path: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        f"--child={what}:{path}",
        f"--database={args.database}",
        f"--bare-runs={args.bare_runs}",
        f"--timeout={args.timeout}",
        *(f"--set={setting}" for setting in args.set),
    ]
    return dues_accrual.run_script(command, what, args.timeout)


# Reporting


def report_run(title: str, run: dict[str, Any], expected: Counter[str]) -> None:
    seconds = run["seconds"]
    print(f"\n{title}")
    if run["status"] != "imported":
        print(f"  import_payroll  REFUSED the list in {seconds:.2f} s:")
        for problem in run["problems"]:
            print(
                f"    line {problem['line']}, {problem['column']}: {problem['message']}"
            )
        return
    print(
        f"  import_payroll  {seconds:7.2f} s  {run['lines'] / seconds:9,.0f} lines/s; "
        f"{run['lines']:,} lines, {run['paid']:,} paid, total "
        f"{run['total_tiyn'] / 100:,.2f} tenge"
    )
    outcomes = run["outcomes"]
    agree = "as written" if Counter(outcomes) == expected else "NOT AS WRITTEN"
    print(
        "  outcomes: "
        + ", ".join(f"{k} {outcomes.get(k, 0):,}" for k in sorted(expected))
        + f" ({agree}: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(expected.items()))
        + ")"
    )
    print(
        f"  peak memory of the process {run['peak_mib']:,.0f} MiB "
        f"(before the run {run['peak_before_mib']:,.0f} MiB)"
    )
    print_steps(run)
    dues_accrual.print_statements(
        run, seconds, outside="Python, COPY and the commit: the steps above"
    )


def print_steps(run: dict[str, Any]) -> None:
    """Each step with its SQL (COPY and the commit are not seen as statements),
    and the Python left of the whole run."""
    statements, steps, seconds = run["statements"], run["steps"], run["seconds"]
    print("  the steps of the service:")
    for label, spent, depth, first, last in steps:
        inner = [s for s in steps if s[2] == depth + 1 and first <= s[3] <= last]
        own = [
            i for i in range(first, last) if not any(s[3] <= i < s[4] for s in inner)
        ]
        sql = sum(statements[i][1] for i in own)
        rest = spent - sum(s[1] for s in inner) - sql
        if label == "commit":
            detail = "deferred foreign-key checks"
        elif label.startswith("COPY"):
            detail = "rows made in Python as they are sent"
        elif inner:
            detail = f"outside its steps: SQL {sql:.2f} s, Python {rest:.2f} s"
        else:
            detail = f"SQL {sql:.2f} s in {len(own)} statements, Python {rest:.2f} s"
        print(f"    {'  ' * depth}{spent:7.2f} s  {label}  ({detail})")
    top = sum(s[1] for s in steps if s[2] == 0)
    print(f"    {seconds - top:7.2f} s  outside the steps")
    copies = sum(s[1] for s in steps if s[0].startswith(("COPY", "commit")))
    python = seconds - copies - sum(s[1] for s in statements)
    print(
        f"  in all: SQL statements {sum(s[1] for s in statements):.2f} s, "
        f"COPY and commit {copies:.2f} s, the rest (Python) {python:.2f} s"
    )


def report(
    args: argparse.Namespace,
    runs: dict[str, dict[str, Any]],
    bare: dict[str, Any],
    expected: Counter[str],
) -> None:
    target = f"the target of < {TARGET_SECONDS:g} s for 100,000 lines"
    print(
        f"\nbare: COPY of the CSV + INSERT … SELECT of the payments  "
        f"{bare['seconds']:7.2f} s ({bare['rows']:,} rows; the best of "
        + ", ".join(f"{s:.2f}" for s in bare["all_seconds"])
        + " s)"
    )
    for number, name in enumerate(args.formats.split(","), start=1):
        run = runs[name]
        report_run(f"{number}. The {name.upper()} list", run, expected)
        if run["status"] != "imported":
            continue
        print(f"  ratio product/bare {run['seconds'] / bare['seconds']:.2f}")
        if args.lines == 100_000:
            verdict = "meets" if run["seconds"] < TARGET_SECONDS else "MISSES"
            print(f"  {verdict} {target}")
    if "profile" in runs:
        run = runs["profile"]
        report_run("Profiled run of the CSV (cProfile: slower)", run, expected)
        print("  the functions of most own time:")
        print("      calls      own   cumul.  function")
        for function, calls, own, cumulative in run["profile"]:
            print(f"    {calls:7,} {own:7.2f} s {cumulative:6.2f} s  {function}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=60_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the registry and dues when there"
    )
    parser.add_argument("--month", default=dues_accrual.DEFAULT_MONTH, help="YYYY-MM")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx", help="csv, xlsx or both")
    parser.add_argument(
        "--bare-runs", type=int, default=3, help="runs of the bare figure (the best)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds a statement may take (a run past it is stopped)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL") or dues_accrual.DEFAULT_DATABASE,
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the measuring sessions, e.g. work_mem=64MB",
    )
    parser.add_argument(
        "--profile", action="store_true", help="one more run under cProfile"
    )
    parser.add_argument(
        "--keep-files", action="store_true", help=f"keep the lists in {FILES}"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    started = time.perf_counter()
    month = dues_accrual.parse_month(args.month)
    registry_queries._setup_django(args.database)
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (DATABASE_URL).")
    prepare(args, month)
    lines, expected = plan_lines(month, args.lines)
    files = write_files(args.formats.split(","), lines, profile=args.profile)
    sizes = ", ".join(
        f"{p.name} {p.stat().st_size / 2**20:.1f} MiB" for p in files.values()
    )
    print(f"lists written: {sizes}")
    connection.close()
    print(f"data ready in {time.perf_counter() - started:.1f} s; month {args.month}")
    if args.set:
        print("session settings: " + ", ".join(args.set))

    runs = {
        name: run_child(args, name, files[name]) for name in args.formats.split(",")
    }
    bare = run_child(args, "bare", files.get("csv", files.get("profile", Path())))
    if args.profile:
        runs["profile"] = run_child(args, "profile", files["profile"])
    report(args, runs, bare, expected)
    if not args.keep_files:
        for path in files.values():
            path.unlink()
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
