"""`make bench`: the key pages under a fixed load, as ratios to a hello-world ceiling.

Per engine (SQLite always; PostgreSQL when 127.0.0.1:5432 answers): a fresh database, migrated
and seeded with bench/seed.py; gunicorn with 2 workers in the production configuration plus
RIKSCHA_BENCHMARK=1 (the /_bench/hello route and the X-Query-Count header); logged-in sessions
for the resident, driver, caretaker and coordinator; a warm-up; then interleaved rounds (hello,
page A, page B, … per round) with 8 connections for a fixed time each. Prints per endpoint the
median req/s, p50 and p99 latency, the ratio to hello and the SQL queries per request; then as
many rounds of booking POSTs on distinct free slots (median bookings/s) and a check that no two
rides overlap.

    .venv/bin/python bench/run.py [--engines sqlite,postgresql] [--rounds 3] [--duration 5]
        [--generator auto|wrk|python] [--scale 1.0] [--only NAME,…]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import Result, drain, generator, percentile  # noqa: E402
from bench.seed import booking_bodies, booking_form_query, open_month_query  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get("RIKSCHA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RIKSCHA_BENCH_REDIS", "redis://127.0.0.1:6379/14")
PASSWORD = "rikscha-demo"
WORKERS = 2
# endpoint: minimum share of hello's req/s (the targets)
TARGETS = {
    "availability API": 0.40,
    "booking form": 0.40,
    "resident's rides": 0.25,
    "driver's week": 0.25,
    "day plan": 0.15,
    "fleet overview": 0.15,
    "caretaker's tasks": 0.15,
    "month report": 0.05,
}
P99_TARGET_MS = 50.0
HELLO_PATH = "/_bench/hello"
BOOKING_TARGET = 200.0
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
OVERLAPS = """
SELECT count(*) FROM rides a JOIN rides b ON a.id < b.id
WHERE a.status IN ('requested', 'confirmed') AND b.status IN ('requested', 'confirmed')
  AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until
  AND (a.rickshaw_id = b.rickshaw_id OR a.driver_id = b.driver_id
       OR (a.rider_id = b.rider_id AND a.start_at < b.end_at AND b.start_at < a.end_at))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def port_open(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- databases and the server ----------------------------------------------------------------------


@contextmanager
def fresh_database(engine: str, workdir: Path):
    if engine == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"rikscha_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str) -> dict:
    redis = port_open("127.0.0.1", 6379)
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "RIKSCHA_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "RIKSCHA_BENCHMARK": "1",
        "RATELIMIT_STORAGE_URI": REDIS_URL if redis else "memory://",
        "RATELIMIT_KEY_PREFIX": f"rikscha-bench-{uuid.uuid4().hex[:6]}",
        "RIKSCHA_LOGIN_FAILURE_LIMIT": "1000",
        "PYTHONPATH": str(ROOT),
    }


def flask_cli(env: dict, *args: str) -> str:
    from tests.server import flask_cli as run_flask

    return run_flask(env, *args, timeout=300)  # migrating a large database takes a while


@contextmanager
def gunicorn(env: dict, workers: int = WORKERS):
    from tests.server import running_server

    with running_server(env, workers=workers, timeout=60) as base:
        yield base


# --- HTTP with a session ------------------------------------------------------------------------------


@dataclass
class Session:
    """Cookies by hand: production cookies are Secure, which a cookie jar would not send over http."""

    base: str
    cookies: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        address = urllib.parse.urlsplit(self.base)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers={**self.header(), **(headers or {})})
            response = connection.getresponse()
            payload = response.read().decode()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), payload
        finally:
            connection.close()

    def header(self) -> dict:
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def login(self, email: str) -> Session:
        _status, _headers, page = self.request("GET", "/anmelden")
        token = _CSRF.search(page).group(1)
        body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
        status, _headers, page = self.request(
            "POST", "/anmelden", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"login as {email} failed ({status}): {page[:300]}")
        return self


# --- what is measured ------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    path: str | None  # None: not available in this build (printed as n/a)
    headers: dict
    queries: int | None = None
    results: list[Result] = field(default_factory=list)


def targets_for(database_url: str) -> dict:
    from sqlalchemy import create_engine

    from bench.seed import bench_targets
    from rikscha.database import utcnow

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return bench_targets(connection, now=utcnow())
    finally:
        engine.dispose()


def report_path(coordinator: Session, path: str) -> str | None:
    """`path` of the reports page, if it answers (the last complete month may not exist yet)."""
    status, _headers, _page = coordinator.request("GET", path)
    return path if status == 200 else None


def endpoints_for(base: str, env: dict, targets: dict) -> list[Endpoint]:
    sessions = {
        role: Session(base).login(targets[role])
        for role in ("resident", "driver", "caretaker", "coordinator")
    }
    token = flask_cli(env, "tokens", "create", targets["resident"]).strip().splitlines()[-1]
    day = date.fromisoformat(targets["day"])
    api = {"Authorization": f"Bearer {token}"}
    _status, _headers, body = Session(base, headers=api).request(
        "GET", f"/api/v1/availability?date={day}&duration=60&passengers=1"
    )
    booking = booking_form_query(targets, json.loads(body).get("slots") or [])
    # Without arguments: the last complete month, a closed period, kept after its first request.
    month_report = report_path(sessions["coordinator"], "/berichte/")
    # The month under way: built for every request.
    open_month_report = report_path(sessions["coordinator"], f"/berichte/?{open_month_query()}")
    return [
        Endpoint("hello", HELLO_PATH, {}),
        Endpoint("availability API", f"/api/v1/availability?date={day}&duration=60&passengers=1", api),
        Endpoint("booking form", f"/fahrten/buchen/angaben?{booking}", sessions["resident"].header()),
        Endpoint("resident's rides", "/bewohner", sessions["resident"].header()),
        Endpoint("driver's week", "/fahrer", sessions["driver"].header()),
        Endpoint("day plan", f"/buero/tagesplan?tag={day}", sessions["coordinator"].header()),
        Endpoint("fleet overview", "/flotte/", sessions["coordinator"].header()),
        Endpoint("caretaker's tasks", "/hausmeister", sessions["caretaker"].header()),
        Endpoint("month report", month_report, sessions["coordinator"].header()),
        Endpoint("open month report", open_month_report, sessions["coordinator"].header()),
    ]


def check_page(base: str, endpoint: Endpoint) -> None:
    """One request: it must answer 200 (not a redirect to the login); remember its query count.

    Called before the warm-up (a page that fails stops the run early) and after it, so the count
    printed is that of a warm worker.
    """
    status, headers, body = Session(base, headers=endpoint.headers).request("GET", endpoint.path)
    if status != 200:
        raise RuntimeError(f"{endpoint.name}: GET {endpoint.path} answered {status}: {body[:300]}")
    endpoint.queries = int(headers.get("X-Query-Count", -1))


# --- booking POSTs -----------------------------------------------------------------------------------


def booking_rounds(
    base: str, env: dict, database_url: str, *, rounds: int, connections: int, duration: float
) -> dict:
    """POST /api/v1/rides on distinct free slots (days 10–59 ahead, one start per request).

    `rounds` runs of `duration` seconds, each on a fresh list of free slots (a start stays free
    while some pair is), so that the figure reported is a median as for the pages: a single
    5-second run on one machine gave 49 and 102 bookings a second for the same code.
    """
    from sqlalchemy import create_engine, text

    token = flask_cli(env, "tokens", "create", "koordination@example.org").strip().splitlines()[-1]
    api = Session(base, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))

    def free_starts(day: date) -> list[str]:
        _s, _h, body = api.request("GET", f"/api/v1/availability?date={day}&duration=30&passengers=1")
        return [slot["start"] for slot in json.loads(body).get("slots", [])]

    runs, sent = [], 0
    for _round in range(rounds):
        with engine.connect() as connection:
            bodies = booking_bodies(connection, free_starts, today=date.today(), first_rider=sent)
        run = post_bookings(
            base, api.header(), [json.dumps(body).encode() for body in bodies], connections, duration
        )
        sent += run["requests"]
        runs.append(run)
    with engine.connect() as connection:
        overlaps = connection.execute(text(OVERLAPS)).scalar_one()
    engine.dispose()
    outcomes: dict[int, int] = {}
    for run in runs:
        for status, count in run["outcomes"].items():
            outcomes[status] = outcomes.get(status, 0) + count
    return {
        "rounds": runs,
        "requests": sent,
        "outcomes": outcomes,
        "created_per_s": statistics.median(run["created_per_s"] for run in runs),
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": statistics.median(run["p99_ms"] for run in runs),
        "overlaps": overlaps,
    }


def post_bookings(base: str, headers: dict, bodies: list[bytes], connections: int, duration: float) -> dict:
    """Send `bodies` in order from `connections` threads until `duration` is over or none is left."""
    position, lock = [0], threading.Lock()
    outcomes: dict[int, int] = {}
    latencies: list[float] = []
    stop_at = time.perf_counter() + duration
    address = urllib.parse.urlsplit(base)

    def worker() -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        while time.perf_counter() < stop_at:
            with lock:
                if position[0] >= len(bodies):
                    break
                body = bodies[position[0]]
                position[0] += 1
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/rides", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
            with lock:
                outcomes[status] = outcomes.get(status, 0) + 1
                latencies.append(time.perf_counter() - began)
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 120)
    elapsed = time.perf_counter() - began
    return {
        "requests": sum(outcomes.values()),
        "outcomes": outcomes,
        "created_per_s": outcomes.get(201, 0) / elapsed,
        "p50_ms": percentile(latencies, 0.5) * 1000 if latencies else 0.0,
        "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else 0.0,
    }


# --- one engine ----------------------------------------------------------------------------------------


def bench_engine(engine: str, args) -> dict:
    name, load = generator(args.generator)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rikscha-bench-")))
        database_url = stack.enter_context(fresh_database(engine, workdir))
        env = server_env(database_url)
        env["RIKSCHA_UPLOAD_FOLDER"] = str(workdir / "uploads")
        started = time.perf_counter()
        flask_cli(env, "db", "upgrade")
        seeded = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "seed.py"),
                "--database-url",
                database_url,
                "--scale",
                str(args.scale),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{seeded.stdout}\n{seeded.stderr}")
        seed_line = seeded.stdout.strip().splitlines()[-1]
        log(f"[{engine}] migrated and {seed_line} (total {time.perf_counter() - started:.1f} s)")
        targets = targets_for(database_url)
        base = stack.enter_context(gunicorn(env))
        endpoints = endpoints_for(base, env, targets)
        if args.only:
            wanted = {"hello", *args.only.split(",")}
            endpoints = [e for e in endpoints if e.name in wanted]
        measured = [e for e in endpoints if e.path]
        for endpoint in measured:
            check_page(base, endpoint)
        log(
            f"[{engine}] {name}: warming up; then {args.rounds} rounds × {len(measured)} endpoints × "
            f"{args.duration:g} s, {args.connections} connections"
        )
        for endpoint in measured:
            load(base, endpoint.path, endpoint.headers, connections=args.connections, duration=args.warmup)
        for endpoint in measured:  # the queries of a warm worker (free times reuse the day's plan)
            check_page(base, endpoint)
        for round_no in range(args.rounds):
            for endpoint in measured:
                result = load(
                    base,
                    endpoint.path,
                    endpoint.headers,
                    connections=args.connections,
                    duration=args.duration,
                )
                drain(base, HELLO_PATH, connections=args.connections)
                if result.errors:
                    log(f"[{engine}] round {round_no + 1} {endpoint.name}: {result.errors} failed requests")
                endpoint.results.append(result)
            log(f"[{engine}] round {round_no + 1} done")
        bookings = None
        if not args.skip_bookings:
            bookings = booking_rounds(
                base,
                env,
                database_url,
                rounds=args.rounds,
                connections=args.connections,
                duration=args.duration,
            )
    return {
        "engine": engine,
        "generator": name,
        "seed": seed_line,
        "endpoints": endpoints,
        "bookings": bookings,
        "targets": targets,
    }


def print_table(outcome: dict, args) -> list[str]:
    endpoints = outcome["endpoints"]
    hello = statistics.median(r.rps for r in endpoints[0].results)
    misses = []
    lines = [
        f"\n## {outcome['engine']} — {WORKERS} gunicorn workers, {args.connections} connections, "
        f"{args.rounds} rounds × {args.duration:g} s, load generator: {outcome['generator']}",
        f"{outcome['seed']}",
        "",
        f"| {'endpoint':<18} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'× hello':>7} | {'target':>6} "
        f"| {'queries':>7} | errors |",
        f"|{'-' * 20}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 9}|--------|",
    ]
    for endpoint in endpoints:
        target = TARGETS.get(endpoint.name)
        if not endpoint.results:
            lines.append(
                f"| {endpoint.name:<18} | {'n/a':>7} | {'n/a':>7} | {'n/a':>7} | {'n/a':>7} | "
                f"{target or '':>6} | {'n/a':>7} | n/a    |"
            )
            continue
        rps = statistics.median(r.rps for r in endpoint.results)
        p50 = statistics.median(r.p50_ms for r in endpoint.results)
        p99 = statistics.median(r.p99_ms for r in endpoint.results)
        ratio = rps / hello
        errors = sum(r.errors for r in endpoint.results)
        flag = ""
        if target is not None and ratio < target:
            flag = " ✗"
            misses.append(f"{outcome['engine']}: {endpoint.name} {ratio:.2f} × hello < {target}")
        if endpoint.name != "hello" and p99 > P99_TARGET_MS:
            misses.append(f"{outcome['engine']}: {endpoint.name} p99 {p99:.1f} ms > {P99_TARGET_MS:g} ms")
        lines.append(
            f"| {endpoint.name:<18} | {rps:>7.0f} | {p50:>7.1f} | {p99:>7.1f} | {ratio:>5.2f}{flag:<2} | "
            f"{target or '':>6} | {endpoint.queries:>7} | {errors:<6} |"
        )
    bookings = outcome["bookings"]
    if bookings:
        per_round = ", ".join(f"{run['created_per_s']:.0f}" for run in bookings["rounds"])
        lines += [
            "",
            f"booking POSTs (/api/v1/rides, distinct free slots of days 10–59 ahead), "
            f"{len(bookings['rounds'])} rounds × {args.duration:g} s: created {per_round} per s, "
            f"median {bookings['created_per_s']:.0f}/s; {bookings['requests']} requests, answers "
            f"{bookings['outcomes']}; median p50 {bookings['p50_ms']:.1f} ms, p99 {bookings['p99_ms']:.1f} ms; "
            f"overlapping active rides afterwards: {bookings['overlaps']}",
        ]
        if bookings["overlaps"]:
            misses.append(
                f"{outcome['engine']}: {bookings['overlaps']} overlapping rides after the booking run"
            )
        if outcome["engine"] == "postgresql" and bookings["created_per_s"] < BOOKING_TARGET:
            misses.append(f"postgresql: {bookings['created_per_s']:.0f} bookings/s < {BOOKING_TARGET:g}/s")
    print("\n".join(lines), flush=True)
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rikscha benchmark (see README, 'Benchmarks').")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint per round")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per endpoint before the rounds")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--scale", type=float, default=1.0, help="data set size (1.0: 200 000 rides)")
    parser.add_argument("--only", default="", help="comma-separated endpoint names (hello is always run)")
    parser.add_argument("--skip-bookings", action="store_true")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    misses: list[str] = []
    for engine in args.engines.split(","):
        if engine == "postgresql" and not port_open("127.0.0.1", 5432):
            print("\n## postgresql — skipped: nothing listens on 127.0.0.1:5432", flush=True)
            continue
        try:
            outcome = bench_engine(engine, args)
        except ImportError as error:  # psycopg missing: not a PostgreSQL installation
            print(f"\n## {engine} — skipped: {error}", flush=True)
            continue
        misses += print_table(outcome, args)
    print(f"\nbenchmark took {time.perf_counter() - began:.0f} s")
    print("targets missed:\n  " + "\n  ".join(misses) if misses else "all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
