"""Fleet rules through the services and the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rikscha.audit.models import AuditEvent
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.fleet.services import (
    clear_defect,
    fleet_overview,
    log_charging,
    log_maintenance,
    plan_block,
    report_defect,
)
from tests.factories import make_driver, make_rickshaw, make_ride, make_station

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_grounding_defect_grounds_moves_and_clearing_returns_to_service(ctx):
    broken = make_rickshaw(odometer_km=0)
    spare = make_rickshaw(odometer_km=10)
    make_driver()
    ride = make_ride(start=TEN)
    assert ride.rickshaw_id == broken.id
    defect, moved, flagged = report_defect(broken, severity="grounding", description="Bremse schleift", photo=None,
                                           by=None, now=NOW)
    assert broken.status == "grounded"
    assert moved == [ride] and ride.rickshaw_id == spare.id and flagged == []
    minor, _, _ = report_defect(spare, severity="minor", description="Klingel", photo=None, by=None, now=NOW)
    assert spare.status == "in_service"
    clear_defect(defect, note="Bremse getauscht", by=None, now=NOW)
    assert broken.status == "in_service"
    with pytest.raises(DomainError):
        clear_defect(defect, note="", by=None, now=NOW)
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"ground", "move", "clear", "return_to_service"} <= actions


def test_maintenance_block_moves_rides_in_the_window_only(ctx):
    first = make_rickshaw(odometer_km=0)
    make_rickshaw(odometer_km=10)
    make_driver()
    make_driver()
    inside = make_ride(start=TEN)
    outside = make_ride(start=TEN + timedelta(days=1))
    assert inside.rickshaw_id == first.id == outside.rickshaw_id
    _block, moved, flagged = plan_block(first, start=TEN - timedelta(hours=1), end=TEN + timedelta(hours=5),
                                        reason="Inspektion", by=None, now=NOW)
    assert moved == [inside] and inside.rickshaw_id != first.id
    assert outside.rickshaw_id == first.id


def test_odometer_never_goes_backwards_and_inspection_resets_service(ctx):
    rickshaw = make_rickshaw(odometer_km=1400, service_interval_km=1500, service_interval_days=365)
    with pytest.raises(DomainError) as error:
        log_maintenance(rickshaw, kind="repair", performed_at=NOW, odometer_km=1300, description="x", by=None)
    assert error.value.code == "odometer_backwards"
    assert fleet_overview(NOW.date())[0].service.state == "due"
    log_maintenance(rickshaw, kind="inspection", performed_at=NOW, odometer_km=1410, description="Jahresinspektion",
                    by=None)
    row = fleet_overview(NOW.date())[0]
    assert row.service.state == "ok" and row.service.km_left == 1500


def test_charging_rules(ctx):
    rickshaw = make_rickshaw()
    other = make_rickshaw()
    third = make_rickshaw()
    station = make_station(chargers=2)
    end = NOW + timedelta(hours=2)
    log_charging(rickshaw, station=station, start=NOW, end=end, soc_before=20, soc_after=90, by=None)
    for kwargs, code in (
        ({"rickshaw": rickshaw, "start": NOW + timedelta(hours=1), "end": end + timedelta(hours=1)}, "rickshaw_overlap"),
        ({"rickshaw": other, "start": end, "end": NOW}, "end_before_start"),
        ({"rickshaw": other, "soc_before": 80, "soc_after": 30}, "soc_decreased"),
        ({"rickshaw": other, "soc_after": 120}, "soc_range"),
    ):
        values = {"station": station, "start": NOW, "end": end, "soc_before": 10, "soc_after": 80, "by": None,
                  **kwargs}
        with pytest.raises(DomainError) as error:
            log_charging(values.pop("rickshaw"), **values)
        assert error.value.code == code
    log_charging(other, station=station, start=NOW, end=end, soc_before=10, soc_after=80, by=None)
    with pytest.raises(DomainError) as error:
        log_charging(third, station=station, start=NOW + timedelta(minutes=30), end=end, soc_before=10,
                     soc_after=80, by=None)
    assert error.value.code == "station_full"


def test_overdue_rickshaws_are_bookable_until_the_office_blocks_them(ctx):
    from rikscha.rides.errors import RideConflict
    from rikscha.rides.settings import ensure_settings
    from tests.factories import make_rider

    make_rickshaw(odometer_km=2000, service_interval_km=1000)  # overdue: never inspected, 2000 km
    make_driver()
    ride = make_ride(start=TEN)
    assert ride.id
    ensure_settings().block_overdue_rickshaws = True
    db.session.flush()
    with pytest.raises(RideConflict):
        make_ride(rider=make_rider(), start=TEN + timedelta(hours=3))
