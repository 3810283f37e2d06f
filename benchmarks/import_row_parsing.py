"""Parsing member-file rows into typed values: rows per second, in one process.

    .venv/bin/python benchmarks/import_row_parsing.py [--rows N] [--runs N]

Generates N valid rows of a member file (text cells as the reader gives them: IINs,
names, ISO and day-first dates, categories and reasons in words, phones, emails),
then times the parser built once for the file (``member_row_parser``) over all of
them, and beside it a bare loop that only touches every cell of every row, and
their ratio. No database is used. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADERS = [
    "ИИН",
    "Фамилия",
    "Имя",
    "Отчество",
    "Телефон",
    "E-mail",
    "Код организации",
    "Категория",
    "Дата вступления",
    "Дата выбытия",
    "Причина выбытия",
]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def generate(count: int) -> list[tuple[str, ...]]:
    """Valid rows of a member file, as text cells."""
    from kasipodaq.registry.iin import make_iin

    rng = random.Random(20261124)
    categories = ["", "работающий", "студент", "пенсионер", "Жұмыс істейтін"]
    reasons = ["по собственному желанию", "выход на пенсию", "перевод", "death"]
    rows: list[tuple[str, ...]] = []
    serial = 0
    while len(rows) < count:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        serial = (serial + 1) % 10000
        iin = make_iin(birth, rng.choice("MF"), serial)
        if iin is None:
            continue
        joined = birth + dt.timedelta(days=6600 + rng.randrange(6000))
        joined = min(joined, dt.date(2025, 1, 1))
        left = ""
        reason = ""
        if rng.random() < 0.2:
            left = (joined + dt.timedelta(days=30 + rng.randrange(300))).isoformat()
            reason = rng.choice(reasons)
        joined_text = joined.isoformat() if rng.random() < 0.5 else f"{joined:%d.%m.%Y}"
        rows.append(
            (
                iin if rng.random() < 0.9 else iin.lstrip("0"),
                "Ахметова",
                "Айгерим",
                "Серіковна",
                f"+7 701 {rng.randrange(1000000, 9999999)}",
                f"user{serial}@example.kz" if rng.random() < 0.5 else "",
                f"{rng.randrange(1, 20):02d}-{rng.randrange(1000):04d}",
                rng.choice(categories),
                joined_text,
                left,
                reason,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    _setup_django()

    from kasipodaq.registry.imports.headers import guess_mapping
    from kasipodaq.registry.imports.reading import Row
    from kasipodaq.registry.imports.values import member_row_parser

    started = time.perf_counter()
    cells = generate(args.rows)
    rows = [Row(number, values) for number, values in enumerate(cells, start=2)]
    print(f"generated {len(rows):,} rows in {time.perf_counter() - started:.1f} s")

    parse = member_row_parser(
        guess_mapping(HEADERS, "members"), today=dt.date(2026, 1, 1)
    )
    best_parse = best_bare = float("inf")
    for _run in range(args.runs):
        started = time.perf_counter()
        bad = 0
        for row in rows:
            _member, problems = parse(row)
            if problems:
                bad += 1
        best_parse = min(best_parse, time.perf_counter() - started)
        started = time.perf_counter()
        touched = 0
        for row in rows:
            for value in row.values:
                touched += len(value)
        best_bare = min(best_bare, time.perf_counter() - started)
    if bad:
        raise SystemExit(f"{bad} generated rows were refused: the generator is wrong")
    rate = len(rows) / best_parse
    bare = len(rows) / best_bare
    print(f"parse_member_row: {rate:,.0f} rows/s ({best_parse:.2f} s, best of runs)")
    print(f"bare loop over every cell: {bare:,.0f} rows/s")
    print(f"ratio bare/parse: {bare / rate:.1f}")


if __name__ == "__main__":
    main()
