"""Membership cards at scale: issuing a card to every member, and checking cards.

    .venv/bin/python benchmarks/card_checks.py [--members N] [--reuse]
        [--duration S] [--servers sync:2,sync:4] [--tokens N]

Runs on the PostgreSQL of DATABASE_URL (default: the local kq_bench_cards
database; it is wiped), migrates it and builds the demo union of --members
(default 100,000) with the demo builder, without the cards the builder would
issue. A key made for this run signs (KASIPODAQ_CARD_KEYS). Then:

- issuance: ``issue_missing_cards(actor=None, unit=union root)`` gives every
  active member a number and a signed token (target: 100,000 cards in under
  60 s); beside it, the bare figure of the same run: signing as many tokens with
  ``cryptography``'s Ed25519 and COPYing as many rows of the card's shape into a
  temporary table; and their ratio;
- checks: the public page ``GET /v/<token>`` under gunicorn with the production
  settings (Redis as the cache, the per-client limit counted but set too high to
  refuse), loaded from loopback by ``wrk --latency`` rotating through --tokens
  real tokens of different cards (target: 1,000 checks/s with p99 under 50 ms);
  beside it, the bare figure: ``bare_check_app.py`` (Django, no middleware, one
  view that verifies the signature and reads the card's row) under the same
  gunicorn and the same wrk; for each server configuration, and the ratio.

--reuse keeps the union when the database already holds it (the cards are
issued again: issuance is one of the figures). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry_queries  # the Django set-up of the registry benchmark

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/kq_bench_cards"
REDIS_URL = "redis://127.0.0.1:6379/5"
WRK = "/usr/bin/wrk"
KEY_ID = "bench1"
SIGNATURE_BYTES = 64

# The issue's targets.
TARGET_ISSUE_SECONDS = 60.0  # for 100,000 cards
TARGET_ISSUE_CARDS = 100_000
TARGET_CHECKS_PER_SECOND = 1000.0
TARGET_CHECK_P99_MS = 50.0

# wrk's script: rotate through the tokens, each thread from its own place, and
# print the figures on one line for this script to read.
WRK_SCRIPT = """
local paths = {%(paths)s}
local threads = {}
local started = 0
function setup(thread)
  started = started + 1
  thread:set("first", (started * 997) %% #paths)
  table.insert(threads, thread)
end
function init(args)
  at = first or 0
end
function request()
  at = at %% #paths + 1
  return wrk.format("GET", paths[at])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK-RESULT requests=%%d duration_us=%%d p50_us=%%d p90_us=%%d p99_us=%%d "
    .. "max_us=%%d connect=%%d read=%%d write=%%d status=%%d timeout=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


# Data


def bench_keys() -> list[dict[str, str]]:
    """A key made for this run, as KASIPODAQ_CARD_KEYS records, put in the
    environment before Django starts so that the settings read it."""
    sys.path.insert(0, str(ROOT))
    from kasipodaq.cards.tokens import new_private_key_text

    keys = [{"id": KEY_ID, "private": new_private_key_text()}]
    os.environ["KASIPODAQ_CARD_KEYS"] = json.dumps(keys)
    return keys


def ensure_union(members: int, *, reuse: bool) -> None:
    from django.core.management import call_command

    from kasipodaq.cards.selectors import union_root
    from kasipodaq.registry.demo.builder import DemoSpec, build_demo
    from kasipodaq.registry.models import Membership
    from kasipodaq.registry.signals import demo_built

    call_command("migrate", verbosity=0)
    if reuse:
        active = Membership.objects.filter(left_on__isnull=True).count()
        if union_root() is not None and 0.9 * members <= active <= 1.1 * members:
            print(f"reusing the union of {active:,} members")
            return
        print(f"--reuse: found {active:,} members; rebuilding")
    # The builder issues every member a card when it is done; here issuing is
    # what is timed, so the builder leaves it to the benchmark.
    demo_built.disconnect(dispatch_uid="cards.demo_built")
    demo_built.disconnect(dispatch_uid="dues.demo_built")  # not this benchmark's
    print(f"building the demo union of {members:,} members")
    result = build_demo(
        DemoSpec(members=members), reset=True, progress=lambda s: print("  " + s)
    )
    print(
        f"built {result.units:,} organizations, {result.people:,} people, "
        f"{result.memberships:,} memberships in {result.seconds:.1f} s"
    )


def clear_cards() -> None:
    """No cards, numbers or sequences, and no audit rows of issued cards."""
    from django.db import connection, transaction

    from kasipodaq.audit.models import AuditAction, AuditEvent
    from kasipodaq.cards.models import Card, MemberNumber, RegionSequence

    tables = [m._meta.db_table for m in (Card, MemberNumber, RegionSequence)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables))
        AuditEvent.objects.filter(action=AuditAction.CARD_ISSUED).delete()


def vacuum_cards() -> None:
    """What autovacuum would do soon after a run: statistics for the planner."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cards_card, cards_membernumber")


# Issuance


@dataclass
class Issuance:
    cards: int
    seconds: float
    bare_sign: float
    bare_copy: float

    @property
    def bare(self) -> float:
        return self.bare_sign + self.bare_copy


def time_issuance() -> Issuance:
    from kasipodaq.cards.selectors import union_root
    from kasipodaq.cards.services.bulk import issue_missing_cards

    root = union_root()
    assert root is not None, "no union"
    started = time.perf_counter()
    cards = issue_missing_cards(actor=None, unit=root)
    seconds = time.perf_counter() - started
    sign, copy = time_bare_issuance()
    return Issuance(cards=cards, seconds=seconds, bare_sign=sign, bare_copy=copy)


def time_bare_issuance() -> tuple[float, float]:
    """Seconds to sign as many tokens as there are cards, and to COPY their rows.

    The payloads are the cards' own (their tokens without the signature); the
    rows, the cards' columns, go into a temporary table like cards_card.
    """
    from django.db import connection, transaction

    from kasipodaq.cards.keys import current_ring
    from kasipodaq.cards.models import Card

    ring = current_ring()
    assert ring.signing is not None
    private = ring.signing.private
    rows = list(
        Card.objects.order_by("pk").values_list(
            "person_id",
            "number",
            "serial",
            "membership_id",
            "org_unit_id",
            "issued_on",
            "issued_at",
            "issued_by_id",
            "key_id",
            "token",
            "revoke_reason",
        )
    )
    payloads = [_unb64(row[9])[:-SIGNATURE_BYTES] for row in rows]

    started = time.perf_counter()
    tokens = [
        base64.urlsafe_b64encode(p + private.sign(p)).rstrip(b"=").decode("ascii")
        for p in payloads
    ]
    signed = time.perf_counter()
    columns = (
        "person_id, number, serial, membership_id, org_unit_id, issued_on, issued_at, "
        "issued_by_id, key_id, token, revoke_reason"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bare_card (LIKE cards_card INCLUDING DEFAULTS "
            "INCLUDING IDENTITY) ON COMMIT DROP"
        )
        started_copy = time.perf_counter()
        with cursor.cursor.copy(f"COPY bare_card ({columns}) FROM STDIN") as copy:
            for row, token in zip(rows, tokens, strict=True):
                copy.write_row((*row[:9], token, row[10]))
        copied = time.perf_counter()
    assert tokens == [row[9] for row in rows], "Ed25519 signatures are deterministic"
    return signed - started, copied - started_copy


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def report_issuance(issued: Issuance) -> None:
    rate = issued.cards / issued.seconds if issued.seconds else 0.0
    # The target is for 100,000 cards: scaled to the cards of this run.
    target = TARGET_ISSUE_SECONDS * issued.cards / TARGET_ISSUE_CARDS
    verdict = "meets" if issued.seconds < target else "MISSES"
    scaled = "" if issued.cards == TARGET_ISSUE_CARDS else " (60 s for 100,000)"
    print(f"\nIssuance: a card to every active member ({issued.cards:,} cards)")
    print(
        f"  product issue_missing_cards   {issued.seconds:7.2f} s  "
        f"{rate:9,.0f} cards/s   target < {target:.0f} s for {issued.cards:,}"
        f"{scaled}: {verdict}"
    )
    print(
        f"  bare: Ed25519 sign            {issued.bare_sign:7.2f} s  "
        f"{issued.cards / issued.bare_sign:9,.0f} tokens/s"
    )
    print(
        f"        COPY into a temp table  {issued.bare_copy:7.2f} s  "
        f"{issued.cards / issued.bare_copy:9,.0f} rows/s"
    )
    print(
        f"        together                {issued.bare:7.2f} s  "
        f"{issued.cards / issued.bare:9,.0f} cards/s"
    )
    print(f"  ratio product/bare {issued.seconds / issued.bare:.1f}")


# Serving


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str  # sync or gthread
    workers: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> ServerConfig:
        """`sync:2`, `sync:4`, `gthread:2x4` (workers x threads)."""
        kind, _colon, size = text.partition(":")
        workers, _x, threads = size.partition("x")
        if kind not in {"sync", "gthread"} or not workers.isdigit():
            raise argparse.ArgumentTypeError(f"not a server configuration: {text}")
        return cls(kind, int(workers), int(threads or 1))

    def __str__(self) -> str:
        if self.worker_class == "gthread":
            return f"gthread, {self.workers} workers x {self.threads} threads"
        return f"{self.workers} sync workers"

    def arguments(self) -> list[str]:
        found = ["--worker-class", self.worker_class, "--workers", str(self.workers)]
        if self.worker_class == "gthread":
            found += ["--threads", str(self.threads)]
        return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str) -> tuple[int, str]:
    """One GET on a fresh connection, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@contextlib.contextmanager
def serving(
    app: str, config: ServerConfig, env: dict[str, str], log: Path
) -> Iterator[int]:
    """A gunicorn serving `app` on a free port; stopped, with its workers, after."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        *config.arguments(),
        "--pythonpath",
        str(BENCHMARKS),
        "--log-level",
        "warning",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, workers included
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {app} stopped:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                get(port, "/v/")
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn {app} did not answer in 60 s")
            time.sleep(0.2)
        yield port
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    bad_status: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    port: int, script: Path, *, duration: int, threads: int, connections: int
) -> tuple[Load, str]:
    done = subprocess.run(  # noqa: S603 (our own command)
        [
            WRK,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.search(r"^WRK-RESULT (.*)$", done.stdout, re.MULTILINE)
    if found is None:
        raise SystemExit(f"wrk printed no figures:\n{done.stdout}\n{done.stderr}")
    f = {k: int(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    load = Load(
        requests=f["requests"],
        seconds=f["duration_us"] / 1e6,
        p50_ms=f["p50_us"] / 1000,
        p90_ms=f["p90_us"] / 1000,
        p99_ms=f["p99_us"] / 1000,
        max_ms=f["max_us"] / 1000,
        socket_errors=f["connect"] + f["read"] + f["write"] + f["timeout"],
        bad_status=f["status"],
    )
    return load, done.stdout


def check_answers(port: int, paths: Sequence[str], *, product: bool) -> None:
    """Every token answers 200 (no redirect) and, on the product, "valid"."""
    for path in paths:
        status, body = get(port, path)
        if status != 200:
            raise SystemExit(f"GET {path[:40]}… answered {status}:\n{body[:2000]}")
        if product and 'class="verdict valid"' not in body:
            raise SystemExit(f"GET {path[:40]}… is not valid:\n{body[:3000]}")
        if not product and not body.startswith("valid"):
            raise SystemExit(f"bare GET {path[:40]}… answered {body[:200]}")


def server_env(
    database: str, keys: list[dict[str, str]], settings: str
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "KASIPODAQ_", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        SECRET_KEY="card-checks-benchmark-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database,
        REDIS_URL=REDIS_URL,
        KASIPODAQ_CARD_CHECKS_PER_MINUTE="100000000",
        KASIPODAQ_CARD_KEYS=json.dumps(keys),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@dataclass(frozen=True)
class Measured:
    config: ServerConfig
    product: Load
    bare: Load


def measure_checks(
    args: argparse.Namespace, keys: list[dict[str, str]], tokens: list[str]
) -> list[Measured]:
    paths = [f"/v/{token}" for token in tokens]
    env = server_env(args.database, keys, "config.settings.production")
    bare_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    apps = {
        "product": ("config.wsgi:application", env),
        "bare": ("bare_check_app:application", bare_env),
    }
    measured = []
    with tempfile.TemporaryDirectory(prefix="kq-card-checks-") as tmp:
        script = Path(tmp) / "tokens.lua"
        script.write_text(
            WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths)}
        )
        for config in args.servers:
            loads: dict[str, Load] = {}
            for name, (app, app_env) in apps.items():
                with serving(app, config, app_env, Path(tmp) / f"{name}.log") as port:
                    check_answers(port, paths, product=name == "product")
                    run_wrk(
                        port,
                        script,
                        duration=3,
                        threads=args.threads,
                        connections=args.connections,
                    )
                    load, output = run_wrk(
                        port,
                        script,
                        duration=args.duration,
                        threads=args.threads,
                        connections=args.connections,
                    )
                if load.bad_status or load.socket_errors:
                    print(output)
                if load.bad_status:
                    raise SystemExit(
                        f"{name} under {config}: {load.bad_status:,} answers that are "
                        f"not 2xx or 3xx"
                    )
                loads[name] = load
                print(
                    f"  {config!s:<34} {name:<8} {load.per_second:7,.0f} req/s  "
                    f"p50 {load.p50_ms:6.1f} ms  p99 {load.p99_ms:6.1f} ms  "
                    f"({load.requests:,} requests"
                    + (
                        f", {load.socket_errors:,} socket errors"
                        if load.socket_errors
                        else ""
                    )
                    + ")"
                )
            measured.append(Measured(config, loads["product"], loads["bare"]))
    return measured


def report_checks(measured: list[Measured], args: argparse.Namespace) -> None:
    print(
        f"\nChecks of cards, GET /v/<token>, wrk -t{args.threads} "
        f"-c{args.connections} -d{args.duration}s over {args.tokens:,} tokens"
    )
    print(
        f"  {'server':<34} {'product':>8} {'p50':>7} {'p99':>7}   "
        f"{'bare':>8} {'p50':>7} {'p99':>7}   bare/product"
    )
    for m in measured:
        p, b = m.product, m.bare
        print(
            f"  {m.config!s:<34} {p.per_second:8,.0f} {p.p50_ms:7.1f} {p.p99_ms:7.1f}"
            f"   {b.per_second:8,.0f} {b.p50_ms:7.1f} {b.p99_ms:7.1f}   "
            f"{b.per_second / p.per_second if p.per_second else 0:5.2f}"
        )
    best = max(measured, key=lambda m: m.product.per_second)
    rate, p99 = best.product.per_second, best.product.p99_ms
    verdicts = [
        "meets" if rate >= TARGET_CHECKS_PER_SECOND else "MISSES",
        "meets" if p99 < TARGET_CHECK_P99_MS else "MISSES",
    ]
    print(
        f"  best: {best.config}: {rate:,.0f} checks/s "
        f"(target ≥ {TARGET_CHECKS_PER_SECOND:,.0f}: {verdicts[0]}), "
        f"p99 {p99:.1f} ms (target < {TARGET_CHECK_P99_MS:g} ms: {verdicts[1]}); "
        f"bare {best.bare.per_second:,.0f} req/s, ratio bare/product "
        f"{best.bare.per_second / rate if rate else 0:.2f}"
    )


def sample_tokens(count: int) -> list[str]:
    from kasipodaq.cards.models import Card

    return list(Card.objects.order_by("?").values_list("token", flat=True)[:count])


def load_average() -> str:
    """The machine's load (it is shared: other work runs beside the benchmark)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the union when it is already there"
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk's open connections"
    )
    parser.add_argument(
        "--servers",
        type=lambda text: [ServerConfig.parse(t) for t in text.split(",")],
        default=[ServerConfig("sync", 2), ServerConfig("sync", 4)],
        help="gunicorn configurations: sync:N or gthread:NxT, comma-separated",
    )
    parser.add_argument(
        "--tokens", type=int, default=1000, help="tokens wrk rotates through"
    )
    parser.add_argument(
        "--database", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminate)

    started = time.perf_counter()
    keys = bench_keys()
    registry_queries._setup_django(args.database)
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (DATABASE_URL).")
    ensure_union(args.members, reuse=args.reuse)
    clear_cards()
    print(f"data ready in {time.perf_counter() - started:.1f} s")

    issued = time_issuance()
    report_issuance(issued)
    vacuum_cards()
    tokens = sample_tokens(args.tokens)
    connection.close()

    print(
        f"\nLoading the check page from loopback ({len(tokens):,} tokens; before "
        f"each load every token is asked once: 200, and «valid» on the product); "
        f"load average {load_average()}"
    )
    measured = measure_checks(args, keys, tokens)
    print(f"  load average {load_average()}")
    report_checks(measured, args)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
