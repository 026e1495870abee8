"""A station's chargers are never over-subscribed: simultaneous charging logs against gunicorn (4 workers).

Per engine: migrate a fresh database, add one station with 2 chargers, 20 rickshaws and a driver,
start the server, then send 20 simultaneous POST /api/v1/rickshaws/<id>/charging for different
rickshaws and the same time window. At most 2 may succeed (201), the rest must be 422
station_full, none 5xx; the database must never hold more overlapping sessions than chargers.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.server import ROOT, flask_cli, running_server, server_env
from tests.services import POSTGRES_ADMIN_URL, unavailable

pytestmark = pytest.mark.slow

WORKERS = 4
RICKSHAWS = 20
CHARGERS = 2

SETUP = f"""
import json
from rikscha import create_app
from rikscha.database import exclusive_writes
from rikscha.extensions import db
from tests.factories import make_rickshaw, make_station, make_user

app = create_app()
with app.app_context(), exclusive_writes():
    station = make_station(name="Servicestation Lindenau", chargers={CHARGERS})
    rickshaws = [make_rickshaw(name=f"Rikscha {{n}}").id for n in range({RICKSHAWS})]
    make_user(roles=("driver",), email="fahrer@example.org", name="Fahrer")
    db.session.commit()
    print(json.dumps({{"station": station.id, "rickshaws": rickshaws}}))
"""

# Sessions at one station that overlap with more than `chargers` others at some start instant.
OVERBOOKED = """
SELECT count(*) FROM charging_sessions a
WHERE (SELECT count(*) FROM charging_sessions b
       WHERE b.station_id = a.station_id AND b.start_at <= a.start_at AND b.end_at > a.start_at) > :chargers
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database for the server (PostgreSQL: created here and dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'charging.sqlite3'}"
        return
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - any connection failure means "no server here"
        unavailable("PostgreSQL", str(error).strip())
    name = f"rikscha_charging_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _prepare(env: dict) -> tuple[int, list[int], str]:
    flask_cli(env, "db", "upgrade")
    result = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    token = flask_cli(env, "tokens", "create", "fahrer@example.org").strip().splitlines()[-1]
    return data["station"], data["rickshaws"], token


def _fire(base: str, token: str, requests: list[tuple[str, dict]]) -> list[tuple[int, str | None]]:
    """Send every (path, body) at once (threads released by a barrier); return (status, code) each."""
    address = urllib.parse.urlsplit(base)
    barrier = threading.Barrier(len(requests))
    outcomes: list[tuple[int, str | None]] = [(0, "no answer")] * len(requests)

    def send(index: int, path: str, body: dict) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.connect()
            barrier.wait()
            connection.request(
                "POST",
                path,
                body=json.dumps(body),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            payload = response.read()
            try:
                code = json.loads(payload).get("error", {}).get("code")
            except ValueError:
                code = None
            outcomes[index] = (response.status, code)
        except OSError as error:  # reported as a failure below, not as a hung test
            outcomes[index] = (0, f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, path, body)) for i, (path, body) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return outcomes


def test_simultaneous_charging_never_exceeds_the_chargers(database_url, capsys):
    engine_name = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    env = server_env(database_url)
    station, rickshaws, token = _prepare(env)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    body = {
        "station_id": station,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "soc_before": 20,
        "soc_after": 95,
    }
    requests = [(f"/api/v1/rickshaws/{rickshaw_id}/charging", body) for rickshaw_id in rickshaws]
    with running_server(env, workers=WORKERS) as base:
        outcomes = _fire(base, token, requests)
    successes = sum(status == 201 for status, _ in outcomes)
    full = sum(outcome == (422, "station_full") for outcome in outcomes)
    errors = [outcome for outcome in outcomes if outcome[0] >= 500 or outcome[0] == 0]
    check = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with check.connect() as connection:
            stored = connection.execute(text("SELECT count(*) FROM charging_sessions")).scalar_one()
            overbooked = connection.execute(text(OVERBOOKED), {"chargers": CHARGERS}).scalar_one()
    finally:
        check.dispose()
    line = (
        f"[{engine_name}] requests={len(outcomes)} 201={successes} 422 station_full={full} "
        f"5xx={len(errors)} stored={stored} overbooked={overbooked}"
    )
    with capsys.disabled():
        print("\n" + line, end="")
    assert not errors, f"{line}: {errors}"
    assert successes == CHARGERS, line  # nothing else held the chargers, so both are used
    assert successes + full == len(outcomes), f"{line}: {outcomes}"
    assert stored == successes and overbooked == 0, line
