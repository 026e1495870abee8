"""Booking rules (opening hours, lead time, horizon, durations) and the checks applying them."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from ._errors import SchedulingError
from ._localtime import local_to_utc
from .intervals import Interval


class BookingRuleError(SchedulingError):
    """A requested ride breaks one of the booking rules.

    ``code`` is one of ``invalid_duration``, ``invalid_passengers``, ``in_past``,
    ``too_soon``, ``too_far``, ``closed_day``, ``outside_hours``; ``details`` holds the
    values a message needs (e.g. ``earliest`` for ``too_soon``).
    """


@dataclass(frozen=True)
class BookingRules:
    """The office's booking settings, in the office's local time zone ``tz``.

    ``opening_hours`` maps a weekday (0 = Monday … 6 = Sunday) to its local opening
    windows; a missing weekday (or an empty tuple) means closed. ``durations`` are the
    allowed ride lengths in minutes. Each ride blocks its rickshaw and driver for
    ``buffer`` before and after. Starts are offered every ``slot_step`` from the start of
    each opening window. The mapping is copied into a read-only proxy on construction.
    """

    tz: ZoneInfo
    opening_hours: Mapping[int, tuple[tuple[time, time], ...]] = field(hash=False)
    closed_days: frozenset[date]
    lead_time: timedelta
    horizon: timedelta
    durations: tuple[int, ...]
    buffer: timedelta
    slot_step: timedelta = timedelta(minutes=15)
    max_passengers: int = 2

    def __post_init__(self) -> None:
        hours: dict[int, tuple[tuple[time, time], ...]] = {}
        for weekday, windows in self.opening_hours.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0..6, got {weekday!r}")
            windows = tuple((opens, closes) for opens, closes in windows)
            for opens, closes in windows:
                if closes <= opens:
                    raise ValueError(f"opening window {opens}–{closes} is empty")
            hours[weekday] = windows
        object.__setattr__(self, "opening_hours", MappingProxyType(hours))
        object.__setattr__(self, "closed_days", frozenset(self.closed_days))
        if not self.durations or any(minutes <= 0 for minutes in self.durations):
            raise ValueError("durations must be a non-empty tuple of positive minutes")
        if self.slot_step <= timedelta(0):
            raise ValueError("slot_step must be positive")
        if self.lead_time < timedelta(0) or self.horizon < timedelta(0):
            raise ValueError("lead_time and horizon must not be negative")
        if self.buffer < timedelta(0):
            raise ValueError("buffer must not be negative")
        if self.max_passengers < 1:
            raise ValueError("max_passengers must be at least 1")

    @classmethod
    def default(cls, tz_name: str = "Europe/Berlin") -> "BookingRules":
        """Return the default settings from the design: Mon–Sat 09:00–18:00 in ``tz_name``.

        No closed days, 24 h lead time, 60 days horizon, rides of 30/60/90/120 minutes,
        15 minutes buffer, a start every 15 minutes, at most two passengers.
        """
        weekday_hours = ((time(9), time(18)),)
        return cls(
            tz=ZoneInfo(tz_name),
            opening_hours={weekday: weekday_hours for weekday in range(6)},
            closed_days=frozenset(),
            lead_time=timedelta(hours=24),
            horizon=timedelta(days=60),
            durations=(30, 60, 90, 120),
            buffer=timedelta(minutes=15),
        )


def opening_windows(day: date, rules: BookingRules) -> list[Interval]:
    """Return the opening windows of the local date ``day`` as sorted UTC intervals.

    Empty if ``day`` is a closed day or its weekday has no opening hours. Local times are
    converted on ``day`` itself, so the result is right on DST change days (09:00–18:00 in
    Europe/Berlin is 07:00–16:00 UTC on 2026-03-29 and 08:00–17:00 UTC on 2026-10-25). A
    time in the spring gap is moved forward, an ambiguous autumn time means its first
    occurrence; a window that collapses to nothing by that resolution is dropped.
    """
    if day in rules.closed_days:
        return []
    windows = []
    for opens, closes in rules.opening_hours.get(day.weekday(), ()):
        start = local_to_utc(day, opens, rules.tz)
        end = local_to_utc(day, closes, rules.tz)
        if start < end:
            windows.append(Interval(start, end))
    return sorted(windows)


def local_day_bounds(day: date, tz: ZoneInfo) -> Interval:
    """Return the UTC interval from local midnight of ``day`` to the next local midnight.

    It lasts 24 hours on ordinary days and 23 or 25 hours on DST change days.
    """
    return Interval(
        local_to_utc(day, time(0), tz),
        local_to_utc(day + timedelta(days=1), time(0), tz),
    )


def check_bookable(
    start: datetime,
    duration_minutes: int,
    passengers: int,
    rules: BookingRules,
    now: datetime,
    *,
    privileged: bool = False,
    windows_of: Callable[[date, BookingRules], list[Interval]] | None = None,
) -> None:
    """Raise ``BookingRuleError`` unless a ride may be booked at ``start`` by these rules.

    ``start`` and ``now`` are aware instants. The checks run in this order and the first
    failure is raised: ``invalid_duration`` (not one of ``rules.durations``),
    ``invalid_passengers`` (not 1..``max_passengers``), ``in_past`` (``start < now``, also
    for privileged users), ``too_soon`` (before ``now + lead_time``; skipped when
    ``privileged``, i.e. a coordinator books), ``too_far`` (after ``now + horizon``),
    ``closed_day`` (the local date of ``start`` is closed) and ``outside_hours`` (the ride
    ``[start, start + duration)`` does not lie inside a single opening window of its local
    day, or ``start`` is not a whole number of ``slot_step`` after that window's start).
    The buffer around the ride need not lie inside opening hours. Whether a rickshaw and
    driver are free is not checked here (see ``availability.assign``). ``windows_of`` stands in
    for ``opening_windows`` (a caller checking many starts of one day works them out once).
    """
    _require_aware(start, "start")
    _require_aware(now, "now")
    if duration_minutes not in rules.durations:
        raise BookingRuleError(
            "invalid_duration",
            duration_minutes=duration_minutes,
            allowed=rules.durations,
        )
    if not 1 <= passengers <= rules.max_passengers:
        raise BookingRuleError("invalid_passengers", passengers=passengers, maximum=rules.max_passengers)
    if start < now:
        raise BookingRuleError("in_past", start=start)
    earliest = now + rules.lead_time
    if not privileged and start < earliest:
        raise BookingRuleError("too_soon", start=start, earliest=earliest)
    latest = now + rules.horizon
    if start > latest:
        raise BookingRuleError("too_far", start=start, latest=latest)
    local_day = start.astimezone(rules.tz).date()
    weekday_hours = rules.opening_hours.get(local_day.weekday())
    if local_day in rules.closed_days or not weekday_hours:
        raise BookingRuleError("closed_day", day=local_day)
    windows = (windows_of or opening_windows)(local_day, rules)
    ride = Interval(start, start + timedelta(minutes=duration_minutes))
    for window in windows:
        aligned = (start - window.start) % rules.slot_step == timedelta(0)
        if aligned and window.contains(ride):
            return
    raise BookingRuleError("outside_hours", start=start, day=local_day)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
