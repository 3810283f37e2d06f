"""Organization import at a union's scale: seconds and rows per second, end to end.

    .venv/bin/python benchmarks/import_orgs.py [--rows N] [--sqlite-rows N]

Writes an organization file of N rows (default 60,000: 20 regions, 1,000 district
committees, the rest primary organizations, one in fifty of them closed in 2018 so
that a history is loaded) and imports it into the PostgreSQL database of
DATABASE_URL (default: the local kq_bench database; **its registry is wiped**),
which holds only a central committee, through the product's own path:
``open_import``, ``confirm_import`` and ``run_import``. Then the same file again
(nothing to write), and the file with one name in ten changed (set-based updates,
each audited).

Beside it, in the same run, the bare figure: the same units written by one
INSERT … SELECT per level from a staging table, with their paths, and nothing else
(no checks, placements, events, employers or audit). A last run imports the file
into SQLite (``--sqlite-rows``, default the same N; 0 skips it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/kq_bench"
SQLITE_PATH = ROOT / "var" / "bench-orgs.sqlite3"
FILES = ROOT / "var" / "bench-orgs"
HEADER = (
    "Код;Код вышестоящей;Уровень;Наименование (рус);Атауы (қаз);БИН;Отрасль;"
    "Численность работников;Дата открытия;Дата закрытия"
)
REGIONS, DISTRICTS = 20, 1000


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def write_file(path: Path, rows: int, *, renamed: bool = False) -> None:
    from kasipodaq.core.checksum import check_digit

    lines = [HEADER]
    for r in range(REGIONS):
        lines.append(f"R{r};CK;областная;Область {r};Облыс {r};;;;01.01.1995;")
    for d in range(DISTRICTS):
        lines.append(f"D{d};R{d % REGIONS};районный;Район {d};Аудан {d};;;;;")
    serial = 0
    for p in range(rows - REGIONS - DISTRICTS):
        while True:
            serial += 1
            first = f"0509400{serial:04d}" if serial < 10_000 else f"0609{serial:07d}"
            first = first[:4] + "4" + first[5:11]
            digit = check_digit(first)
            if digit is not None:
                break
        name = f"Гимназия {p}" if renamed and p % 10 == 0 else f"Школа {p}"
        closed = "01.01.2018" if p % 50 == 0 else ""
        lines.append(
            f"P{p};D{p % DISTRICTS};первичная;{name};Мектеп {p};{first}{digit};"
            f"школа;{p % 300};01.09.2000;{closed}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _empty_registry() -> None:
    """Wipe the registry and open the central committee the file hangs from."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from kasipodaq.orgtree import changes
    from kasipodaq.orgtree.models import Level

    call_command("migrate", verbosity=0)
    tables = [
        "registry_membership",
        "registry_person",
        "registry_importproblem",
        "registry_importjob",
        "audit_auditevent",
        "orgtree_orgevent",
        "orgtree_employeecount",
        "orgtree_orgplacement",
        "orgtree_orgunit",
        "orgtree_employer",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            cursor.execute("UPDATE registry_person SET current_membership_id = NULL")
            cursor.execute("UPDATE orgtree_orgunit SET parent_id = NULL")
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    changes.open_unit(
        parent=None,
        level=Level.CENTRAL,
        code="CK",
        name_ru="Центральный комитет",
        name_kk="Орталық комитет",
        opened_on=dt.date(1990, 1, 1),
    )


def _import(path: Path) -> tuple[float, dict[str, int], str]:
    from kasipodaq.registry.models import ImportMode
    from kasipodaq.registry.services.imports import (
        confirm_import,
        open_import,
        run_import,
    )

    started = time.perf_counter()
    job = open_import(actor=None, kind="orgs", source=path, original_name=path.name)
    confirm_import(
        actor=None,
        job=job,
        mapping=job.mapping,
        mode=ImportMode.ALL_OR_NOTHING,
        run=lambda pk: None,
    )
    job = run_import(job)
    return time.perf_counter() - started, job.result, job.status


def _bare(path: Path) -> float:
    """The units alone: staged and inserted level by level with their paths."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bare_orgs")
        cursor.execute(
            "CREATE TEMPORARY TABLE bare_orgs (code text, parent text, level text, "
            "name_ru text, name_kk text, bin text, sector text, employees text, "
            "opened text, closed text)"
        )
        with path.open(encoding="utf-8") as stream:
            stream.readline()
            with cursor.cursor.copy(
                "COPY bare_orgs FROM STDIN (FORMAT csv, DELIMITER ';')"
            ) as copy:
                copy.write(stream.read())
        cursor.execute("CREATE INDEX ON bare_orgs (code)")
        cursor.execute("ANALYZE bare_orgs")
        for prefix in ("R", "D", "P"):
            cursor.execute(
                """
                INSERT INTO orgtree_orgunit (code, level, parent_id, path, name_ru,
                    name_kk, region_code, address, status, opened_on)
                SELECT 'B' || b.code, 'x', p.id, '~' || b.code, b.name_ru, b.name_kk,
                    '', '', 'active', DATE '2000-09-01'
                FROM bare_orgs b
                JOIN orgtree_orgunit p
                    ON p.code = CASE WHEN b.parent = 'CK' THEN 'CK' ELSE 'B' || b.parent
                    END
                WHERE b.code LIKE %s
                """,
                [prefix + "%"],
            )
            cursor.execute(
                """
                UPDATE orgtree_orgunit u SET path = p.path || lpad(u.id::text, 8, '0')
                FROM orgtree_orgunit p
                WHERE p.id = u.parent_id AND u.path LIKE %s
                """,
                ["~" + prefix + "%"],
            )
        transaction.set_rollback(True)
    return time.perf_counter() - started


def run(database_url: str, rows: int, *, bare: bool) -> None:
    _setup_django(database_url)
    from django.db import connection

    path = FILES / f"orgs-{rows}.csv"
    renamed = FILES / f"orgs-{rows}-renamed.csv"
    write_file(path, rows)
    write_file(renamed, rows, renamed=True)
    _empty_registry()
    print(f"{connection.vendor}, {rows:,} organization rows")
    for label, file in (
        ("first import", path),
        ("the same file again", path),
        ("one name in ten changed", renamed),
    ):
        seconds, result, status = _import(file)
        print(
            f"  {label:<24} {seconds:6.2f} s  {rows / seconds:9,.0f} rows/s  "
            f"{status}  {result}"
        )
    if bare:
        seconds = _bare(path)
        label = "bare: units only"
        print(f"  {label:<24} {seconds:6.2f} s  {rows / seconds:9,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--sqlite-rows", type=int, default=None)
    parser.add_argument("--database", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        run(args.database, args.rows, bare=args.bare)
        return
    postgres = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    sqlite_rows = args.rows if args.sqlite_rows is None else args.sqlite_rows
    runs = [(postgres, args.rows, True)]
    if sqlite_rows:
        SQLITE_PATH.unlink(missing_ok=True)
        runs.append((f"sqlite:///{SQLITE_PATH}", sqlite_rows, False))
    for database, rows, bare in runs:
        # Each database in its own process: Django is set up once per process.
        command = [sys.executable, __file__, "--rows", str(rows), "--database"]
        command += [database, *(["--bare"] if bare else [])]
        subprocess.run(command, check=True)  # noqa: S603 (this script, again)


if __name__ == "__main__":
    main()
