"""seconds_between and total_seconds behave like one value inside larger expressions (real SQLite)."""

from __future__ import annotations

from sqlalchemy import create_engine, literal, select

from rikscha.sql_time import seconds_between, total_seconds


def test_arithmetic_applies_to_the_whole_difference():
    start, end = literal("2026-11-21 10:00:00.000000"), literal("2026-11-21 11:30:00.000000")
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        minutes, doubled = connection.execute(
            select(seconds_between(start, end) / 60, 2 * seconds_between(start, end))
        ).one()
        summed = connection.execute(select(total_seconds(start, end) / 60)).scalar_one()
    engine.dispose()
    assert (minutes, doubled, summed) == (90, 10800, 90)
