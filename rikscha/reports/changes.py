"""Counters of changes to the past, per calendar month, kept by the database for cached reports.

A funders' report for a closed period (last month, last quarter) is asked for again and again
and rarely changes, while building it reads every ride, work log and charge of the period (a
month of the benchmark's data: about 20 ms, a year: twelve times that). rikscha.reports.cache
keeps such reports, keyed by the rows of `report_changes` the period touches, so that a kept
report is never older than a fresh one would be:

- Row `month` = year × 12 + month of a UTC timestamp counts writes to rows whose period column
  (the timestamp that places the row in a report, see PERIOD_COLUMNS) lies in that UTC month and
  before the database's clock: the old and the new value of an update, the value of an insert
  or delete. Writes about the future (booking a ride, planning a task) count nothing: no closed
  period can hold them, and bookings must not queue behind a counter.
- Row 0 counts renames and deletions of what a report names (NAME_TABLES), and gets a new epoch
  after a bulk load with the triggers paused: every kept report is then out of date.

Database triggers do the counting in the same transaction as the write, whoever writes (this app,
a script, a bulk statement). A report cached for a period that ended before the write's clock
reading therefore sees the write's count (see rikscha.reports.cache for the margin that covers
two clocks). `epoch` changes whenever a row is created anew, so an emptied table cannot bring
back an old key.

On PostgreSQL the triggers are deferred constraint triggers that first lock the planning counter
and row 0 (see _PG_LOCK): writers that change the past queue only while committing, one at a
time, so two of them counting the same months in a different order cannot deadlock.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import BigInteger, String, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from rikscha.extensions import db
from rikscha.rides.plan_cache import PLANNING_COUNTER
from rikscha.sql_triggers import sqlite_trigger

# The column that places a row of each table in a report's period (what rikscha.reports.queries
# filters on). Riders' first_ride_at is kept by triggers on rides (rikscha.rides.first_rides).
PERIOD_COLUMNS = {
    "rides": "start_at",
    "riders": "first_ride_at",
    "worklogs": "logged_at",
    "charging_sessions": "start_at",
    "maintenance_records": "performed_at",
    "tasks": "done_at",
    "problem_reports": "created_at",
}
# Tables whose names a report shows next to its figures.
NAME_TABLES = ("users", "rickshaws", "areas")
NAMES_AND_RESETS = 0  # the row counting renames, deletions and bulk loads
_OPERATIONS = ("insert", "update", "delete")


class ReportChanges(db.Model):
    """One counter per UTC month (year × 12 + month), and row 0 for names and resets."""

    __tablename__ = "report_changes"

    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    epoch: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def month_key(year: int, month: int) -> int:
    return year * 12 + month


# --- SQLite --------------------------------------------------------------------------------------

_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"  # stored timestamps are naive UTC text
_SQLITE_EPOCH = "lower(hex(randomblob(8)))"


def _sqlite_month(value: str) -> str:
    return f"(CAST(strftime('%Y', {value}) AS INTEGER) * 12 + CAST(strftime('%m', {value}) AS INTEGER))"


def _sqlite_count(months_sql: str) -> str:
    """Statements that count one change in each month `months_sql` (a SELECT of month keys) lists."""
    return "; ".join(
        (
            f"INSERT OR IGNORE INTO report_changes (month, epoch, version) VALUES (0, {_SQLITE_EPOCH}, 0)",
            f"INSERT OR IGNORE INTO report_changes (month, epoch, version) "
            f"SELECT m, {_SQLITE_EPOCH}, 0 FROM ({months_sql})",
            f"UPDATE report_changes SET version = version + 1 WHERE month IN (SELECT m FROM ({months_sql}))",
        )
    )


def _sqlite_past_months(rows: tuple[str, ...], column: str) -> str:
    return " UNION ".join(
        f"SELECT {_sqlite_month(f'{row}.{column}')} AS m WHERE {row}.{column} < {_SQLITE_NOW}" for row in rows
    )


_ROWS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}


def _sqlite_statements() -> list[str]:
    statements = []
    for table, column in PERIOD_COLUMNS.items():
        for operation in _OPERATIONS:
            rows = _ROWS[operation]
            past = " OR ".join(f"{row}.{column} < {_SQLITE_NOW}" for row in rows)
            statements += sqlite_trigger(
                f"trg_report_{table}_{operation}",
                operation.upper(),
                table,
                _sqlite_count(_sqlite_past_months(rows, column)),
                when=past,
            )
    names = _sqlite_count(f"SELECT {NAMES_AND_RESETS} AS m")
    for table in NAME_TABLES:
        statements += sqlite_trigger(
            f"trg_report_{table}_update", "UPDATE OF name", table, names, when="OLD.name IS NOT NEW.name"
        )
        statements += sqlite_trigger(f"trg_report_{table}_delete", "DELETE", table, names)
    return statements


# --- PostgreSQL ----------------------------------------------------------------------------------

_PG_EPOCH = "md5(random()::text)"


def _pg_month(value: str) -> str:
    return f"(extract(year FROM {value} AT TIME ZONE 'UTC')::integer * 12 + extract(month FROM {value} AT TIME ZONE 'UTC')::integer)"


def _pg_count(month: str) -> str:
    return (
        f"INSERT INTO report_changes (month, epoch, version) VALUES ({month}, {_PG_EPOCH}, 0) "
        "ON CONFLICT (month) DO NOTHING; "
        f"UPDATE report_changes SET version = version + 1 WHERE month = {month}"
    )


# Lock order for every counter a commit bumps: planning_changes row 1 (as its own triggers do,
# rikscha.rides.plan_cache), then report_changes row 0, then the months. Writers that change the
# past then queue in one place, and a transaction whose first counted write is, say, a work log
# cannot hold row 0 while another that completed a ride holds row 1 and waits for row 0.
_PG_LOCK = (
    f"PERFORM 1 FROM planning_changes WHERE id = {PLANNING_COUNTER} FOR UPDATE; "
    f"INSERT INTO report_changes (month, epoch, version) VALUES (0, {_PG_EPOCH}, 0) ON CONFLICT (month) DO NOTHING; "
    "PERFORM 1 FROM report_changes WHERE month = 0 FOR UPDATE"
)


def _pg_function(table: str, column: str) -> str:
    # OLD (or NEW) is NULL in an INSERT (or DELETE), and "NULL < now()" is not true. now() is the
    # transaction's start, as in the triggers' WHEN.
    months = []
    for row in ("OLD", "NEW"):
        value = f"{row}.{column}"
        months.append(
            f"IF TG_OP <> '{'INSERT' if row == 'OLD' else 'DELETE'}' AND {value} < now() "
            f"AND {_pg_month(value)} IS DISTINCT FROM counted THEN "
            f"counted := {_pg_month(value)}; {_pg_count('counted')}; END IF;"
        )
    return (
        f"CREATE OR REPLACE FUNCTION rikscha_report_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"DECLARE counted integer; BEGIN {_PG_LOCK}; {' '.join(months)} RETURN NULL; END $$"
    )


def _pg_names_function() -> str:
    return (
        "CREATE OR REPLACE FUNCTION rikscha_report_names() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {_PG_LOCK}; UPDATE report_changes SET version = version + 1 WHERE month = 0; "
        "RETURN NULL; END $$"
    )


def _pg_trigger(name: str, event_sql: str, table: str, function: str, when: str = "") -> list[str]:
    condition = f" WHEN ({when})" if when else ""
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE CONSTRAINT TRIGGER {name} AFTER {event_sql} ON {table} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW{condition} EXECUTE FUNCTION {function}()",
    ]


def _pg_statements() -> list[str]:
    statements = [_pg_names_function()]
    for table, column in PERIOD_COLUMNS.items():
        statements.append(_pg_function(table, column))
        for operation in _OPERATIONS:
            # WHEN spares writes about the future (bookings) the call and the queued event.
            past = " OR ".join(f"{row}.{column} < now()" for row in _ROWS[operation])
            statements += _pg_trigger(
                f"trg_report_{table}_{operation}", operation.upper(), table, f"rikscha_report_{table}", past
            )
    for table in NAME_TABLES:
        statements += _pg_trigger(
            f"trg_report_{table}_update",
            "UPDATE OF name",
            table,
            "rikscha_report_names",
            when="OLD.name IS DISTINCT FROM NEW.name",
        )
        statements += _pg_trigger(f"trg_report_{table}_delete", "DELETE", table, "rikscha_report_names")
    return statements


# --- both ----------------------------------------------------------------------------------------


def report_trigger_statements(dialect: str) -> list[str]:
    """DDL for the counting triggers (migration 0021, create_all, resuming after a bulk load)."""
    return _pg_statements() if dialect == "postgresql" else _sqlite_statements()


def _trigger_tables() -> dict[str, str]:
    """Trigger name → its table (the same names on both engines)."""
    counted = {f"trg_report_{table}_{op}": table for table in PERIOD_COLUMNS for op in _OPERATIONS}
    named = {f"trg_report_{table}_{op}": table for table in NAME_TABLES for op in ("update", "delete")}
    return counted | named


def report_trigger_names() -> set[str]:
    return set(_trigger_tables())


def drop_report_trigger_statements(dialect: str) -> list[str]:
    if dialect != "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in sorted(_trigger_tables())]
    triggers = [
        f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in sorted(_trigger_tables().items())
    ]
    functions = [f"DROP FUNCTION IF EXISTS rikscha_report_{table}()" for table in (*PERIOD_COLUMNS, "names")]
    return triggers + functions


def _new_epoch_statement(dialect: str) -> str:
    epoch = _PG_EPOCH if dialect == "postgresql" else _SQLITE_EPOCH
    return (
        f"UPDATE report_changes SET epoch = {epoch}, version = version + 1 WHERE month = {NAMES_AND_RESETS}"
    )


def initial_row_statement(dialect: str) -> str:
    epoch = _PG_EPOCH if dialect == "postgresql" else _SQLITE_EPOCH
    return f"INSERT INTO report_changes (month, epoch, version) VALUES ({NAMES_AND_RESETS}, {epoch}, 0)"


@contextmanager
def report_triggers_paused(connection: Connection):
    """For bulk loads in one transaction (the benchmark's seed): no count per row; instead row 0
    gets a new epoch at the end, which puts every kept report out of date."""
    dialect = connection.dialect.name
    for statement in drop_report_trigger_statements(dialect):
        connection.execute(text(statement))
    yield
    for statement in report_trigger_statements(dialect):
        connection.execute(text(statement))
    connection.execute(text(_new_epoch_statement(dialect)))


@event.listens_for(db.metadata, "after_create")
def _create_triggers(_metadata, connection: Connection, **_kw) -> None:
    """Schemas made by create_all (tests, first start without migrations) get them too."""
    connection.execute(text(initial_row_statement(connection.dialect.name)))
    for statement in report_trigger_statements(connection.dialect.name):
        connection.execute(text(statement))
