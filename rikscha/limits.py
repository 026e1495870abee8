"""The values the database and the date arithmetic can hold; anything beyond is refused before it reaches them."""

from __future__ import annotations

from datetime import UTC, date, datetime

# Every id is a PostgreSQL `integer`: a larger number can name no record, and asking for one would
# be an engine error (an overflow on SQLite too, from 2**63 on) rather than "not found".
MAX_ID = 2**31 - 1
# Days outside this range are refused instead of overflowing in time-zone arithmetic.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)


def is_id(value) -> bool:
    """Whether `value` could be the id of a record (an int from 1 to MAX_ID)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time WITH offset (any zone) as aware UTC; ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("not an ISO 8601 date-time")
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time without an offset is ambiguous")
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise ValueError("out of range")
    return moment.astimezone(UTC)
