"""No N+1: each key page runs the same number of SQL queries on a small and a ten times larger data set.

Both data sets come from the benchmark's seed (bench/seed.py at scale 0.01 and 0.1: 2 000 and
20 000 rides, 500 and 5 000 tasks, …) on top of the demo data; the statements are recorded with
an SQLAlchemy `before_cursor_execute` listener while one request per page runs.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bench.seed import AREA_KINDS, STREETS, bench_targets, booking_bodies, seed
from rikscha import create_app
from rikscha.database import utcnow
from rikscha.demo import DEMO_PASSWORD, load_demo
from rikscha.extensions import db
from rikscha.reports import periods
from tests.conftest import TEST_CONFIG, CsrfClient
from tests.query_plans import recorded, whole_reads

SMALL, LARGE = 0.01, 0.1
# A page that needs more than this many statements deserves a look even if it does not grow.
MOST_QUERIES = 25
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _build(tmp_path, scale: float):
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'scale-{scale}.sqlite3'}",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "RATELIMIT_ENABLED": False,
        }
    )
    app.test_client_class = CsrfClient
    now = utcnow()
    with app.app_context():
        db.create_all()
        load_demo(now=now)
        db.session.commit()
        with db.engine.begin() as connection:
            counts = seed(connection, now=now, scale=scale)
            targets = bench_targets(connection, now=now)
        from rikscha.auth.services import create_token, find_user_by_email

        _token, plain = create_token(find_user_by_email(targets["resident"]), "test")
        db.session.commit()
    return app, counts, {**targets, "token": plain}


def _logged_in(app, email: str) -> CsrfClient:
    client = app.test_client()
    response = client.post("/anmelden", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _report_path(app) -> str | None:
    """The month report (without arguments: the last complete month), once the reports feature has it."""
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    return rules.get("reports.index")


def _open_period_query() -> str:
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Berlin")).date()
    first = periods.last_complete_month(today).first
    return f"art=custom&von={first.isoformat()}&bis={today.isoformat()}"


def _pages(app, targets: dict) -> dict[str, tuple[CsrfClient, str, dict]]:
    day = date.fromisoformat(targets["day"])
    resident = _logged_in(app, targets["resident"])
    coordinator = _logged_in(app, targets["coordinator"])
    booking = (
        f"/fahrten/buchen/angaben?rider_id={targets['rider_id']}&day={day}&duration=60&passengers=1"
        f"&start={day}T09:00:00%2B00:00"
    )
    pages = {
        "availability API": (
            app.test_client(),
            f"/api/v1/availability?date={day}&duration=60&passengers=1",
            {"Authorization": f"Bearer {targets['token']}"},
        ),
        "booking form": (resident, booking, {}),
        "resident's rides": (resident, "/bewohner", {}),
        "driver's week": (_logged_in(app, targets["driver"]), "/fahrer", {}),
        "day plan": (coordinator, f"/buero/tagesplan?tag={day}", {}),
        "coordinator's start page": (coordinator, "/koordination", {}),
        "fleet overview": (coordinator, "/flotte/", {}),
        "caretaker's tasks": (_logged_in(app, targets["caretaker"]), "/hausmeister", {}),
    }
    report = _report_path(app)
    if report is not None:
        # Last month's report is kept after its first request. A period from last month's first
        # day to today is still open, so its report is built every time: its statements are the
        # ones counted and checked here (with last month's data, which both sets have in full).
        pages["month report"] = (coordinator, report, {})
        pages["report up to today"] = (coordinator, f"{report}?{_open_period_query()}", {})
    return pages


def _query_counts(app, targets: dict) -> dict[str, int]:
    counts = {}
    for name, (client, path, headers) in _pages(app, targets).items():
        client.get(path, headers=headers)  # warm: templates compiled, translations loaded
        with recorded(app) as statements:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, (
            name,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
        counts[name] = len(statements)
    return counts


@pytest.fixture(scope="module")
def data_sets(tmp_path_factory):
    built = {}
    for scale in (SMALL, LARGE):
        app, counts, targets = _build(tmp_path_factory.mktemp(f"scale{scale}"), scale)
        built[scale] = (app, counts, targets)
    yield built
    for app, _counts, _targets in built.values():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_larger_data_set_is_ten_times_larger(data_sets):
    small, large = data_sets[SMALL][1], data_sets[LARGE][1]
    for table in ("rides", "riders", "tasks", "worklogs"):
        assert large[table] >= 8 * small[table], (table, small[table], large[table])


def test_key_pages_run_the_same_number_of_queries_on_both_data_sets(data_sets):
    small = _query_counts(data_sets[SMALL][0], data_sets[SMALL][2])
    large = _query_counts(data_sets[LARGE][0], data_sets[LARGE][2])
    assert large == small, f"queries per page, small: {small}, ten times larger: {large}"
    assert max(small.values()) <= MOST_QUERIES, small


def test_key_pages_read_no_growing_table_whole(data_sets):
    """Cost that does not grow with history: every statement finds its rows by an index."""
    app, _counts, targets = data_sets[LARGE]
    found = {}
    for name, (client, path, headers) in _pages(app, targets).items():
        with recorded(app) as statements:
            assert client.get(path, headers=headers).status_code == 200, name
        if reads := whole_reads(app, statements):
            found[name] = reads
    assert found == {}


def test_task_and_round_pages_load_no_caretakers_or_roles_they_do_not_show(data_sets):
    """A task's or a round's form, and the office's task filter, list every active area and
    caretaker as (id, name) rows; the task list names each task's area and assignees.

    As ORM objects they brought each area's caretakers and every caretaker's roles along: three
    statements more, and the task form took twice as long on the benchmark's data (16 → 9 ms).
    """
    app, _counts, targets = data_sets[LARGE]
    coordinator = _logged_in(app, targets["coordinator"])
    first_area = f"{AREA_KINDS[0][1]} {STREETS[0]} 01"  # as bench/seed.py names them
    for path in ("/quartier/aufgaben/neu", "/quartier/runden/neu", "/quartier/aufgaben"):
        page = coordinator.get(path)
        assert page.status_code == 200 and first_area in page.get_data(as_text=True), path
        with recorded(app) as statements:
            assert coordinator.get(path).status_code == 200
        brought_along = [
            str(statement)
            for statement in statements
            if "area_caretakers" in str(statement) or str(statement).lstrip().startswith("SELECT user_roles")
        ]
        assert brought_along == [], path


def test_the_pages_show_the_seeded_data(data_sets):
    """The counts above compare full pages, not empty states (where a list would hide an N+1)."""
    app, _counts, targets = data_sets[SMALL]
    pages = _pages(app, targets)
    client, path, headers = pages["availability API"]
    assert client.get(path, headers=headers).get_json()["slots"]
    for name, needle in (
        ("day plan", "Rikscha 0"),
        ("fleet overview", "Rikscha 0"),
        ("caretaker's tasks", "Wöchentliche Runde"),
    ):
        client, path, headers = pages[name]
        assert needle in client.get(path, headers=headers).get_data(as_text=True), name


def test_the_benchmark_route_exists_only_in_the_benchmark_configuration(data_sets, tmp_path):
    app = data_sets[SMALL][0]
    assert "bench.hello" not in app.view_functions
    assert app.test_client().get("/_bench/hello").status_code == 404
    bench = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.sqlite3'}",
            "BENCHMARK_ROUTES": True,
        }
    )
    with bench.app_context():
        db.create_all()
    response = bench.test_client().get("/_bench/hello")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "hello"
    assert response.headers["X-Query-Count"] == "0"
    with bench.app_context():
        db.engine.dispose()


def test_the_benchmark_books_distinct_free_slots(tmp_path):
    """bench/run.py's booking POSTs: each body a distinct free slot that the API accepts."""
    app, _counts, _targets = _build(tmp_path, SMALL)
    with app.app_context():
        from rikscha.auth.services import create_token, find_user_by_email

        _token, plain = create_token(find_user_by_email("koordination@example.org"), "bench")
        db.session.commit()
    client, headers = app.test_client(), {"Authorization": f"Bearer {plain}"}

    def free_starts(day: date) -> list[str]:
        answer = client.get(f"/api/v1/availability?date={day}&duration=30&passengers=1", headers=headers)
        assert answer.status_code == 200
        return [slot["start"] for slot in answer.get_json()["slots"]]

    with app.app_context(), db.engine.connect() as connection:
        bodies = booking_bodies(connection, free_starts, today=date.today())
    assert len(bodies) > 100
    first = bodies[:40]
    assert len({body["start"] for body in first}) == len(first)
    assert len({date.fromisoformat(body["start"][:10]) for body in first}) > 20  # round-robin over days
    answers = [client.post("/api/v1/rides", json=body, headers=headers).status_code for body in first]
    assert answers == [201] * len(first)
    # The next round's list, made after those bookings, goes on with the riders where they stopped.
    with app.app_context(), db.engine.connect() as connection:
        later = booking_bodies(connection, free_starts, today=date.today(), first_rider=len(first))
    assert [body["rider_id"] for body in later[:40]] == [body["rider_id"] for body in bodies[40:80]]
    answers = [client.post("/api/v1/rides", json=body, headers=headers).status_code for body in later[:40]]
    assert answers == [201] * 40
    with app.app_context():
        db.engine.dispose()
