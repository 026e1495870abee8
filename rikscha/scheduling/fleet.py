"""Pure fleet-care rules: service intervals, charging sessions and odometer readings."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from ._errors import SchedulingError
from .intervals import Interval

ServiceState = Literal["ok", "due", "overdue"]
_SEVERITY: dict[ServiceState, int] = {"ok": 0, "due": 1, "overdue": 2}


class ChargingError(SchedulingError):
    """A charging session is not plausible.

    ``code`` is one of ``end_before_start``, ``soc_range``, ``soc_decreased``,
    ``energy_negative``, ``rickshaw_overlap`` or ``station_full``.
    """


class OdometerError(SchedulingError):
    """An odometer reading is impossible: ``odometer_negative`` or ``odometer_backwards``."""


@dataclass(frozen=True)
class ServiceStatus:
    """Where a rickshaw stands against its service interval.

    ``km_left`` and ``days_left`` are negative once exceeded and None when that interval
    is not set; ``due_date`` is the date the day interval runs out.
    """

    state: ServiceState
    km_left: int | None
    days_left: int | None
    due_date: date | None


def service_status(
    *,
    km_interval: int | None,
    day_interval: int | None,
    last_service_km: int,
    last_service_date: date,
    odometer: int,
    today: date,
) -> ServiceStatus:
    """Return whether the next service is ``ok``, ``due`` or ``overdue`` on ``today``.

    Each set interval (kilometres since ``last_service_km``, days since
    ``last_service_date``) is judged on its own: ``overdue`` once the used amount is
    greater than the interval, ``due`` once it is at least 90 % of it, else ``ok``; the
    worse of the two wins. An interval of None is ignored, so both None gives ``ok``.
    Intervals must be positive (``ValueError`` otherwise).
    """
    state: ServiceState = "ok"
    km_left = days_left = None
    due_date = None
    if km_interval is not None:
        km_used = odometer - last_service_km
        km_left = km_interval - km_used
        state = _worse(state, _judge(km_used, km_interval))
    if day_interval is not None:
        days_used = (today - last_service_date).days
        days_left = day_interval - days_used
        due_date = last_service_date + timedelta(days=day_interval)
        state = _worse(state, _judge(days_used, day_interval))
    return ServiceStatus(state=state, km_left=km_left, days_left=days_left, due_date=due_date)


def validate_charging(
    start: datetime,
    end: datetime,
    soc_before: float,
    soc_after: float,
    energy_kwh: float | None,
    existing_same_rickshaw: Iterable[Interval],
    existing_same_station: Iterable[Interval],
    chargers: int,
) -> None:
    """Raise ``ChargingError`` unless a charging session from ``start`` to ``end`` fits.

    Checked in this order: ``end_before_start`` (``end <= start``), ``soc_range`` (a
    state of charge outside 0..100 %), ``soc_decreased`` (after < before),
    ``energy_negative`` (``energy_kwh`` given and below 0), ``rickshaw_overlap`` (the
    rickshaw already charges during the session) and ``station_full`` (at some instant
    the station would have more than ``chargers`` sessions, the new one included).
    Sessions are half-open, so one may start when another ends.
    """
    if end <= start:
        raise ChargingError("end_before_start", start=start, end=end)
    for name, soc in (("soc_before", soc_before), ("soc_after", soc_after)):
        if not 0 <= soc <= 100:
            raise ChargingError("soc_range", field=name, value=soc)
    if soc_after < soc_before:
        raise ChargingError("soc_decreased", soc_before=soc_before, soc_after=soc_after)
    if energy_kwh is not None and energy_kwh < 0:
        raise ChargingError("energy_negative", energy_kwh=energy_kwh)
    session = Interval(start, end)
    if any(other.overlaps(session) for other in existing_same_rickshaw):
        raise ChargingError("rickshaw_overlap")
    peak = _peak_concurrency(session, existing_same_station)
    if peak > chargers:
        raise ChargingError("station_full", chargers=chargers, peak=peak)


def validate_odometer(previous: int | None, new: int) -> None:
    """Raise ``OdometerError`` if reading ``new`` is negative or below ``previous``.

    ``previous`` is None for a rickshaw without an earlier reading. Negativity is
    reported first.
    """
    if new < 0:
        raise OdometerError("odometer_negative", new=new)
    if previous is not None and new < previous:
        raise OdometerError("odometer_backwards", previous=previous, new=new)


def _judge(used: int, interval: int) -> ServiceState:
    if interval <= 0:
        raise ValueError(f"service interval must be positive, got {interval}")
    if used > interval:
        return "overdue"
    if used * 10 >= interval * 9:  # integer form of "at least 90 % used"
        return "due"
    return "ok"


def _worse(a: ServiceState, b: ServiceState) -> ServiceState:
    return a if _SEVERITY[a] >= _SEVERITY[b] else b


def _peak_concurrency(session: Interval, others: Iterable[Interval]) -> int:
    """Most sessions running at one instant within ``session``, counting ``session``."""
    events: list[tuple[datetime, int]] = []
    for other in others:
        if other.overlaps(session):
            events.append((max(other.start, session.start), 1))
            events.append((min(other.end, session.end), -1))
    # At equal instants ends (-1) sort before starts (+1): half-open sessions hand over.
    events.sort()
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak + 1
