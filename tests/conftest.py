"""Fixtures: a fresh app and database per test (SQLite, and PostgreSQL where marked)."""

from __future__ import annotations

import re
import threading
import uuid

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from rikscha import create_app
from rikscha.extensions import db
from tests.services import POSTGRES_ADMIN_URL, unavailable

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    # Cheap hashing keeps the suite fast; production parameters are tested separately.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 8,
    "RATELIMIT_STORAGE_URI": "memory://",
}

# Tests never fail on timing: no per-example deadline, and no "input generation is slow" check,
# which a busy CI machine trips (seen: 2.9 s for one example while the other worker ran e2e).
settings.register_profile("rikscha", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("rikscha")

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with form posts, as a browser would."""

    def csrf_token(self) -> str:
        page = self.get("/").get_data(as_text=True)
        return _CSRF.search(page).group(1)

    def open(self, *args, **kwargs):
        method = kwargs.get("method", "GET")
        data = kwargs.get("data")
        is_form = data is None or isinstance(data, dict)
        if method == "POST" and kwargs.pop("csrf", True) and "json" not in kwargs and is_form:
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        else:
            kwargs.pop("csrf", None)
        return super().open(*args, **kwargs)


def pytest_sessionfinish(session, exitstatus):
    """End the timers still waiting, so that the process can exit under faketime (README,
    "Development"): there a timed wait on the faked clock never wakes, and the rate limiter's
    in-memory storage leaves one timer thread per app. Cancelling wakes it at once."""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames:
        backends = ["sqlite"]
        if metafunc.definition.get_closest_marker("both_databases"):
            backends.append("postgresql")
        if metafunc.definition.get_closest_marker("postgresql_only"):
            backends = ["postgresql"]
        metafunc.parametrize("db_backend", backends, indirect=True)


@pytest.fixture
def db_backend(request):
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL database for this test run (dropped at the end)."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - any connection failure means "no server here"
        unavailable("PostgreSQL", str(error).strip())
    name = f"rikscha_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def _postgres_schema(postgres_url):
    """Create the schema once per run on PostgreSQL; tests then only empty the tables."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
        db.create_all()
        db.engine.dispose()
    return postgres_url


@pytest.fixture
def database_url(db_backend, tmp_path, request):
    if db_backend == "postgresql":
        return request.getfixturevalue("_postgres_schema")
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(database_url, db_backend, tmp_path):
    """A fresh app and database. No app context stays pushed: a pushed context would be reused
    by every test request, and `g` (the logged-in user, the CSRF token) would leak between them.
    Use `with app.app_context():` (or the `ctx` fixture) to touch the database directly."""
    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_FOLDER": str(tmp_path / "uploads")}
    )
    app.test_client_class = CsrfClient
    with app.app_context():
        if db_backend == "sqlite":
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if db_backend == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def make_app(database_url):
    """Another app instance on the same database: stands for a second server process."""
    made = []

    def factory(**overrides):
        other = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
        other.test_client_class = CsrfClient
        made.append(other)
        return other

    yield factory
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly (no test-client requests inside)."""
    with app.app_context():
        yield


@pytest.fixture
def client(app) -> CsrfClient:
    return app.test_client()


def committed(app, build, **overrides):
    """Run a factory in its own app context and commit; the result stays readable (detached)."""
    with app.app_context():
        record = build(**overrides)
        db.session.commit()
        db.session.refresh(record)
        return record


@pytest.fixture
def make_user(app):
    """Factory fixture: make_user(roles=("driver",), **overrides) -> committed User."""
    from tests.factories import make_user as _make_user

    def factory(**overrides):
        return committed(app, _make_user, **overrides)

    return factory


@pytest.fixture
def login(client):
    """login(user, password=...) logs the test client in through the real login form."""
    from tests.factories import DEFAULT_PASSWORD

    def do_login(user, password: str = DEFAULT_PASSWORD):
        response = client.post("/anmelden", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login
