"""Fleet rules through the services and the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from rikscha.audit.models import AuditEvent
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.fleet.queries import fleet_cards
from rikscha.fleet.services import (
    clear_defect,
    fleet_overview,
    log_charging,
    log_maintenance,
    plan_block,
    report_defect,
    save_rickshaw,
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
    defect, moved, flagged = report_defect(
        broken, severity="grounding", description="Bremse schleift", photo=None, by=None, now=NOW
    )
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
    _block, moved, flagged = plan_block(
        first,
        start=TEN - timedelta(hours=1),
        end=TEN + timedelta(hours=5),
        reason="Inspektion",
        by=None,
        now=NOW,
    )
    assert moved == [inside] and inside.rickshaw_id != first.id
    assert outside.rickshaw_id == first.id


def test_odometer_never_goes_backwards_and_inspection_resets_service(ctx):
    rickshaw = make_rickshaw(odometer_km=1400, service_interval_km=1500, service_interval_days=365)
    with pytest.raises(DomainError) as error:
        log_maintenance(rickshaw, kind="repair", performed_at=NOW, odometer_km=1300, description="x", by=None)
    assert error.value.code == "odometer_backwards"
    assert fleet_overview(NOW.date())[0].service.state == "due"
    log_maintenance(
        rickshaw,
        kind="inspection",
        performed_at=NOW,
        odometer_km=1410,
        description="Jahresinspektion",
        by=None,
    )
    row = fleet_overview(NOW.date())[0]
    assert row.service.state == "ok" and row.service.km_left == 1500


# 3 November, 00:30 in Berlin: still 2 November in UTC.
HALF_PAST_MIDNIGHT = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)


def test_service_days_count_from_the_office_day_of_the_inspection(ctx):
    rickshaw = make_rickshaw(odometer_km=0, service_interval_days=30)
    log_maintenance(
        rickshaw,
        kind="inspection",
        performed_at=HALF_PAST_MIDNIGHT,
        odometer_km=10,
        description="Inspektion",
        by=None,
    )
    today = date(2026, 12, 2)
    [row], [card] = fleet_overview(today), fleet_cards(today)
    assert row.service == card.service
    assert row.service.due_date == date(2026, 12, 3) and row.service.days_left == 1


def test_a_new_rickshaw_enters_service_on_the_office_day(ctx):
    values = {"name": "Nachteule", "kind": "Cruiser", "seats": 2, "odometer_km": 0, "capacity_minutes": 480}
    rickshaw = save_rickshaw(None, by=None, now=HALF_PAST_MIDNIGHT, service_interval_days=30, **values)
    assert rickshaw.in_service_since == date(2026, 11, 3)
    [row], [card] = fleet_overview(date(2026, 12, 2)), fleet_cards(date(2026, 12, 2))
    assert row.service == card.service and row.service.due_date == date(2026, 12, 3)


def test_fleet_cards_show_what_fleet_overview_computes(ctx):
    """The overview page's one-query cards against the ORM version the API and dashboard use."""
    station = make_station()
    inspected = make_rickshaw(odometer_km=0, service_interval_km=1500, service_interval_days=365)
    log_maintenance(
        inspected,
        kind="inspection",
        performed_at=NOW - timedelta(days=300),
        odometer_km=500,
        description="Inspektion",
        by=None,
    )
    log_maintenance(
        inspected,
        kind="inspection",
        performed_at=NOW - timedelta(days=20),
        odometer_km=1900,
        description="Inspektion",
        by=None,
    )
    log_maintenance(
        inspected,
        kind="repair",
        performed_at=NOW - timedelta(days=2),
        odometer_km=2000,
        description="Kette",
        by=None,
    )
    charged = make_rickshaw(service_interval_days=30, in_service_since=(NOW - timedelta(days=40)).date())
    for days, soc in ((3, 80), (1, 95)):
        start = NOW - timedelta(days=days)
        log_charging(
            charged,
            station=station,
            start=start,
            end=start + timedelta(hours=2),
            soc_before=20,
            soc_after=soc,
            by=None,
        )
    broken = make_rickshaw(service_interval_km=1000)
    report_defect(broken, severity="minor", description="Klingel", photo=None, by=None, now=NOW)
    cleared, _, _ = report_defect(broken, severity="minor", description="Licht", photo=None, by=None, now=NOW)
    clear_defect(cleared, note="", by=None, now=NOW)
    make_rickshaw()  # nothing logged, no intervals

    cards = fleet_cards(NOW.date())
    rows = fleet_overview(NOW.date())
    assert [card.id for card in cards] == [row.rickshaw.id for row in rows]
    for card, row in zip(cards, rows, strict=True):
        charge = row.last_charge
        assert (card.name, card.status, card.odometer_km) == (
            row.rickshaw.name,
            row.rickshaw.status,
            row.rickshaw.odometer_km,
        )
        assert (card.service, card.open_defects) == (row.service, row.open_defects)
        assert (card.last_charged_at, card.last_charge_soc) == (
            (charge.end_at, charge.soc_after) if charge else (None, None)
        )
    by_id = {card.id: card for card in cards}
    assert by_id[inspected.id].service.km_left == 1400
    assert by_id[charged.id].last_charge_soc == 95 and by_id[charged.id].service.state == "overdue"
    assert by_id[broken.id].open_defects == 1


def test_charging_rules(ctx):
    rickshaw = make_rickshaw()
    other = make_rickshaw()
    third = make_rickshaw()
    station = make_station(chargers=2)
    end = NOW + timedelta(hours=2)
    log_charging(rickshaw, station=station, start=NOW, end=end, soc_before=20, soc_after=90, by=None)
    for kwargs, code in (
        (
            {"rickshaw": rickshaw, "start": NOW + timedelta(hours=1), "end": end + timedelta(hours=1)},
            "rickshaw_overlap",
        ),
        ({"rickshaw": other, "start": end, "end": NOW}, "end_before_start"),
        ({"rickshaw": other, "soc_before": 80, "soc_after": 30}, "soc_decreased"),
        ({"rickshaw": other, "soc_after": 120}, "soc_range"),
    ):
        values = {
            "station": station,
            "start": NOW,
            "end": end,
            "soc_before": 10,
            "soc_after": 80,
            "by": None,
            **kwargs,
        }
        with pytest.raises(DomainError) as error:
            log_charging(values.pop("rickshaw"), **values)
        assert error.value.code == code
    log_charging(other, station=station, start=NOW, end=end, soc_before=10, soc_after=80, by=None)
    with pytest.raises(DomainError) as error:
        log_charging(
            third,
            station=station,
            start=NOW + timedelta(minutes=30),
            end=end,
            soc_before=10,
            soc_after=80,
            by=None,
        )
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
