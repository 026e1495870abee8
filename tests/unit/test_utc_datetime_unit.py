"""UTCDateTime gives aware UTC datetimes whatever zone the driver hands back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from rikscha.database import UTCDateTime

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 7, 1, 10, 30, tzinfo=BERLIN),  # summer: UTC+2
        datetime(2026, 12, 1, 10, 30, tzinfo=BERLIN),  # winter: UTC+1
        datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Etc/UTC")),
        datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    ],
)
def test_aware_values_come_back_as_the_same_instant_in_utc(value):
    loaded = UTCDateTime().process_result_value(value, postgresql.dialect())
    assert loaded == value and loaded.tzinfo is UTC


def test_utc_values_are_passed_on_and_naive_ones_read_as_utc():
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert UTCDateTime().process_result_value(moment, postgresql.dialect()) is moment
    naive = UTCDateTime().process_result_value(datetime(2026, 12, 1, 9, 30), sqlite.dialect())
    assert naive == moment and naive.tzinfo is UTC
    assert UTCDateTime().process_result_value(None, sqlite.dialect()) is None
