"""On PostgreSQL, a commit that counts a change to the past takes the planning counter first.

Completing a ride bumps the planning counter (row 1 of planning_changes) and then the report
counters; a work log of last month bumps only the report counters. If the latter took row 0 of
report_changes first, the two commits could each hold what the other waits for. So every
counting commit locks the planning counter first: while another transaction holds it, a
commit that only adds a past work log waits (seen in pg_stat_activity), and then goes through.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from rikscha.extensions import db
from rikscha.quarter.models import Area, Task
from tests.factories import make_rickshaw, make_user
from tests.pg_waits import waits_for_a_lock

pytestmark = pytest.mark.postgresql_only
# In the past by any clock: the database's decides, and under faketime only the app's moves.
LONG_AGO = datetime(2024, 1, 15, 9, tzinfo=UTC)


def test_a_past_work_log_commits_after_the_planning_counter_comes_free(app):
    with app.app_context():
        make_rickshaw()  # a planning write: the counter's row exists
        caretaker = make_user(roles=("caretaker",))
        area = Area(name="Park")
        db.session.add(area)
        db.session.flush()
        task = Task(title="Laub", area_id=area.id)
        db.session.add(task)
        db.session.commit()
        task_id, user_id = task.id, caretaker.id
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    holder = engine.connect()
    holder.execute(text("SELECT 1 FROM planning_changes WHERE id = 1 FOR UPDATE"))
    outcome: list[object] = []

    def log_work_long_ago():
        try:
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO worklogs (task_id, user_id, logged_at, minutes, note, photos) "
                        "VALUES (:task, :user, :at, 30, '', '[]')"
                    ),
                    {"task": task_id, "user": user_id, "at": LONG_AGO},
                )
            outcome.append("committed")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcome.append(error)

    writer = threading.Thread(target=log_work_long_ago)
    writer.start()
    try:
        assert waits_for_a_lock(url, seconds=5), "the commit did not wait for the planning counter"
        assert outcome == []
    finally:
        holder.rollback()
        holder.close()
        writer.join(timeout=10)
        engine.dispose()
    assert outcome == ["committed"]
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM worklogs")) == 1
