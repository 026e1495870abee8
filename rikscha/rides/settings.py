"""The office's booking settings as scheduling rules."""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from rikscha.database import forget_request_cached, reads_only, request_cached
from rikscha.extensions import db
from rikscha.rides.models import BookingSettings
from rikscha.scheduling import BookingRules

DEFAULT_OPENING_HOURS = {str(weekday): [["09:00", "18:00"]] for weekday in range(6)}
DEFAULT_DURATIONS = [30, 60, 90, 120]


def default_settings() -> BookingSettings:
    return BookingSettings(
        opening_hours=DEFAULT_OPENING_HOURS,
        closed_days=[],
        lead_time_hours=24,
        horizon_days=60,
        durations=DEFAULT_DURATIONS,
        buffer_minutes=15,
        cancel_cutoff_hours=2,
        office_phone=current_app.config["RIKSCHA_OFFICE_PHONE"],
        block_overdue_rickshaws=False,
    )


@dataclass(frozen=True)
class SettingsSnapshot:
    """The settings as read under one planning version, shared by a process's read-only requests.

    Nobody may change what it holds (its lists and dicts too): writers use ensure_settings().
    """

    opening_hours: dict
    closed_days: list
    lead_time_hours: int
    horizon_days: int
    durations: list
    buffer_minutes: int
    cancel_cutoff_hours: int
    office_phone: str
    block_overdue_rickshaws: bool
    updated_at: datetime | None

    @classmethod
    def of(cls, settings: BookingSettings) -> SettingsSnapshot:
        return cls(**{f.name: copy.deepcopy(getattr(settings, f.name)) for f in fields(cls)})


# (database, planning version) -> snapshot. booking_settings is one of the tables whose every
# change bumps the version (rikscha.rides.plan_cache), so a snapshot under the committed version
# is what a fresh read would return; the version is read first, so it is never older.
_snapshots: dict[tuple, SettingsSnapshot] = {}
_SNAPSHOTS_KEPT = 8


def current_settings() -> BookingSettings | SettingsSnapshot:
    """The stored settings, or unsaved defaults (reading never writes); read once per request.

    Read-only requests (every page) get a snapshot reused while no planning data changed, which
    costs them one small query (the version) instead of loading the row.
    """
    return request_cached("booking_settings", _settings_for_request)


def _settings_for_request() -> BookingSettings | SettingsSnapshot:
    if not reads_only():
        return _stored_or_default_settings()
    from rikscha.rides.plan_cache import database_key, version_for_request

    version = version_for_request()
    if version is None:
        return _stored_or_default_settings()
    key = (database_key(), version)
    snapshot = _snapshots.get(key)
    if snapshot is None:
        snapshot = SettingsSnapshot.of(_stored_or_default_settings())
        if len(_snapshots) >= _SNAPSHOTS_KEPT:
            _snapshots.clear()
        _snapshots[key] = snapshot
    return snapshot


def _stored_or_default_settings() -> BookingSettings:
    return (
        db.session.scalar(select(BookingSettings).order_by(BookingSettings.id).limit(1)) or default_settings()
    )


def ensure_settings() -> BookingSettings:
    """The stored settings row, created with the defaults if missing (for writers)."""
    settings = db.session.scalar(select(BookingSettings).order_by(BookingSettings.id).limit(1))
    if settings is None:
        settings = default_settings()
        db.session.add(settings)
        db.session.flush()
        forget_request_cached("booking_settings")  # the request may hold the unsaved defaults
    return settings


def office_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["RIKSCHA_TIMEZONE"])


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def rules_from(settings: BookingSettings) -> BookingRules:
    return BookingRules(
        tz=office_zone(),
        opening_hours={
            int(weekday): tuple((_time(a), _time(b)) for a, b in windows)
            for weekday, windows in (settings.opening_hours or {}).items()
            if windows
        },
        closed_days=frozenset(date.fromisoformat(day) for day in settings.closed_days or []),
        lead_time=timedelta(hours=settings.lead_time_hours),
        horizon=timedelta(days=settings.horizon_days),
        durations=tuple(sorted(int(m) for m in settings.durations)),
        buffer=timedelta(minutes=settings.buffer_minutes),
    )


def current_rules() -> BookingRules:
    return rules_from(current_settings())


def office_phone() -> str:
    """The phone number people should call: the settings' one, else the configured default."""
    return current_settings().office_phone or current_app.config["RIKSCHA_OFFICE_PHONE"]
