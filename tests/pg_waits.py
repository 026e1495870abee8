"""Seeing, on PostgreSQL, that another session waits for a lock: how race tests make the race certain."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text


def waits_for_a_lock(database_url: str, seconds: float = 15.0) -> bool:
    """Whether a session of this database waits for a lock within `seconds`."""
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + seconds
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                waiting = connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar()
                if waiting:
                    return True
                connection.rollback()
                time.sleep(0.02)
        return False
    finally:
        engine.dispose()
