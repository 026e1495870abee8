"""Unit tests for rikscha.scheduling.fleet: service status, charging and odometer rules."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rikscha.scheduling import (
    ChargingError,
    Interval,
    OdometerError,
    SchedulingError,
    ServiceStatus,
    service_status,
    validate_charging,
    validate_odometer,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)
LAST_SERVICE = date(2026, 1, 1)


def at(hour: float) -> datetime:
    return datetime(2026, 5, 4, tzinfo=UTC) + timedelta(hours=hour)


def iv(start: float, end: float) -> Interval:
    return Interval(at(start), at(end))


# --- service_status -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("km_interval", "day_interval", "km_used", "days_used", "expected"),
    [
        (None, None, 99_999, 9_999, ServiceStatus("ok", None, None, None)),
        (1000, None, 0, 0, ServiceStatus("ok", 1000, None, None)),
        (1000, None, 899, 0, ServiceStatus("ok", 101, None, None)),
        (1000, None, 900, 0, ServiceStatus("due", 100, None, None)),  # exactly 90 %
        (1000, None, 1000, 0, ServiceStatus("due", 0, None, None)),  # used up, not past
        (1000, None, 1001, 0, ServiceStatus("overdue", -1, None, None)),
        (None, 100, 0, 89, ServiceStatus("ok", None, 11, date(2026, 4, 11))),
        (None, 100, 0, 90, ServiceStatus("due", None, 10, date(2026, 4, 11))),
        (None, 100, 0, 100, ServiceStatus("due", None, 0, date(2026, 4, 11))),
        (None, 100, 0, 101, ServiceStatus("overdue", None, -1, date(2026, 4, 11))),
        # the worse of the two wins, whichever it is
        (1000, 100, 950, 10, ServiceStatus("due", 50, 90, date(2026, 4, 11))),
        (1000, 100, 10, 95, ServiceStatus("due", 990, 5, date(2026, 4, 11))),
        (1000, 100, 1200, 95, ServiceStatus("overdue", -200, 5, date(2026, 4, 11))),
        (1000, 100, 950, 150, ServiceStatus("overdue", 50, -50, date(2026, 4, 11))),
        (1000, 100, 10, 10, ServiceStatus("ok", 990, 90, date(2026, 4, 11))),
        # small intervals: 90 % of 3 is 2.7, so 2 is still ok and 3 is due
        (3, None, 2, 0, ServiceStatus("ok", 1, None, None)),
        (3, None, 3, 0, ServiceStatus("due", 0, None, None)),
    ],
)
def test_service_status(km_interval, day_interval, km_used, days_used, expected):
    status = service_status(
        km_interval=km_interval,
        day_interval=day_interval,
        last_service_km=5000,
        last_service_date=LAST_SERVICE,
        odometer=5000 + km_used,
        today=LAST_SERVICE + timedelta(days=days_used),
    )
    assert status == expected


@pytest.mark.parametrize(("km_interval", "day_interval"), [(0, None), (None, 0), (-5, 30)])
def test_service_intervals_must_be_positive(km_interval, day_interval):
    with pytest.raises(ValueError):
        service_status(
            km_interval=km_interval,
            day_interval=day_interval,
            last_service_km=0,
            last_service_date=LAST_SERVICE,
            odometer=10,
            today=LAST_SERVICE,
        )


def test_service_status_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        service_status(1000, 100, 0, LAST_SERVICE, 10, LAST_SERVICE)  # type: ignore[misc]


@PROPERTY
@given(
    st.none() | st.integers(min_value=1, max_value=5000),
    st.none() | st.integers(min_value=1, max_value=730),
    st.integers(min_value=0, max_value=6000),
    st.integers(min_value=0, max_value=900),
)
def test_service_state_is_the_worse_of_each_interval_alone(km_interval, day_interval, km, days):
    def status(km_i, day_i):
        return service_status(
            km_interval=km_i,
            day_interval=day_i,
            last_service_km=100,
            last_service_date=LAST_SERVICE,
            odometer=100 + km,
            today=LAST_SERVICE + timedelta(days=days),
        )

    order = ["ok", "due", "overdue"]
    both = status(km_interval, day_interval)
    by_km = status(km_interval, None).state
    by_days = status(None, day_interval).state
    assert both.state == order[max(order.index(by_km), order.index(by_days))]
    if km_interval is not None:
        assert by_km == ("overdue" if km > km_interval else "due" if km >= 0.9 * km_interval else "ok")


# --- validate_charging --------------------------------------------------------------------


def charge(
    start: float = 10,
    end: float = 12,
    soc_before: float = 20,
    soc_after: float = 80,
    energy: float | None = 1.5,
    same_rickshaw: tuple[Interval, ...] = (),
    same_station: tuple[Interval, ...] = (),
    chargers: int = 2,
) -> None:
    validate_charging(
        at(start), at(end), soc_before, soc_after, energy, same_rickshaw, same_station, chargers
    )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, None),
        ({"energy": None}, None),
        ({"energy": 0}, None),
        ({"soc_before": 0, "soc_after": 100}, None),
        ({"soc_before": 55, "soc_after": 55}, None),  # topped up nothing: allowed
        ({"end": 10}, "end_before_start"),
        ({"end": 9}, "end_before_start"),
        ({"soc_before": -1}, "soc_range"),
        ({"soc_after": 100.5}, "soc_range"),
        ({"soc_before": 80, "soc_after": 20}, "soc_decreased"),
        ({"energy": -0.1}, "energy_negative"),
        # the rickshaw cannot charge twice at once; half-open sessions may hand over
        ({"same_rickshaw": (iv(11, 13),)}, "rickshaw_overlap"),
        ({"same_rickshaw": (iv(8, 10), iv(12, 13))}, None),
        # station capacity
        ({"same_station": (iv(9, 11),), "chargers": 1}, "station_full"),
        ({"same_station": (iv(9, 10), iv(12, 14)), "chargers": 1}, None),  # touching only
        ({"same_station": (iv(9, 11), iv(11, 13)), "chargers": 2}, None),  # never 3 at once
        ({"same_station": (iv(9, 11), iv(10.5, 13)), "chargers": 2}, "station_full"),
        # three others overlap the new session, but at most two of them at once
        ({"same_station": (iv(9, 13), iv(10, 11), iv(11, 12)), "chargers": 3}, None),
        ({"same_station": (iv(9, 13), iv(10, 11), iv(11, 12)), "chargers": 2}, "station_full"),
        ({"same_station": (iv(9, 13), iv(10, 11), iv(10.5, 12)), "chargers": 3}, "station_full"),
        ({"same_station": (iv(9, 13), iv(10, 11), iv(10.5, 12)), "chargers": 4}, None),
        ({"same_station": (iv(8, 9), iv(13, 14), iv(12, 15)), "chargers": 1}, None),
        ({"chargers": 0}, "station_full"),
        # the order of the checks
        ({"end": 9, "soc_before": -1}, "end_before_start"),
        ({"soc_before": 101, "soc_after": 50}, "soc_range"),
        ({"soc_before": 80, "soc_after": 20, "energy": -1}, "soc_decreased"),
        ({"energy": -1, "same_rickshaw": (iv(11, 13),)}, "energy_negative"),
        ({"same_rickshaw": (iv(11, 13),), "chargers": 0}, "rickshaw_overlap"),
    ],
)
def test_validate_charging(kwargs, code):
    if code is None:
        charge(**kwargs)
    else:
        with pytest.raises(ChargingError) as caught:
            charge(**kwargs)
        assert caught.value.code == code
        assert isinstance(caught.value, SchedulingError)


sessions = st.lists(
    st.tuples(st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=12)).map(
        lambda pair: iv(pair[0] / 2, (pair[0] + pair[1]) / 2)
    ),
    max_size=8,
)


@PROPERTY
@given(
    sessions,
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=5),
)
def test_station_full_iff_some_instant_exceeds_the_chargers(existing, start, length, chargers):
    new = iv(start / 2, (start + length) / 2)
    # All ends lie on the half-hour grid, so checking each quarter-hour point suffices.
    points = [new.start + k * timedelta(minutes=15) for k in range(2 * length)]
    peak = max(1 + sum(s.start <= p < s.end for s in existing) for p in points)
    try:
        validate_charging(new.start, new.end, 10, 90, None, (), existing, chargers)
    except ChargingError as error:
        assert error.code == "station_full"
        assert peak > chargers
    else:
        assert peak <= chargers


# --- validate_odometer --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "new", "code"),
    [
        (None, 0, None),
        (None, 12, None),
        (100, 100, None),
        (100, 101, None),
        (100, 99, "odometer_backwards"),
        (None, -1, "odometer_negative"),
        (100, -1, "odometer_negative"),  # negative is reported first
    ],
)
def test_validate_odometer(previous, new, code):
    if code is None:
        validate_odometer(previous, new)
    else:
        with pytest.raises(OdometerError) as caught:
            validate_odometer(previous, new)
        assert caught.value.code == code
