"""Database engine tuning and column types shared by all models."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

try:
    import fcntl
except ImportError:  # Windows: SQLite's busy handler alone
    fcntl = None

from flask import current_app, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

_force_immediate: ContextVar[bool] = ContextVar("rikscha_force_immediate", default=False)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 10_000


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
        if value is None or value.tzinfo is UTC:  # PostgreSQL's, in the UTC session (configure_engine)
            return value
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


def reads_only() -> bool:
    """A GET/HEAD/OPTIONS request: it runs without a transaction and must not write.

    HTTP says these methods are safe; holding them to it saves PostgreSQL's BEGIN and ROLLBACK
    round trips (and SQLite's BEGIN) on every page. Each statement still sees committed data only.
    """
    return has_request_context() and request.method in _READ_METHODS and not _force_immediate.get()


class WriteInReadRequest(RuntimeError):
    """A GET/HEAD/OPTIONS request tried to change data (a programming error, see reads_only)."""


_READ_STATEMENTS = ("SELECT", "WITH", "SHOW", "EXPLAIN")


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


def configure_engine(engine: Engine, *, ping_after_idle: float, random_page_cost: float = 0) -> None:
    """Per-engine settings: SQLite pragmas and explicit BEGIN handling; for a server, liveness
    checks and planner settings."""

    @event.listens_for(engine, "before_cursor_execute")
    def _no_writes_in_read_requests(_conn, _cursor, statement, _params, _context, _many):
        if reads_only() and not statement.lstrip()[:8].upper().startswith(_READ_STATEMENTS):
            raise WriteInReadRequest(f"{request.method} {request.path} tried: {statement[:60]}")

    if engine.dialect.name != "sqlite":
        _ping_connections_after_idle(engine, ping_after_idle)
        if engine.dialect.name == "postgresql":
            # Timestamps come back in the session's zone. In UTC psycopg gives them datetime's own
            # UTC, which UTCDateTime passes on as it is; in a named zone (a server's "Etc/UTC" or
            # "Europe/Berlin") each value gets a ZoneInfo and is converted once more: 0.55 against
            # 0.23 µs a timestamp, and a day plan reads four hundred. The same instants either way.
            _set_on_connect(engine, "SET TIME ZONE 'UTC'")
        if random_page_cost and engine.dialect.name == "postgresql":
            _set_on_connect(engine, f"SET random_page_cost = {float(random_page_cost)}")
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy (not pysqlite) decide when transactions begin, so BEGIN IMMEDIATE works.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    writers = WriterQueue.for_database(engine.url.database)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if reads_only():
            return  # pysqlite runs each read on its own; rollback() without a transaction is a no-op
        if not _wants_immediate():
            connection.exec_driver_sql("BEGIN")
            return
        if writers is None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        writers.enter(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writers.leave(connection.info)
            raise

    if writers is not None:
        writers.release_on_transaction_end(engine)


class WriterQueue:
    """Writers to one SQLite file take turns on a lock file, each starting soon after the last ends.

    SQLite's own busy handler, on a locked database, sleeps in growing steps of up to 100 ms and
    looks again: under steady concurrent writes a writer can keep missing its chance and wait a
    second or more although each transaction holds the lock for a few milliseconds. An exclusive
    flock(2) on `<database>-writers`, taken before BEGIN IMMEDIATE and released when the
    transaction ends, is looked at every millisecond, so the next writer starts within about a
    millisecond of the lock coming free.

    SQLite's lock still guards the data: writers that do not queue here (other programs, the
    sqlite3 shell) meet the busy handler as before. The turn ends on commit and rollback (just
    before SQLite ends its transaction, as SQLAlchemy has no event after them, so the next writer
    may still meet the busy handler's first 1 ms sleep) and when a connection closes or its
    process dies.
    """

    _HELD = "rikscha.writer_lock_held"
    _FILE = "rikscha.writer_lock_fd"

    def __init__(self, path: str):
        self.path = path

    @classmethod
    def for_database(cls, database: str | None) -> WriterQueue | None:
        """A queue for a database file; None for an in-memory database or where flock is missing."""
        if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
            return None
        return cls(f"{database}-writers")

    def enter(self, info: dict) -> None:
        """Wait for the lock, looking every millisecond, at most as long as SQLite's busy timeout.

        Not a blocking flock: a writer that waits for itself (a second connection of the same
        thread) must still get SQLite's "database is locked" error in the end, not hang.
        """
        descriptor = info.get(self._FILE)
        if descriptor is None:  # one open file per connection: flock(2) locks between open files
            try:
                # Read-only is enough for flock: a file another account created serves as well.
                descriptor = info[self._FILE] = os.open(self.path, os.O_RDONLY | os.O_CREAT, 0o644)
            except OSError:
                return  # no place for the file: SQLite's busy handler alone, as before
        give_up_at = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= give_up_at:
                    return  # SQLite's busy handler decides from here
                time.sleep(0.001)
            else:
                info[self._HELD] = True
                return

    def leave(self, info: dict) -> None:
        if info.pop(self._HELD, False):
            fcntl.flock(info[self._FILE], fcntl.LOCK_UN)

    def release_on_transaction_end(self, engine: Engine) -> None:
        def _transaction_ended(connection) -> None:
            if not connection.invalidated:  # an invalidated one has closed its file: see below
                self.leave(connection.info)

        for name in ("commit", "rollback"):
            event.listen(engine, name, _transaction_ended)

        @event.listens_for(engine, "close")
        def _close_lock_file(_dbapi_connection, record):
            descriptor = record.info.pop(self._FILE, None)
            record.info.pop(self._HELD, None)
            if descriptor is not None:
                os.close(descriptor)  # releases a lock still held


def _set_on_connect(engine: Engine, statement: str) -> None:
    """Run a session setting once per new connection (pooled connections keep it)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(statement)
        dbapi_connection.commit()  # a rollback would undo the setting


def _ping_connections_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled server connection before use if it has been idle for `idle_seconds`.

    Like pool_pre_ping, a connection the server closed (restart, failover) is replaced before a
    request uses it; unlike it, a connection returned a moment ago is not pinged again, which
    saves a round trip per request under load.
    """

    @event.listens_for(engine, "checkin")
    def _remember_checkin(_dbapi_connection, record):
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        returned = record.info.get("checked_in_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # brand new, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's own error type: any failure means a dead link
            raise exc.DisconnectionError(str(error)) from error
        if not alive:
            raise exc.DisconnectionError("ping failed")


_AUTOCOMMIT_VARIANT = "rikscha.autocommit_engine"


def use_autocommit_for_reads(app, engine: Engine) -> None:
    """Let read-only requests use `engine`'s pool in autocommit mode (PostgreSQL only).

    In autocommit mode psycopg sends no BEGIN, and the ROLLBACK at the request's end has nothing
    to do: two round trips fewer per page.
    """
    if engine.dialect.name == "postgresql":
        app.extensions[_AUTOCOMMIT_VARIANT] = (engine, engine.execution_options(isolation_level="AUTOCOMMIT"))


class RequestSession(FlaskSession):
    """Flask-SQLAlchemy's session; in read-only requests it talks to PostgreSQL in autocommit mode."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper, clause=clause, bind=bind, **kwargs)
        if reads_only():
            base, variant = current_app.extensions.get(_AUTOCOMMIT_VARIANT, (None, None))
            if engine is base:
                return variant
        return engine
