"""Demo stations, home stations, maintenance history, charging sessions and one open defect."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from rikscha.extensions import db
from rikscha.fleet.models import DefectReport, MaintenanceRecord, Rickshaw, Station
from rikscha.fleet.services import log_charging, save_station
from rikscha.rides.settings import office_zone

STATIONS = (
    # name, address, kinds, chargers, opening notes
    (
        "Servicestation Lindenau",
        "Lützner Straße 30, 04177 Leipzig",
        ("service", "charging"),
        2,
        "Mo–Fr 8–17 Uhr. Schlüssel im Stadtteilbüro. Werkzeug und Ersatzschläuche im grauen Schrank.",
    ),
    (
        "Verleih am Markt",
        "Markt 3, 04109 Leipzig",
        ("rental", "charging"),
        1,
        "Mo–Sa 9–18 Uhr. Ladeplatz hinten im Hof.",
    ),
    (
        "Stellplatz Südfriedhof",
        "Friedhofsweg 10, 04299 Leipzig",
        ("rental",),
        0,
        "Überdachter Stellplatz am Haupttor, kein Strom.",
    ),
)
HOMES = {"Rosi": "Servicestation Lindenau", "Emil": "Servicestation Lindenau", "Lotte": "Verleih am Markt"}
# rickshaw: (days ago, km below today's reading, kind, description, parts, cost)
MAINTENANCE = {
    "Rosi": [
        (
            150,
            140,
            "inspection",
            "Jahresinspektion: Bremsen, Licht, Kette, Rahmen geprüft.",
            "",
            Decimal("89.00"),
        ),
        (60, 70, "tyres", "Hinterreifen gewechselt.", "Reifen 26 Zoll", Decimal("34.90")),
    ],
    "Emil": [
        (168, 120, "inspection", "Inspektion ohne Befund.", "", Decimal("89.00")),
        (40, 45, "brakes", "Bremsbeläge vorne erneuert.", "Bremsbeläge", Decimal("24.50")),
        (12, 10, "cleaning", "Sitzbank und Verdeck gereinigt.", "", None),
    ],
    "Lotte": [
        (30, 25, "inspection", "Inspektion, Kette gespannt.", "", Decimal("79.00")),
        (9, 8, "repair", "Lichtkabel neu verlegt.", "Kabelbinder", Decimal("5.00")),
    ],
}
# rickshaw: station, local start hour, hours; on these days ago
CHARGING = {
    "Rosi": ("Servicestation Lindenau", 16, 3),
    "Emil": ("Servicestation Lindenau", 16, 3),
    "Lotte": ("Verleih am Markt", 17, 2),
}
CHARGING_DAYS = (20, 13, 6, 2)


def seed_fleet(users: dict, now: datetime) -> None:
    """Create the demo fleet data unless it is there already (checked by the first station's name)."""
    if db.session.scalar(select(Station).where(Station.name == STATIONS[0][0])) is not None:
        return
    coordinator = users["koordination@example.org"]
    caretaker = users["hausmeister@example.org"]
    driver = users["fahrer@example.org"]
    stations = {}
    for name, address, kinds, chargers, notes in STATIONS:
        stations[name] = save_station(
            None,
            by=coordinator,
            name=name,
            address=address,
            kinds=kinds,
            chargers=chargers,
            opening_notes=notes,
        )
    rickshaws = {r.name: r for r in db.session.scalars(select(Rickshaw).where(Rickshaw.name.in_(HOMES)))}
    zone = office_zone()
    for name, rickshaw in rickshaws.items():
        rickshaw.home_station_id = stations[HOMES[name]].id
        rickshaw.in_service_since = (now - timedelta(days=400)).date()
        # Past readings are history, entered as they were (the services only accept new readings).
        for days_ago, below, kind, text, parts, cost in MAINTENANCE[name]:
            at = datetime.combine(
                (now - timedelta(days=days_ago)).astimezone(zone).date(), time(10), tzinfo=zone
            ).astimezone(UTC)
            db.session.add(
                MaintenanceRecord(
                    rickshaw_id=rickshaw.id,
                    performed_at=at,
                    kind=kind,
                    odometer_km=max(0, rickshaw.odometer_km - below),
                    description=text,
                    parts=parts,
                    cost=cost,
                    station_id=stations["Servicestation Lindenau"].id,
                    performed_by_id=caretaker.id,
                )
            )
        station_name, hour, hours = CHARGING[name]
        for days_ago in CHARGING_DAYS:
            day = (now - timedelta(days=days_ago)).astimezone(zone).date()
            start = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
            log_charging(
                rickshaw,
                station=stations[station_name],
                start=start,
                end=start + timedelta(hours=hours),
                soc_before=25 + days_ago,
                soc_after=100,
                energy_kwh=Decimal("0.45"),
                by=caretaker,
            )
    if "Rosi" in rickshaws:
        db.session.add(
            DefectReport(
                rickshaw_id=rickshaws["Rosi"].id,
                reported_at=now - timedelta(days=1),
                reported_by_id=driver.id,
                severity="minor",
                description="Die Klingel klemmt und klingelt nur leise.",
            )
        )
    db.session.flush()
