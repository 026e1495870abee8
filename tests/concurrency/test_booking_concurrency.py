"""No double booking under load: simultaneous API bookings against gunicorn with 4 worker processes.

Per engine: migrate a fresh database, load 2 rickshaws, 3 drivers, a coordinator and 50 riders,
start the server, then fire rounds of 40 simultaneous POST /api/v1/rides for overlapping times
(one day per round). Every answer must be 201 or 409 with a code, never 5xx; the successes can't
exceed what two rickshaws can carry; and the database must hold no two active rides sharing a
rickshaw, a driver or a rider at overlapping times.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from tests.server import ROOT, flask_cli, running_server, server_env
from tests.services import POSTGRES_ADMIN_URL, unavailable

pytestmark = pytest.mark.slow

WORKERS = 4
ROUNDS = 5
REQUESTS = 40
RIDERS = 50
RICKSHAWS = 2
BUFFER = timedelta(minutes=15)  # the default setting
OFFICE = ZoneInfo("Europe/Berlin")
CONFLICT_CODES = {"slot_taken", "rider_busy", "no_capacity"}

# Runs in a subprocess against the migrated database (DATABASE_URL in its environment).
SETUP = f"""
import json
from rikscha import create_app
from rikscha.database import exclusive_writes
from rikscha.extensions import db
from tests.factories import make_driver, make_rickshaw, make_rider, make_user

app = create_app()
with app.app_context(), exclusive_writes():
    for n in range({RICKSHAWS}):
        make_rickshaw(name=f"Rikscha {{n}}", kind="Cruiser", seats=2, capacity_minutes=480)
    for n in range(3):
        make_driver(name=f"Fahrer {{n}}", email=f"fahrer{{n}}@example.org", kinds=("Cruiser",))
    make_user(roles=("coordinator",), email="koordination@example.org", name="Koordination")
    riders = [make_rider(name=f"Fahrgast {{n}}").id for n in range({RIDERS})]
    db.session.commit()
print(json.dumps({{"riders": riders}}))
"""

OVERLAPS = """
SELECT count(*) FROM rides a JOIN rides b ON a.id < b.id
WHERE a.status IN ('requested', 'confirmed') AND b.status IN ('requested', 'confirmed')
  AND (
    ((a.rickshaw_id = b.rickshaw_id OR a.driver_id = b.driver_id)
      AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until)
    OR (a.rider_id = b.rider_id AND a.start_at < b.end_at AND b.start_at < a.end_at)
  )
"""


@dataclass(frozen=True)
class Outcome:
    status: int
    code: str | None


@contextmanager
def throwaway_postgres():
    """A new, empty PostgreSQL database (plain postgresql:// URL), dropped afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - any connection failure means "no server here"
        unavailable("PostgreSQL", str(error).strip())
    name = f"rikscha_concurrency_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def server_database(request, tmp_path):
    """A fresh, empty database for the server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'concurrency.sqlite3'}"
        return
    with throwaway_postgres() as url:
        yield url


def _prepare(env: dict) -> tuple[list[int], str]:
    flask_cli(env, "db", "upgrade")
    result = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    riders = json.loads(result.stdout.strip().splitlines()[-1])["riders"]
    token = flask_cli(env, "tokens", "create", "koordination@example.org").strip().splitlines()[-1]
    return riders, token


def _days(count: int) -> list[date]:
    """`count` days from three days ahead on, skipping Sundays (closed by default)."""
    day, days = datetime.now(OFFICE).date() + timedelta(days=3), []
    while len(days) < count:
        if day.weekday() != 6:
            days.append(day)
        day += timedelta(days=1)
    return days


def _requests(round_no: int, day: date) -> list[tuple[datetime, int]]:
    """(start, duration) of each request: all from 10:00 to 11:00 local, so that they overlap."""
    ten = datetime(day.year, day.month, day.day, 10, 0, tzinfo=OFFICE)
    patterns = [
        lambda i: (ten, 60),  # everyone at the same time
        lambda i: (ten + timedelta(minutes=15 * (i % 5)), 60),
        lambda i: (ten + timedelta(minutes=15 * (i % 5)), 30),
        lambda i: (ten + timedelta(minutes=30 * (i % 3)), 90),
        lambda i: (ten + timedelta(minutes=15 * (i % 4)), (30, 60, 90, 120)[i % 4]),
    ]
    pattern = patterns[round_no % len(patterns)]
    return [pattern(i) for i in range(REQUESTS)]


def _capacity(requests: list[tuple[datetime, int]], machines: int = RICKSHAWS) -> int:
    """The most of these rides `machines` rickshaws can carry (greedy by end time is optimal)."""
    periods = sorted(
        ((start - BUFFER, start + timedelta(minutes=minutes) + BUFFER) for start, minutes in requests),
        key=lambda period: period[1],
    )
    free_from: list[datetime | None] = [None] * machines  # None: not used yet
    carried = 0
    for start, end in periods:
        usable = [i for i, since in enumerate(free_from) if since is None or since <= start]
        if usable:
            # The rickshaw that became free last keeps the earlier-free ones for longer rides.
            free_from[max(usable, key=lambda i: (free_from[i] is not None, free_from[i] or start))] = end
            carried += 1
    return carried


def _fire(base: str, token: str, bodies: list[dict]) -> tuple[list[Outcome], float]:
    """Send all bodies at once (threads released by a barrier); return the outcomes and wall time."""
    address = urllib.parse.urlsplit(base)
    barrier = threading.Barrier(len(bodies) + 1, timeout=30)
    outcomes: list[Outcome | None] = [None] * len(bodies)

    def send(index: int, body: dict) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.connect()
            barrier.wait()
            connection.request(
                "POST",
                "/api/v1/rides",
                body=json.dumps(body),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                },
            )
            response = connection.getresponse()
            payload = response.read()
            try:
                code = json.loads(payload).get("error", {}).get("code")
            except ValueError:
                code = None
            outcomes[index] = Outcome(response.status, code)
        except (OSError, threading.BrokenBarrierError) as error:  # a failure below, not a hung test
            outcomes[index] = Outcome(0, f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(90)
    return [o or Outcome(0, "no answer") for o in outcomes], time.perf_counter() - started


def _server_processes(base: str) -> int:
    """How many processes run this gunicorn (the master and its workers share the command line)."""
    needle = f"127.0.0.1:{urllib.parse.urlsplit(base).port}".encode()
    count = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            content = cmdline.read_bytes()
        except OSError:
            continue
        if b"gunicorn" in content and needle in content:
            count += 1
    return count


def test_simultaneous_bookings_never_double_book(server_database, capsys):
    database_url = server_database
    engine_name = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    env = server_env(database_url)
    riders, token = _prepare(env)
    check_url = database_url.replace("postgresql://", "postgresql+psycopg://")
    check = create_engine(check_url)
    total = {"requests": 0, "successes": 0, "409": 0, "5xx": 0}
    lines = []
    try:
        with running_server(env, workers=WORKERS) as base:
            if Path("/proc").is_dir():
                assert _server_processes(base) >= WORKERS + 1, "gunicorn should run 4 worker processes"
            for round_no, day in enumerate(_days(ROUNDS)):
                requests = _requests(round_no, day)
                bodies = [
                    {
                        "rider_id": riders[(round_no * 7 + i) % len(riders)],
                        "start": start.isoformat(),
                        "duration": minutes,
                        "passengers": 1,
                        "destination": "Stadtpark",
                        "pickup": "Am Markt 1",
                    }
                    for i, (start, minutes) in enumerate(requests)
                ]
                outcomes, wall = _fire(base, token, bodies)
                successes = sum(o.status == 201 for o in outcomes)
                conflicts = [o for o in outcomes if o.status == 409]
                errors = [o for o in outcomes if o.status >= 500 or o.status == 0]
                others = [o for o in outcomes if o.status not in (201, 409) and o not in errors]
                capacity = _capacity(requests)
                with check.connect() as connection:
                    overlaps = connection.execute(text(OVERLAPS)).scalar_one()
                    active = connection.execute(
                        text("SELECT count(*) FROM rides WHERE status IN ('requested', 'confirmed')")
                    ).scalar_one()
                line = (
                    f"[{engine_name}] round {round_no + 1} ({day}): requests={len(outcomes)} "
                    f"successes={successes} (capacity {capacity}) 409={len(conflicts)} "
                    f"5xx={len(errors)} overlaps={overlaps} wall={wall:.2f}s "
                    f"codes={dict(Counter(o.code for o in conflicts))}"
                )
                lines.append(line)
                with capsys.disabled():
                    print("\n" + line, end="")
                total["requests"] += len(outcomes)
                total["successes"] += successes
                total["409"] += len(conflicts)
                total["5xx"] += len(errors)
                assert not errors, f"{line}: {errors}"
                assert not others, f"{line}: {others}"
                assert all(o.code in CONFLICT_CODES for o in conflicts), f"{line}: {conflicts}"
                assert 1 <= successes <= capacity, line
                assert overlaps == 0, line
                assert active == total["successes"], line
    finally:
        check.dispose()
    with capsys.disabled():
        print(f"\n[{engine_name}] total: " + ", ".join(f"{k}={v}" for k, v in total.items()))
    assert total["requests"] >= ROUNDS * REQUESTS


def test_simultaneous_service_bookings_on_postgresql_end_without_deadlocks(capsys):
    """Many sessions booking the same times at the same instant, straight through the service.

    Inserts checked by the two exclusion constraints (rickshaw, driver) used to wait for each
    other ("deadlock detected", a 500); the day's planning lock in the booking service prevents it.
    """
    from rikscha import create_app
    from rikscha.domain import DomainError
    from rikscha.extensions import db
    from rikscha.rides.models import Rider
    from rikscha.rides.services import RideRequest, book_ride
    from tests.conftest import TEST_CONFIG
    from tests.factories import make_driver, make_rickshaw, make_rider

    threads, rounds = 12, 8
    with throwaway_postgres() as url:
        app = create_app(
            {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://")}
        )
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
            db.create_all()
            for _ in range(RICKSHAWS):
                make_rickshaw()
            for _ in range(3):
                make_driver()
            riders = [make_rider().id for _ in range(threads)]
            db.session.commit()
        days = _days(rounds)
        now = datetime.now(OFFICE)
        barrier = threading.Barrier(threads)
        outcomes: Counter = Counter()

        def book(index: int) -> None:
            for day in days:
                start = datetime(day.year, day.month, day.day, 10, 15 * (index % 3), tzinfo=OFFICE)
                with app.app_context():
                    rider = db.session.get(Rider, riders[index])
                    request = RideRequest(
                        rider=rider, start=start, duration=60, passengers=1, pickup="Am Markt 1"
                    )
                    barrier.wait()
                    try:
                        book_ride(request, by=None, via="api", now=now, privileged=True)
                        db.session.commit()
                        outcomes["booked"] += 1
                    except DomainError as error:
                        outcomes[error.code] += 1
                    except Exception as error:  # noqa: BLE001 - counted and reported, never hidden
                        outcomes[f"{type(error).__name__}: {str(error).splitlines()[0]}"] += 1
                    finally:
                        db.session.rollback()

        workers = [threading.Thread(target=book, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        with app.app_context():
            overlaps = db.session.execute(text(OVERLAPS)).scalar_one()
            db.session.remove()
            db.engine.dispose()
    with capsys.disabled():
        print(
            f"\n[postgresql, service] {threads} sessions x {rounds} rounds: {dict(outcomes)} overlaps={overlaps}"
        )
    assert set(outcomes) <= {"booked"} | CONFLICT_CODES, outcomes
    assert outcomes["booked"] == RICKSHAWS * rounds
    assert overlaps == 0
