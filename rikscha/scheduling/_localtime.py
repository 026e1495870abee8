"""Conversion of local wall-clock times to UTC instants that is safe on DST change days."""

from datetime import UTC, date, datetime, time, tzinfo

__all__ = ["UTC", "local_to_utc"]


def local_to_utc(day: date, at: time, tz: tzinfo) -> datetime:
    """Return the UTC instant at which the wall clock in ``tz`` shows ``at`` on ``day``.

    The local datetime is built with ``fold=0`` and converted with ``astimezone``, which
    (PEP 495) resolves a non-existent time in the spring gap *forward* by the length of the
    gap (02:30 on 2026-03-29 in Europe/Berlin becomes 03:30 CEST = 01:30 UTC) and an
    ambiguous time in the autumn overlap to its *first* occurrence (02:30 on 2026-10-25
    becomes 02:30 CEST = 00:30 UTC). Any tzinfo or fold on ``at`` itself is ignored.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=tz).astimezone(UTC)
