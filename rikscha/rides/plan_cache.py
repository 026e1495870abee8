"""Day plans for listing free times, reused until anything they are built from changes.

Listing free times is the most frequent question a booking system gets, and building a day's
plan (every ride, rickshaw and available driver of the day) is most of its cost. Each process
keeps the last few plans, keyed by the row of `planning_changes`: database triggers bump its
`version` in the same transaction as every insert, update or delete on the tables below,
whoever writes (this app's ORM, a bulk statement, a script, another worker). A plan is reused
only while the version it was read under is still the committed one, so it is never older than
what a fresh read would return. The version is read before the plan's rows: a write committed in
between makes the plan newer than its key, never older.

Booking, reassigning and moving rides never use these plans: they plan from fresh rides under the
day's lock, and the database constraints decide. What they do reuse is a day's roster (who may
drive when, see `cached_roster`): it has a counter of its own, which rides do not bump. That
counter also counts writes to the accounts, for the users remembered by rikscha.auth.user_cache.

On PostgreSQL the triggers are deferred constraint triggers: the counter row is locked only
while a transaction commits, after all its other work, so waiting for it cannot deadlock and
writers on different days do not queue behind each other's planning.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import bindparam, event, select, text
from sqlalchemy.engine import Connection

from rikscha.database import reads_only, request_cached
from rikscha.extensions import db
from rikscha.lru import LruMap
from rikscha.rides.models import PlanningChanges
from rikscha.scheduling import BookingRules, DayPlan, assignable_starts
from rikscha.sql_triggers import sqlite_trigger

# Who may drive when: what the drivers' side of a plan (the roster) is built from.
ROSTER_TABLES = (
    "driver_availability",
    "driver_absences",
    "driver_profiles",
    "driver_qualifications",
    "users",
    "user_roles",
)
# Everything load_day_plan reads, including what decides "service overdue".
WATCHED_TABLES = (
    "rides",
    "rickshaws",
    "rickshaw_blocks",
    "maintenance_records",
    "defect_reports",
    *ROSTER_TABLES,
    "booking_settings",
)
# Counted by the roster counter too, though no plan reads them: the accounts cache
# (rikscha/auth/user_cache.py) keys on that counter, and a revoked token must end at once.
ACCOUNT_ONLY_TABLES = ("api_tokens",)
COUNTED_TABLES = (*WATCHED_TABLES, *ACCOUNT_ONLY_TABLES)  # every table with a counter trigger
PLANS_KEPT = 32  # days × versions per process; a plan of a busy day is a few hundred kB at most
# Bookings come in for every day up to the horizon (at most 365 days, see the settings form), each
# needing its day's roster: fewer kept than days booked and a round of bookings over the horizon
# would find none. A roster is small: 17 kB for the benchmark's 190 drivers of a day (7 MB for 400).
ROSTERS_KEPT = 400

# The rows of planning_changes, each a counter of its own.
PLANNING_COUNTER = 1  # any write to WATCHED_TABLES
ROSTER_COUNTER = 2  # writes to ROSTER_TABLES and ACCOUNT_ONLY_TABLES; bookings leave it alone
_ROSTER_COUNTED = (*ROSTER_TABLES, *ACCOUNT_ONLY_TABLES)

T = TypeVar("T")


def counters_of(table: str, roster_tables=_ROSTER_COUNTED, planning_tables=WATCHED_TABLES) -> tuple[int, ...]:
    """The counters a write to `table` bumps, in ascending order (the order their rows are locked)."""
    counted = ((PLANNING_COUNTER, planning_tables), (ROSTER_COUNTER, roster_tables))
    return tuple(counter for counter, tables in counted if table in tables)


def _bump_statements(dialect: str, counter: int | str) -> tuple[str, str]:
    """Count one change; (re)create the row with a new epoch if it is missing (an emptied table)."""
    if dialect == "postgresql":
        create = (
            f"INSERT INTO planning_changes (id, epoch, version) VALUES ({counter}, md5(random()::text), 0) "
            "ON CONFLICT (id) DO NOTHING"
        )
    else:
        create = (
            "INSERT OR IGNORE INTO planning_changes (id, epoch, version) "
            f"VALUES ({counter}, lower(hex(randomblob(8))), 0)"
        )
    return create, f"UPDATE planning_changes SET version = version + 1 WHERE id = {counter}"


def _postgres_function() -> str:
    # The trigger's arguments name the counters; one row at a time, in the order given, so that
    # two committing writers lock the rows in the same order.
    body = "; ".join(_bump_statements("postgresql", "counter::integer"))
    return (
        "CREATE OR REPLACE FUNCTION rikscha_planning_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"DECLARE counter text; BEGIN FOREACH counter IN ARRAY TG_ARGV LOOP {body}; END LOOP; "
        "RETURN NULL; END $$"
    )


def trigger_statements(dialect: str, tables, roster_tables, planning_tables=None) -> list[str]:
    """DDL for the counters' triggers on `tables` (migrations pass their frozen lists).

    A write to a table bumps the planning counter if the table is in `planning_tables` (default:
    `tables`, as migrations 0010 and 0012 have it) and the roster counter if in `roster_tables`.
    """
    planning_tables = tables if planning_tables is None else planning_tables
    if dialect == "postgresql":
        statements = [_postgres_function()]
        for table in tables:  # constraint triggers have no CREATE OR REPLACE
            counted = counters_of(table, roster_tables, planning_tables)
            counters = ", ".join(f"'{counter}'" for counter in counted)
            statements += [
                f"DROP TRIGGER IF EXISTS trg_planning_{table} ON {table}",
                f"CREATE CONSTRAINT TRIGGER trg_planning_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rikscha_planning_changed({counters})",
            ]
        return statements
    statements = []
    for table in tables:
        body = "; ".join(
            statement
            for counter in counters_of(table, roster_tables, planning_tables)
            for statement in _bump_statements("sqlite", counter)
        )
        for operation in ("INSERT", "UPDATE", "DELETE"):
            statements += sqlite_trigger(f"trg_planning_{table}_{operation.lower()}", operation, table, body)
    return statements


def current_trigger_statements(dialect: str) -> list[str]:
    """The triggers as this version of the code has them (create_all, resuming after a bulk load)."""
    return trigger_statements(dialect, COUNTED_TABLES, _ROSTER_COUNTED, WATCHED_TABLES)


def drop_trigger_statements(dialect: str, tables=COUNTED_TABLES) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS trg_planning_{table} ON {table}" for table in tables] + [
            "DROP FUNCTION IF EXISTS rikscha_planning_changed()"
        ]
    return [
        f"DROP TRIGGER IF EXISTS trg_planning_{table}_{operation.lower()}"
        for table in tables
        for operation in ("INSERT", "UPDATE", "DELETE")
    ]


def _set_triggers(connection: Connection, *, enabled: bool) -> None:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        state = "ENABLE" if enabled else "DISABLE"
        for table in COUNTED_TABLES:
            connection.execute(text(f"ALTER TABLE {table} {state} TRIGGER trg_planning_{table}"))
        return
    statements = current_trigger_statements(dialect) if enabled else drop_trigger_statements(dialect)
    for statement in statements:
        connection.execute(text(statement))


@contextmanager
def planning_triggers_paused(connection: Connection):
    """For bulk loads in one transaction (the benchmark's seed): one count instead of one per row."""
    _set_triggers(connection, enabled=False)
    yield
    _set_triggers(connection, enabled=True)
    for counter in (PLANNING_COUNTER, ROSTER_COUNTER):
        for statement in _bump_statements(connection.dialect.name, counter):
            connection.execute(text(statement))


@event.listens_for(db.metadata, "after_create")
def _create_triggers(_metadata, connection: Connection, **_kw) -> None:
    """Schemas made by create_all (tests, first start without migrations) get the triggers too."""
    for statement in current_trigger_statements(connection.dialect.name):
        connection.execute(text(statement))


_plans: LruMap[_Listing] = LruMap(PLANS_KEPT)
_rosters: LruMap = LruMap(ROSTERS_KEPT)


_VERSION = select(PlanningChanges.epoch, PlanningChanges.version).where(
    PlanningChanges.id == bindparam("counter")
)


def planning_version(counter: int = PLANNING_COUNTER) -> tuple[str, int] | None:
    """(epoch, version) of the committed planning data; None before the first write."""
    # Core on the session's connection: read on nearly every request, and the ORM layer would
    # cost more than the query.
    row = db.session.connection().execute(_VERSION, {"counter": counter}).first()
    return None if row is None else (row.epoch, row.version)


# The table holds only the counters' rows (the triggers make no others). Without a WHERE: an IN
# list is rendered anew for every execution, a fifth of the Python time of this statement.
_VERSIONS = select(PlanningChanges.id, PlanningChanges.epoch, PlanningChanges.version)


def _versions() -> dict[int, tuple[str, int]]:
    return {row.id: (row.epoch, row.version) for row in db.session.connection().execute(_VERSIONS)}


def version_for_request(counter: int = PLANNING_COUNTER) -> tuple[str, int] | None:
    """planning_version(counter), read once per read-only request (a writing request may change it).

    Both counters come in one statement: nearly every page needs the planning counter (settings,
    free times) and the roster counter (the session's user, rikscha/auth/user_cache.py).
    """
    if reads_only():
        return request_cached("planning_versions", _versions).get(counter)
    return planning_version(counter)


def database_key() -> str:
    """Which database cached data came from (a process may serve several, as tests do)."""
    return db.engine.url.render_as_string(hide_password=True)


def cached_roster(day: date, zone: str, load: Callable[[], T]) -> T:
    """`load()`: the drivers who may drive on `day` and when, reused while the roster counter stands.

    Bookings use it too, inside their transaction: there the counter is read fresh each time, so
    the roster is never older than a fresh read would be, and it changes rarely (a driver's hours,
    absence, qualification or account), while every booking bumps the planning counter. A
    read-only request uses the counter it read at its start, with the planning counter.
    """
    version = version_for_request(ROSTER_COUNTER)
    if version is None:
        return load()
    key = (database_key(), version, day, zone)
    roster = _rosters.get(key)
    if roster is None:
        roster = load()
        _rosters.put(key, roster)
    return roster


def _listing_key(day: date) -> tuple | None:
    version = version_for_request()
    if version is None:
        return None
    from rikscha.rides.settings import current_settings

    skip_overdue = bool(current_settings().block_overdue_rickshaws)
    return (database_key(), version, day, skip_overdue)


def _load_for_listing(day: date, rules: BookingRules) -> DayPlan:
    from rikscha.rides.planning import load_day_plan

    return load_day_plan(day, rules, with_week_minutes=False)  # week minutes only order pairs


def listed_starts(day: date, rules: BookingRules, duration: int, passengers: int) -> list[datetime]:
    """Starts on `day` at which a pair is free (booking rules not applied), reused while valid.

    The caller applies the booking rules with the current time (scheduling.bookable_among).
    """
    key = _listing_key(day)
    if key is None:
        return assignable_starts(_load_for_listing(day, rules), duration, passengers)
    entry = _plans.get(key)
    if entry is None:
        entry = _Listing(_load_for_listing(day, rules))
        _plans.put(key, entry)
    return entry.starts(duration, passengers)


class _Listing:
    """One day's plan and the starts already worked out from it, per duration and party size."""

    def __init__(self, plan: DayPlan) -> None:
        self.plan = plan
        self._starts: dict[tuple[int, int], list[datetime]] = {}
        self._lock = threading.Lock()

    def starts(self, duration: int, passengers: int) -> list[datetime]:
        with self._lock:
            if (duration, passengers) not in self._starts:
                self._starts[(duration, passengers)] = assignable_starts(self.plan, duration, passengers)
            return self._starts[(duration, passengers)]
