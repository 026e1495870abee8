"""Database engine tuning and column types shared by all models."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

_force_immediate: ContextVar[bool] = ContextVar("rikscha_force_immediate", default=False)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only clock the app reads)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every engine (SQLite stores them naive, PostgreSQL as timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@contextmanager
def exclusive_writes():
    """Make the next transaction begun in this context take SQLite's write lock at once.

    Requests other than GET/HEAD/OPTIONS get this automatically; CLI jobs that check and then
    write (bookings) use it explicitly. Without it, two processes could both pass a check and
    then both insert.
    """
    token = _force_immediate.set(True)
    try:
        yield
    finally:
        _force_immediate.reset(token)


def _wants_immediate() -> bool:
    if _force_immediate.get():
        return True
    return has_request_context() and request.method not in _READ_METHODS


_REQUEST_CACHE = "rikscha.request_cache"


def request_cached(key, compute):
    """compute() once per HTTP request, kept in the request's environ (outside a request: every call).

    For values several parts of one request ask for (the booking settings); a request never
    sees another request's value, so no invalidation across workers is needed.
    """
    if not has_request_context():
        return compute()
    store = request.environ.setdefault(_REQUEST_CACHE, {})
    if key not in store:
        store[key] = compute()
    return store[key]


def forget_request_cached(key: str) -> None:
    if has_request_context():
        request.environ.get(_REQUEST_CACHE, {}).pop(key, None)


def configure_engine(engine: Engine) -> None:
    """Per-engine settings: SQLite pragmas and explicit BEGIN handling."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy (not pysqlite) decide when transactions begin, so BEGIN IMMEDIATE works.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_immediate() else "BEGIN")
