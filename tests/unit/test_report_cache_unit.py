"""Which months a report period touches, and when a period counts as closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rikscha.reports import periods
from rikscha.reports.cache import CLOSED_AFTER, is_closed, months_between
from rikscha.reports.changes import month_key

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_local_month_touches_the_utc_month_before_it():
    start, end = periods.month(2026, 10).utc_bounds(BERLIN)  # 30 Sep 22:00 UTC – 31 Oct 23:00 UTC
    assert months_between(start, end) == [month_key(2026, 9), month_key(2026, 10)]


def test_a_period_ending_at_a_utc_month_boundary_does_not_touch_the_next_month():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    assert months_between(start, datetime(2026, 4, 1, tzinfo=UTC)) == [month_key(2026, 3)]


def test_a_year_touches_thirteen_utc_months_across_new_year():
    start, end = periods.year(2025).utc_bounds(BERLIN)
    months = months_between(start, end)
    assert months[0] == month_key(2024, 12) and months[-1] == month_key(2025, 12) and len(months) == 13


def test_month_keys_count_on_across_years():
    assert month_key(2026, 1) == month_key(2025, 12) + 1


def test_a_period_is_closed_only_a_margin_after_its_end():
    end = datetime(2026, 11, 1, 0, tzinfo=UTC)
    assert not is_closed(end, end)
    assert not is_closed(end, end + CLOSED_AFTER - timedelta(seconds=1))
    assert is_closed(end, end + CLOSED_AFTER)
