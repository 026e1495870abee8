"""Statements a test records, and SQLite's plans of them: which read a growing table whole.

On SQLite without ANALYZE (the app never runs it) a plan depends on the schema and the statement,
not on how many rows there are, so small test data shows what two years of a city's rides would
get. PostgreSQL's planner picks by table size: there a scan of a small test table says nothing.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from rikscha.extensions import db

# Tables that grow with every ride, rider, account, task and log entry. The small ones (rickshaws,
# stations, places, areas, settings, the change counters) may be read whole.
GROWING = frozenset(
    {
        "rides", "riders", "rider_managers", "users", "user_roles", "api_tokens", "audit_events",
        "outbox", "tasks", "task_assignees", "worklogs", "problem_reports", "charging_sessions",
        "maintenance_records", "defect_reports", "checklist_items", "rickshaw_blocks",
    }
)  # fmt: skip
_SCAN = re.compile(r"^SCAN (\w+?)(?:_\d+)?\b")  # "SCAN rider_managers_1": a table (alias) read whole


class Statement(str):
    """A statement's SQL text, with the parameters it ran with."""

    parameters: object = None


@contextmanager
def recorded(app):
    """The statements the app's engine runs inside the block (SQL text; `.parameters` alongside)."""
    statements: list[Statement] = []

    def record(_connection, _cursor, sql, parameters, _context, _many):
        statement = Statement(sql)
        statement.parameters = parameters
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def whole_reads(app, statements) -> list[str]:
    """Each step of SQLite's plans that reads a growing table (or all of one of its indexes) whole."""
    found = []
    with app.app_context():
        connection = db.session.connection()
        for statement in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", statement.parameters):
                match = _SCAN.match(row[3])
                if match and match.group(1) in GROWING:
                    found.append(f"{row[3]}  ←  {' '.join(statement.split())[:160]}")
    return found
