"""Where a benchmarked page spends its time: in-process timing and cProfile, no HTTP server.

    DATABASE_URL=sqlite:///…/bench.sqlite3 .venv/bin/python bench/hotspots.py [--only NAME,…]
        [--requests 30] [--profile NAME|bookings] [--top 30] [--bookings N]

Runs against a database already seeded by bench/seed.py (the same pages as bench/run.py), in the
production configuration, through Flask's test client. Prints the mean and minimum milliseconds
per request and the SQL queries; with --profile it prints the functions with the most cumulative
time for that page. --bookings N then books N distinct free slots through the API, one at a time
(this writes: use a freshly seeded throw-away database for each run). Use it to find what to change; bench/run.py gives the
figures to report.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import secrets
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def make_app():
    os.environ.setdefault("RIKSCHA_ENV", "production")
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    os.environ.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    os.environ.setdefault("RIKSCHA_LOGIN_FAILURE_LIMIT", "1000")
    os.environ["RIKSCHA_BENCHMARK"] = "1"
    from rikscha import create_app

    app = create_app()
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks http
    return app


def logged_in(app, email: str):
    client = app.test_client()
    page = client.get("/anmelden").get_data(as_text=True)
    token = _CSRF.search(page).group(1)
    response = client.post(
        "/anmelden", data={"email": email, "password": "rikscha-demo", "csrf_token": token}
    )
    if response.status_code != 302:
        raise RuntimeError(f"login as {email} failed: {response.status_code}")
    return client


def bearer_headers(app, email: str) -> dict:
    """An API token for `email`, as request headers."""
    with app.app_context():
        from rikscha.auth.models import User
        from rikscha.auth.services import create_token
        from rikscha.extensions import db

        user = db.session.scalar(db.select(User).where(User.email == email))
        _record, token = create_token(user, "hotspots")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def booking_posts(app, count: int, profiler: cProfile.Profile | None = None) -> None:
    """`count` booking POSTs to the API as the coordinator, on distinct free slots, one at a time.

    They really book: use a throw-away copy of the benchmark database. Prints the median and mean
    milliseconds, the answers and the statements of the last booking.
    """
    from sqlalchemy import create_engine

    from bench.seed import booking_bodies

    client, headers = app.test_client(), bearer_headers(app, "koordination@example.org")

    def free_starts(day: date) -> list[str]:
        answer = client.get(f"/api/v1/availability?date={day}&duration=30&passengers=1", headers=headers)
        return [slot["start"] for slot in answer.get_json().get("slots", [])]

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        bodies = booking_bodies(connection, free_starts, today=date.today())[:count]
    engine.dispose()
    times, answers, response = [], {}, None
    for body in bodies:
        began = time.perf_counter()
        if profiler:
            profiler.enable()
        response = client.post("/api/v1/rides", json=body, headers=headers)
        if profiler:
            profiler.disable()
        times.append((time.perf_counter() - began) * 1000)
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
    if not times:
        print("bookings: no free slots left")
        return
    print(
        f"{'bookings':<18} median {statistics.median(times):7.2f} ms  mean {statistics.mean(times):7.2f} ms  "
        f"answers {answers}  queries {response.headers.get('X-Query-Count')}"
    )


def pages(app) -> list[tuple[str, object, str, dict]]:
    from sqlalchemy import create_engine

    from bench.seed import bench_targets, booking_form_query, open_month_query
    from rikscha.database import utcnow

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        targets = bench_targets(connection, now=utcnow())
    engine.dispose()
    clients = {
        role: logged_in(app, targets[role]) for role in ("resident", "driver", "caretaker", "coordinator")
    }
    api = bearer_headers(app, targets["resident"])
    day = date.fromisoformat(targets["day"])
    availability = f"/api/v1/availability?date={day}&duration=60&passengers=1"
    slots = json.loads(clients["resident"].get(availability, headers=api).get_data()).get("slots") or []
    booking = booking_form_query(targets, slots)
    anonymous = app.test_client()
    return [
        ("hello", anonymous, "/_bench/hello", {}),
        ("availability API", anonymous, availability, api),
        ("booking form", clients["resident"], f"/fahrten/buchen/angaben?{booking}", {}),
        ("resident's rides", clients["resident"], "/bewohner", {}),
        ("driver's week", clients["driver"], "/fahrer", {}),
        ("day plan", clients["coordinator"], f"/buero/tagesplan?tag={day}", {}),
        ("fleet overview", clients["coordinator"], "/flotte/", {}),
        ("caretaker's tasks", clients["caretaker"], "/hausmeister", {}),
        ("month report", clients["coordinator"], "/berichte/", {}),
        ("open month report", clients["coordinator"], f"/berichte/?{open_month_query()}", {}),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", default="", help="endpoint name to profile")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--bookings", type=int, default=0, help="then this many booking POSTs (they book; profile: bookings)"
    )
    args = parser.parse_args(argv)
    app = make_app()
    wanted = set(filter(None, args.only.split(",")))
    for name, client, path, headers in pages(app):
        if wanted and name not in wanted and name != args.profile:
            continue
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            print(f"{name}: {response.status_code}")
            continue
        queries = response.headers.get("X-Query-Count")
        if name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path, headers=headers)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
            continue
        times = []
        for _ in range(args.requests):
            began = time.perf_counter()
            client.get(path, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
        print(
            f"{name:<18} mean {statistics.mean(times):7.2f} ms  min {min(times):7.2f} ms  "
            f"queries {queries}  bytes {len(response.get_data())}"
        )
    if args.bookings:
        profiler = cProfile.Profile() if args.profile == "bookings" else None
        booking_posts(app, args.bookings, profiler)
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
