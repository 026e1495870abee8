"""GET requests run without a transaction and cannot write; idle server connections are checked.

Safe methods (GET/HEAD/OPTIONS) must not change data (HTTP semantics). Holding every page to it
lets PostgreSQL skip BEGIN and ROLLBACK; a write that slips into such a request must fail loudly
instead of half-committing statement by statement.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import OperationalError

from rikscha.audit.models import AuditEvent
from rikscha.audit.services import record_view
from rikscha.database import WriteInReadRequest, utcnow
from rikscha.extensions import db

pytestmark = pytest.mark.both_databases


def audit_insert():
    return insert(AuditEvent.__table__).values(at=utcnow(), action="test", entity="rider", summary="")


def audit_count() -> int:
    return db.session.scalar(select(db.func.count()).select_from(AuditEvent))


def test_a_get_request_cannot_write(app):
    with app.test_request_context("/", method="GET"):
        with pytest.raises(WriteInReadRequest):
            db.session.execute(audit_insert())
        db.session.rollback()
        with pytest.raises(WriteInReadRequest):
            db.session.add(AuditEvent(at=utcnow(), action="test", entity="rider", summary=""))
            db.session.flush()
        db.session.rollback()
    with app.app_context():
        assert audit_count() == 0


def test_a_post_request_writes_in_one_transaction(app):
    with app.test_request_context("/", method="POST"):
        db.session.execute(audit_insert())
        db.session.rollback()
        assert audit_count() == 0  # rolled back: it was a real transaction
        db.session.execute(audit_insert())
        db.session.commit()
    with app.app_context():
        assert audit_count() == 1


def test_a_get_request_records_views_of_health_needs(app):
    with app.test_request_context("/", method="GET"):
        record_view(None, "rider", 1, "test")
        assert audit_count() == 1


@pytest.mark.postgresql_only
def test_each_statement_of_a_get_request_stands_alone(app):
    with app.test_request_context("/", method="GET"):
        first = db.session.scalar(text("SELECT now()"))
        time.sleep(0.01)
        second = db.session.scalar(text("SELECT now()"))
        assert second > first  # no transaction: now() is each statement's own start
    with app.test_request_context("/", method="POST"):
        first = db.session.scalar(text("SELECT now()"))
        time.sleep(0.01)
        second = db.session.scalar(text("SELECT now()"))
        assert second == first  # one transaction for the whole request
        db.session.rollback()


def pooled_connection_ended_by_the_server(server) -> None:
    """Use a connection and return it to the pool; then the server ends it (as a restart would)."""
    with server.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
        other = create_engine(server.config["SQLALCHEMY_DATABASE_URI"])
        with other.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.dispose()


@pytest.mark.postgresql_only
def test_a_connection_idle_for_a_while_is_checked_before_use(make_app):
    server = make_app(DATABASE_PING_AFTER_IDLE_SECONDS=0.05)
    pooled_connection_ended_by_the_server(server)
    time.sleep(0.1)
    with server.app_context():
        assert db.session.scalar(text("SELECT 1")) == 1


@pytest.mark.postgresql_only
def test_a_connection_returned_a_moment_ago_is_used_unchecked(make_app):
    """The price of skipping the ping: a connection lost right after use fails once."""
    server = make_app(DATABASE_PING_AFTER_IDLE_SECONDS=3600)
    pooled_connection_ended_by_the_server(server)
    with server.app_context():
        with pytest.raises(OperationalError):
            db.session.scalar(text("SELECT 1"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT 1")) == 1  # the pool replaced the dead connection


@pytest.mark.postgresql_only
def test_a_page_on_a_lost_connection_asks_to_try_again_and_the_next_one_works(make_app):
    server = make_app(DATABASE_PING_AFTER_IDLE_SECONDS=3600)
    pooled_connection_ended_by_the_server(server)
    client = server.test_client()
    lost = client.get("/anmelden")  # the page footer reads the office's settings
    assert lost.status_code == 503
    assert lost.headers["Retry-After"] == "1"
    assert "Bitte versuchen Sie es gleich noch einmal" in lost.get_data(as_text=True)
    assert client.get("/anmelden").status_code == 200


@pytest.mark.postgresql_only
def test_sessions_plan_for_cached_data_and_keep_it_across_requests(make_app):
    server = make_app(DATABASE_RANDOM_PAGE_COST=1.1)
    for method in ("GET", "POST", "GET"):  # a POST's rollback must not undo the session setting
        with server.test_request_context("/", method=method):
            assert db.session.scalar(text("SHOW random_page_cost")) == "1.1"
            db.session.rollback()
    untouched = make_app(DATABASE_RANDOM_PAGE_COST=0)
    with untouched.app_context():
        assert db.session.scalar(text("SHOW random_page_cost")) == "4"


@pytest.mark.postgresql_only
def test_sessions_read_timestamps_in_utc_whatever_the_servers_zone(make_app, database_url):
    """The app's sessions set UTC (psycopg then gives datetime's own UTC, the cheap case); a
    connection in the office's zone sees the same instant."""
    from datetime import UTC, datetime

    server = make_app()
    moment = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    with server.test_request_context("/", method="POST"):
        assert db.session.scalar(text("SHOW TIME ZONE")) == "UTC"
        event = AuditEvent(at=moment, action="check", entity="clock", summary="")
        db.session.add(event)
        db.session.commit()
        event_id = event.id
    with server.test_request_context("/", method="GET"):  # read requests run in autocommit mode
        assert db.session.scalar(text("SHOW TIME ZONE")) == "UTC"
        read = db.session.scalar(select(AuditEvent.at).where(AuditEvent.id == event_id))
        assert read == moment and read.tzinfo is UTC
    berlin = create_engine(database_url, connect_args={"options": "-c TimeZone=Europe/Berlin"})
    with berlin.connect() as connection:
        shown = connection.execute(text("SELECT at::text FROM audit_events WHERE id = :id"), {"id": event_id})
        assert shown.scalar_one() == "2026-12-02 10:00:00+01"
    berlin.dispose()
