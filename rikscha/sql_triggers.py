"""SQLite trigger DDL shared by the features that keep derived data in the database."""

from __future__ import annotations


def sqlite_trigger(name: str, event: str, table: str, body: str, *, when: str = "") -> list[str]:
    """Drop and create an AFTER trigger (SQLite has no CREATE OR REPLACE TRIGGER)."""
    condition = f" WHEN {when}" if when else ""
    return [
        f"DROP TRIGGER IF EXISTS {name}",
        f"CREATE TRIGGER {name} AFTER {event} ON {table}{condition} BEGIN {body}; END",
    ]
