"""Pure rules of the quarter: task transitions, "Meine Aufgaben" sections, generation windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rikscha.quarter.rules import (
    BUCKETS,
    TransitionError,
    action_for,
    allowed_actions,
    bucket,
    checklist_problem,
    covered_until,
    generation_window,
    group_tasks,
    next_status,
    parse_checklist,
    week_end,
)
from rikscha.scheduling import Recurrence, occurrences

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("current", "action", "coordinator", "expected"),
    [
        ("open", "start", False, "in_progress"),
        ("in_progress", "done", False, "done"),
        ("open", "cancel", True, "cancelled"),
        ("in_progress", "cancel", True, "cancelled"),
        ("done", "reopen", True, "open"),
        ("cancelled", "reopen", True, "open"),
        ("in_progress", "reopen", True, "open"),
        ("open", "done", True, "invalid_transition"),
        ("done", "start", True, "invalid_transition"),
        ("cancelled", "done", True, "invalid_transition"),
        ("done", "done", True, "invalid_transition"),
        ("open", "fly", True, "invalid_transition"),
        ("open", "cancel", False, "coordinator_only"),
        ("done", "reopen", False, "coordinator_only"),
    ],
)
def test_transitions(current, action, coordinator, expected):
    if expected in ("invalid_transition", "coordinator_only"):
        with pytest.raises(TransitionError) as error:
            next_status(current, action, coordinator=coordinator)
        assert error.value.code == expected
    else:
        assert next_status(current, action, coordinator=coordinator) == expected


@pytest.mark.parametrize(
    ("current", "coordinator", "expected"),
    [
        ("open", False, ["start"]),
        ("open", True, ["start", "cancel"]),
        ("in_progress", False, ["done"]),
        ("in_progress", True, ["done", "cancel", "reopen"]),
        ("done", False, []),
        ("done", True, ["reopen"]),
        ("cancelled", True, ["reopen"]),
    ],
)
def test_allowed_actions(current, coordinator, expected):
    assert allowed_actions(current, coordinator=coordinator) == expected


@pytest.mark.parametrize(
    ("current", "target", "action"),
    [
        ("open", "in_progress", "start"),
        ("in_progress", "done", "done"),
        ("done", "open", "reopen"),
        ("open", "cancelled", "cancel"),
        ("open", "done", None),
        ("done", "in_progress", None),
    ],
)
def test_action_for_a_target_status(current, target, action):
    assert action_for(current, target) == action


def test_week_end_is_sunday():
    assert week_end(date(2026, 11, 23)) == date(2026, 11, 29)  # Monday
    assert week_end(date(2026, 11, 29)) == date(2026, 11, 29)  # Sunday


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (None, "undated"),
        (date(2026, 11, 24), "overdue"),
        (date(2026, 11, 25), "today"),
        (date(2026, 11, 26), "week"),
        (date(2026, 11, 29), "week"),
        (date(2026, 11, 30), "later"),
    ],
)
def test_bucket(due, expected):
    assert bucket(due, date(2026, 11, 25)) == expected  # a Wednesday


def test_group_tasks_by_section_and_area():
    today = date(2026, 11, 25)
    tasks = [
        SimpleNamespace(due=d, area=a, name=n)
        for d, a, n in [
            (date(2026, 11, 20), "Spielplatz", "alt"),
            (today, "markt", "heute-m"),
            (today, "Beete", "heute-b"),
            (date(2026, 11, 27), "Spielplatz", "woche"),
            (None, "Beete", "frei"),
            (today, "Beete", "heute-b2"),
        ]
    ]
    sections = group_tasks(tasks, today, due=lambda t: t.due, area=lambda t: t.area)
    assert list(sections) == list(BUCKETS)
    assert [(g.area, [t.name for t in g.items]) for g in sections["today"]] == [
        ("Beete", ["heute-b", "heute-b2"]),
        ("markt", ["heute-m"]),
    ]
    assert [t.name for g in sections["overdue"] for t in g.items] == ["alt"]
    assert sections["later"] == []


def test_generation_window():
    today = date(2026, 11, 25)
    assert generation_window(date(2026, 1, 1), None, today, 28) == (today, today + timedelta(days=28))
    # Continues after the last run, including days the job missed.
    assert generation_window(date(2026, 1, 1), date(2026, 11, 20), today, 28) == (
        date(2026, 11, 21),
        today + timedelta(days=28),
    )
    # Never before the anchor; nothing to do once generated far enough.
    assert generation_window(date(2026, 12, 10), None, today, 28) == (date(2026, 12, 10), date(2026, 12, 23))
    assert generation_window(date(2026, 1, 1), date(2026, 12, 23), today, 28) is None
    assert generation_window(date(2027, 6, 1), None, today, 28) is None
    assert covered_until(None, today, 28) == date(2026, 12, 23)
    assert covered_until(date(2027, 1, 31), today, 28) == date(
        2027, 1, 31
    )  # a shorter run moves nothing back


rules = st.one_of(
    st.builds(
        Recurrence,
        freq=st.just("weekly"),
        interval=st.integers(1, 3),
        weekdays=st.sets(st.integers(0, 6), min_size=1).map(tuple),
    ),
    st.builds(Recurrence, freq=st.just("monthly"), interval=st.integers(1, 3), month_day=st.integers(1, 31)),
    st.builds(Recurrence, freq=st.just("yearly"), month=st.just(2), month_day=st.integers(27, 29)),
)


@given(
    rule=rules,
    anchor=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    first=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    steps=st.lists(st.integers(0, 40), min_size=1, max_size=12),
    horizon=st.integers(1, 60),
)
def test_repeated_generation_makes_each_date_once_and_misses_none(rule, anchor, first, steps, horizon):
    """Runs on ever later days (or the same day twice) never repeat a date and leave no gap."""
    made, generated_until, today = [], None, first
    for index, step in enumerate(steps):
        today += timedelta(days=step if index else 0)
        window = generation_window(anchor, generated_until, today, horizon)
        if window is not None:
            made += occurrences(rule, anchor, *window)
        generated_until = covered_until(generated_until, today, horizon)
    assert len(made) == len(set(made))
    expected = occurrences(rule, anchor, first, today + timedelta(days=horizon))
    assert made == expected


@pytest.mark.parametrize(
    ("moment", "local_date"),
    [
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), date(2026, 3, 28)),  # 23:59 CET
        (
            datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
            date(2026, 3, 29),
        ),  # 00:30 CET, the night clocks go forward
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), date(2026, 3, 30)),  # 00:30 CEST
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), date(2026, 10, 25)),  # 00:30 CEST, clocks go back
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), date(2026, 10, 25)),  # 23:30 CET
    ],
)
def test_today_in_the_office_zone_across_summer_time(moment, local_date):
    from rikscha.quarter.rounds import local_today

    assert local_today(moment, BERLIN) == local_date


def test_parse_checklist():
    text = "  - Sand glätten\n\n• Scherben entfernen  \r\n* Zaun prüfen\n   \n"
    assert parse_checklist(text) == ["Sand glätten", "Scherben entfernen", "Zaun prüfen"]
    assert parse_checklist(None) == []
    assert checklist_problem(["a"] * 30) is None
    assert checklist_problem(["a"] * 31) == "checklist_too_long"
    assert checklist_problem(["x" * 201]) == "checklist_item_too_long"
