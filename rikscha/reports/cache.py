"""Reports of closed periods, kept per process while nothing they count has changed.

A period is closed once it ended more than CLOSED_AFTER ago; its report is kept under the
versions of the `report_changes` rows it touches (rikscha.reports.changes): row 0 and the UTC
months from its first to its last moment. Any write that could change one of its figures or
names counts in one of those rows in the same transaction, so a kept report is never older than a
fresh one. The versions are read before the figures: a write committed in between makes the
report newer than its key, never older. Open periods (this month) are built each time.

CLOSED_AFTER covers the difference between this server's clock, which decides that a period is
closed, and the database's, which decides that a write is about the past.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import bindparam, or_, select

from rikscha.database import reads_only
from rikscha.extensions import db
from rikscha.lru import LruMap
from rikscha.reports.changes import NAMES_AND_RESETS, ReportChanges, month_key
from rikscha.reports.periods import Period
from rikscha.rides.plan_cache import database_key

T = TypeVar("T")

CLOSED_AFTER = timedelta(hours=1)
REPORTS_KEPT = 16  # (period, versions, language) per process; 0.5 MB each with 300 drivers

_reports: LruMap = LruMap(REPORTS_KEPT)


def months_between(start: datetime, end: datetime) -> list[int]:
    """The month keys of the UTC months that [start, end) touches."""
    last = end - timedelta(microseconds=1)
    return list(range(month_key(start.year, start.month), month_key(last.year, last.month) + 1))


def is_closed(end: datetime, now: datetime) -> bool:
    return end <= now - CLOSED_AFTER


# Built once: a range, not an IN list, which SQLAlchemy would render anew for every request.
_VERSIONS = select(ReportChanges.month, ReportChanges.epoch, ReportChanges.version).where(
    or_(
        ReportChanges.month == NAMES_AND_RESETS,
        ReportChanges.month.between(bindparam("first"), bindparam("last")),
    )
)


def _versions(months: list[int]) -> tuple | None:
    """(epoch, version) of row 0 and of each month (None where nothing was counted yet);
    None without row 0 (an emptied table: nothing can be kept until a write recreates it)."""
    rows = db.session.connection().execute(_VERSIONS, {"first": months[0], "last": months[-1]})
    found = {row.month: (row.epoch, row.version) for row in rows}
    if NAMES_AND_RESETS not in found:
        return None
    return tuple(found.get(month) for month in (NAMES_AND_RESETS, *months))


def kept_report(period: Period, tz, variant: object, now: datetime, build: Callable[[], T]) -> T:
    """build() for `period` in zone `tz`, reused while the period is closed and unchanged.

    `variant` holds whatever else the result depends on (the language of formatted figures).
    Requests that write always build afresh (their own uncommitted changes count for them).
    """
    start, end = period.utc_bounds(tz)
    if not reads_only() or not is_closed(end, now):
        return build()
    versions = _versions(months_between(start, end))
    if versions is None:
        return build()
    key = (database_key(), period, str(tz), variant, versions)
    kept = _reports.get(key)
    if kept is None:
        kept = build()
        _reports.put(key, kept)
    return kept
