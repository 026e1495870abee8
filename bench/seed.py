"""A large, realistic data set for the benchmarks, written with bulk inserts (SQLAlchemy Core).

    python bench/seed.py --database-url URL [--scale 1.0]

At scale 1: 50 rickshaws, 8 stations, 300 drivers (weekly availability, qualifications, first
aid), 10 000 riders, 200 000 rides over two years (past: completed / cancelled / no-show, the
next 60 days: confirmed), maintenance, defects and charging history, 60 areas with 50 000 tasks,
checklists, work logs and residents' reports. The demo accounts are loaded first (`flask demo`),
so the benchmark can log in as them; seeded accounts share the demo password.

Rides are laid out on a grid: each rickshaw's day is a chain of rides whose blocked periods
(ride ± buffer) touch but never overlap, one driver drives one rickshaw for the whole day, and
consecutive rides go to consecutive riders, so no rickshaw, driver or rider is ever booked twice
at once — PostgreSQL's exclusion constraints check this on insert.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time as clock
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE = {
    "stations": 8,
    "rickshaws": 50,
    "drivers": 300,
    "caretakers": 20,
    "residents": 1500,
    "riders": 10_000,
    "rides": 200_000,
    "places": 40,
    "areas": 60,
    "tasks": 50_000,
    "reports": 3_000,
}
MINIMUM = {
    "stations": 2,
    "rickshaws": 2,
    "drivers": 6,
    "caretakers": 2,
    "residents": 5,
    "riders": 20,
    "places": 4,
    "areas": 3,
    "reports": 60,
}
PAST_DAYS = 730  # two years of history
FUTURE_DAYS = 60  # the default booking horizon, filling up less the further ahead
BUFFER = 15  # minutes, the default setting
# Durations of one rickshaw's rides on one day, back to back from 09:00 (all end by 18:00).
DAY_PATTERNS = (
    (30,) * 9,
    (60, 30, 30, 60, 30, 30, 60),
    (90, 30, 60, 30, 30, 60),
    (60, 60, 60, 60, 60, 30),
    (30, 60, 30, 60, 30, 60, 30),
    (120, 30, 60, 60),
)
BENCH_RESIDENT_RIDERS = 20  # the demo resident manages these seeded riders too (a care home)
BENCH_CARETAKER_AREAS = 4  # the demo caretaker looks after this many seeded areas

FIRST_NAMES = (
    "Anna",
    "Bernd",
    "Christa",
    "Dieter",
    "Elfriede",
    "Frank",
    "Gisela",
    "Horst",
    "Ingrid",
    "Jürgen",
    "Karin",
    "Lothar",
    "Monika",
    "Norbert",
    "Ortrud",
    "Peter",
    "Renate",
    "Siegfried",
    "Ursula",
    "Werner",
    "Hildegard",
    "Manfred",
    "Waltraud",
    "Günter",
    "Brigitte",
    "Klaus",
)
LAST_NAMES = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
)
STREETS = (
    "Lindenstraße",
    "Lützner Straße",
    "Merseburger Straße",
    "Josephstraße",
    "Karl-Heine-Straße",
    "Demmeringstraße",
    "Odermannstraße",
    "Saalfelder Straße",
    "Gießerstraße",
    "Endersstraße",
)
AREA_KINDS = (
    ("playground", "Spielplatz"),
    ("park", "Grünanlage"),
    ("flowerbed", "Beete"),
    ("square", "Platz"),
    ("other", "Hof"),
)
ROUND_DAYS = {"playground": (0, 3), "park": (1,), "flowerbed": (2, 4), "square": (0,), "other": (4,)}
CATEGORIES = ("cleanliness", "green_care", "repair", "inspection", "event", "other")
AD_HOC_TITLES = (
    "Müll einsammeln",
    "Rasen mähen",
    "Bank reparieren",
    "Laub fegen",
    "Graffiti entfernen",
    "Hecke schneiden",
    "Sandkasten harken",
    "Papierkorb leeren",
    "Zaun ausbessern",
    "Beet gießen",
    "Schild erneuern",
    "Fest vorbereiten",
)
CHECKLIST = ("Geräte auf Schäden geprüft", "Fallschutz kontrolliert", "Sandkasten gesäubert")


def sized(name: str, scale: float) -> int:
    return max(MINIMUM.get(name, 1), round(BASE[name] * scale))


@dataclass
class Ids:
    """The next free primary key per table (keys are assigned here, so rows can refer to each other)."""

    next: dict

    def take(self, table: str, count: int = 1) -> range:
        first = self.next[table]
        self.next[table] = first + count
        return range(first, first + count)


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def _insert(connection: Connection, table, rows: list[dict], chunk: int = 20_000) -> int:
    if connection.dialect.name == "postgresql" and len(rows) > 2000:
        return _copy(connection, table, rows)
    for start in range(0, len(rows), chunk):
        connection.execute(table.insert(), rows[start : start + chunk])
    return len(rows)


def _copy(connection: Connection, table, rows: list[dict]) -> int:
    """PostgreSQL's COPY: several times faster than INSERT for the big tables."""
    columns = list(rows[0])
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(v) if isinstance(v, list | dict) else v for v in map(row.get, columns)]
            )
    cursor.close()
    return len(rows)


def seed(
    connection: Connection,
    *,
    now: datetime,
    scale: float = 1.0,
    rng_seed: int = 20261201,
    zone: ZoneInfo | None = None,
) -> dict[str, int]:
    """Insert the data set through `connection` (in its transaction); return the row counts.

    The demo data must be loaded already (its accounts, settings, places and password are used).
    The planning counter's triggers are paused during the load and count it once; the report
    counters' are paused too, and every kept report is then out of date.
    """
    from rikscha.reports.changes import report_triggers_paused
    from rikscha.rides.plan_cache import planning_triggers_paused

    with planning_triggers_paused(connection), report_triggers_paused(connection):
        return _seed(connection, now=now, scale=scale, rng_seed=rng_seed, zone=zone)


def _seed(
    connection: Connection,
    *,
    now: datetime,
    scale: float,
    rng_seed: int,
    zone: ZoneInfo | None,
) -> dict[str, int]:
    from rikscha.auth.models import User, UserRole
    from rikscha.fleet.models import (
        BatteryPack,
        ChargingSession,
        DefectReport,
        MaintenanceRecord,
        Rickshaw,
        RickshawBlock,
        Station,
    )
    from rikscha.quarter.models import (
        Area,
        ChecklistItem,
        ProblemReport,
        Round,
        Task,
        WorkLog,
        area_caretakers,
        round_assignees,
        task_assignees,
    )
    from rikscha.rides.models import (
        DriverAvailability,
        DriverProfile,
        DriverQualification,
        Place,
        Ride,
        Rider,
        rider_managers,
    )

    rng = random.Random(rng_seed)
    zone = zone or ZoneInfo("Europe/Berlin")
    today = now.astimezone(zone).date()
    tables = {
        model.__tablename__: model.__table__
        for model in (
            User,
            Station,
            Rickshaw,
            BatteryPack,
            Place,
            Rider,
            Ride,
            MaintenanceRecord,
            DefectReport,
            ChargingSession,
            RickshawBlock,
            Area,
            Round,
            Task,
            ChecklistItem,
            WorkLog,
            ProblemReport,
        )
    }
    if connection.scalar(
        select(func.count())
        .select_from(tables["rickshaws"])
        .where(tables["rickshaws"].c.name == "Rikscha 01")
    ):
        raise SystemExit("This database is seeded already (rickshaw 'Rikscha 01' exists).")
    ids = Ids(
        {name: (connection.scalar(select(func.max(table.c.id))) or 0) + 1 for name, table in tables.items()}
    )
    demo = {
        email: (user_id, password_hash)
        for user_id, email, password_hash in connection.execute(
            select(User.__table__.c.id, User.__table__.c.email, User.__table__.c.password_hash).where(
                User.__table__.c.email.like("%@example.org")
            )
        )
    }
    if "koordination@example.org" not in demo:
        raise SystemExit("Load the demo data first (flask --app wsgi demo).")
    password_hash = demo["koordination@example.org"][1]
    coordinator_id = demo["koordination@example.org"][0]
    counts: dict[str, int] = {}

    # --- people ------------------------------------------------------------------------------
    users, roles = [], []

    def person(role: str, email: str, index: int) -> int:
        (user_id,) = ids.take("users")
        users.append(
            {
                "id": user_id,
                "email": email,
                "name": f"{FIRST_NAMES[index % 26]} {LAST_NAMES[(index // 26) % 26]}",
                "phone": f"0151 {2_000_000 + user_id}",
                "password_hash": password_hash,
                "active": True,
                "language": "de",
                "must_change_password": False,
                "consent_at": now - timedelta(days=800),
                "created_at": now - timedelta(days=800),
                "session_version": 1,
            }
        )
        roles.append({"user_id": user_id, "role": role})
        return user_id

    drivers = [person("driver", f"fahrer-{n:03d}@example.org", n) for n in range(sized("drivers", scale))]
    caretakers = [
        person("caretaker", f"hausmeister-{n:02d}@example.org", n + 7)
        for n in range(sized("caretakers", scale))
    ]
    residents = [
        person("resident", f"bewohner-{n:04d}@example.org", n + 3) for n in range(sized("residents", scale))
    ]
    counts["users"] = _insert(connection, tables["users"], users)
    _insert(connection, UserRole.__table__, roles)

    availability, qualifications, profiles = [], [], []
    available_on: dict[int, list[int]] = defaultdict(list)  # weekday -> drivers
    cargo_drivers = set()
    for n, driver_id in enumerate(drivers):
        weekdays = sorted(rng.sample(range(6), rng.randint(3, 6)))
        for weekday in weekdays:
            availability.append(
                {
                    "driver_id": driver_id,
                    "weekday": weekday,
                    "start_time": time(8, 30),
                    "end_time": time(18, 30),
                }
            )
            available_on[weekday].append(driver_id)
        qualifications.append({"driver_id": driver_id, "rickshaw_kind": "Cruiser", "instructed_on": today})
        if n % 10 < 7:
            cargo_drivers.add(driver_id)
            qualifications.append({"driver_id": driver_id, "rickshaw_kind": "Cargo", "instructed_on": today})
        profiles.append({"driver_id": driver_id, "first_aid_valid_until": date(today.year + 2, 3, 31)})
    counts["driver_availability"] = _insert(connection, DriverAvailability.__table__, availability)
    _insert(connection, DriverQualification.__table__, qualifications)
    _insert(connection, DriverProfile.__table__, profiles)

    # --- places and riders ---------------------------------------------------------------------
    places = []
    for n in range(sized("places", scale)):
        (place_id,) = ids.take("places")
        places.append(
            {
                "id": place_id,
                "name": f"Ziel {n + 1:02d} – {STREETS[n % len(STREETS)]}",
                "address": f"{STREETS[n % len(STREETS)]} {n + 1}",
                "notes": "",
                "active": True,
            }
        )
    counts["places"] = _insert(connection, tables["places"], places)
    place_ids = [p["id"] for p in places]

    riders, managers = [], []
    for n in range(sized("riders", scale)):
        (rider_id,) = ids.take("riders")
        riders.append(
            {
                "id": rider_id,
                "name": f"{FIRST_NAMES[(n * 7) % 26]} {LAST_NAMES[n % 26]}",
                "phone": f"0341 {300_000 + n}",
                "email": f"fahrgast-{n:05d}@example.org" if n % 3 == 0 else "",
                "address": f"{STREETS[n % len(STREETS)]} {n % 90 + 1}, 04177 Leipzig",
                "consent_at": now - timedelta(days=rng.randint(30, 800)),
                "consent_method": ("phone", "online", "paper")[n % 3],
                "consent_by_id": coordinator_id,
                "consent_withdrawn_at": None,
                "consent_withdrawn_by_id": None,
                "created_at": now - timedelta(days=800),
                "anonymised_at": None,
                "need_rollator": n % 4 == 0,
                "need_help_getting_in": n % 5 == 0,
                "need_wheelchair_transfer": n % 17 == 0,
                "need_blanket": n % 6 == 0,
                "need_companion": n % 11 == 0,
                "needs_note": "",
            }
        )
    resident_id = demo.get("bewohner@example.org", (None,))[0]
    for n, rider in enumerate(riders):
        # The last riders: the ones that the coming weeks' rides go to (see _rides).
        if resident_id is not None and n >= len(riders) - BENCH_RESIDENT_RIDERS:
            managers.append({"rider_id": rider["id"], "user_id": resident_id})
        elif n % 5 < 2:  # two in five riders have a relative (or themself) with an account
            managers.append({"rider_id": rider["id"], "user_id": residents[n % len(residents)]})
    counts["riders"] = _insert(connection, tables["riders"], riders)
    _insert(connection, rider_managers, managers)
    manager_of = {row["rider_id"]: row["user_id"] for row in managers}

    # --- stations and rickshaws ------------------------------------------------------------------
    stations = []
    for n in range(sized("stations", scale)):
        (station_id,) = ids.take("stations")
        stations.append(
            {
                "id": station_id,
                "name": f"Station {n + 1} – {STREETS[n % len(STREETS)]}",
                "address": f"{STREETS[n % len(STREETS)]} {100 + n}, 04177 Leipzig",
                "is_service": n % 4 == 0,
                "is_rental": True,
                "is_charging": n % 4 != 3,
                "chargers": 0 if n % 4 == 3 else 2,
                "opening_notes": "Mo–Sa 8–19 Uhr.",
            }
        )
    counts["stations"] = _insert(connection, tables["stations"], stations)
    charging_stations = [s["id"] for s in stations if s["is_charging"]]

    rickshaw_count = sized("rickshaws", scale)
    first_day = today - timedelta(days=PAST_DAYS)
    last_day = today + timedelta(days=FUTURE_DAYS)
    rickshaws = []
    for n in range(rickshaw_count):
        (rickshaw_id,) = ids.take("rickshaws")
        cargo = n % 5 == 4
        status = "in_service"
        if n == rickshaw_count - 1 and rickshaw_count >= 10:
            status = "retired"
        elif n == rickshaw_count - 2 and rickshaw_count >= 10:
            status = "grounded"
        rickshaws.append(
            {
                "id": rickshaw_id,
                "name": f"Rikscha {n + 1:02d}",
                "kind": "Cargo" if cargo else "Cruiser",
                "seats": 1 if cargo else 2,
                "status": status,
                "odometer_km": 0,
                "capacity_minutes": 360,
                "service_interval_km": 5000,
                "service_interval_days": 180,
                "home_station_id": charging_stations[n % len(charging_stations)],
                "in_service_since": first_day - timedelta(days=30),
                "created_at": now - timedelta(days=800),
            }
        )
    # Rides until: a retired rickshaw stopped a year ago; a grounded one today.
    rides_until = {
        r["id"]: (
            today - timedelta(days=365)
            if r["status"] == "retired"
            else today
            if r["status"] == "grounded"
            else last_day
        )
        for r in rickshaws
    }

    counts["rickshaws"] = _insert(connection, tables["rickshaws"], rickshaws)

    # --- rides -----------------------------------------------------------------------------------
    open_days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    open_days = [day for day in open_days if day.weekday() != 6]
    cells = []  # (day, rickshaw, driver, pattern)
    for day_no, day in enumerate(open_days):
        pool = available_on[day.weekday()]
        offset = (day_no * 37) % len(pool)
        pool = pool[offset:] + pool[:offset]
        used: set[int] = set()
        for rickshaw in sorted(rickshaws, key=lambda r: r["kind"] != "Cargo"):
            if day > rides_until[rickshaw["id"]]:
                continue
            wanted = cargo_drivers if rickshaw["kind"] == "Cargo" else None
            driver = next((d for d in pool if d not in used and (wanted is None or d in wanted)), None)
            if driver is None:
                continue
            used.add(driver)
            cells.append((day, rickshaw, driver, DAY_PATTERNS[rng.randrange(len(DAY_PATTERNS))]))
    # The coming days are booked about 70 % full, falling to 10 % at the horizon; the past takes the rest.
    past = [(cell, p) for cell in cells if cell[0] < today for p in range(len(cell[3]))]
    future = [
        (cell, p)
        for cell in cells
        if cell[0] >= today
        for p in range(len(cell[3]))
        if rng.random() < 0.7 * max(0.15, 1 - (cell[0] - today).days / FUTURE_DAYS)
    ]
    target = round(BASE["rides"] * scale)
    if len(past) + len(future) > target:
        keep = max(0, target - len(future))
        if keep < len(past):
            past = [past[index] for index in sorted(rng.sample(range(len(past)), keep))]
        future = future[: target - len(past)]
    slots = past + future
    rides, km_by_day = _rides(slots, ids, riders, manager_of, place_ids, coordinator_id, now, zone, rng)
    counts["rides"] = _insert(connection, tables["rides"], rides)
    del rides

    # --- fleet history ---------------------------------------------------------------------------
    maintenance, defects, charging, packs, blocks = [], [], [], [], []
    for n, rickshaw in enumerate(rickshaws):
        odometer = 0
        station = rickshaw["home_station_id"]
        if n % 3 == 0:
            for label in ("A", "B"):
                (pack_id,) = ids.take("battery_packs")
                packs.append(
                    {"id": pack_id, "rickshaw_id": rickshaw["id"], "label": f"Akku {label}", "active": True}
                )
        for day_no, day in enumerate(open_days):
            if day > min(today, rides_until[rickshaw["id"]]):
                break
            km = km_by_day.get((rickshaw["id"], day), 0)
            odometer += int(km)
            if day_no % 78 == 5:  # a quarter-yearly inspection
                maintenance.append(
                    _maintenance(ids, rickshaw, day, "inspection", odometer, zone, station, caretakers, rng)
                )
            elif day_no % 26 == 11:
                maintenance.append(
                    _maintenance(
                        ids,
                        rickshaw,
                        day,
                        rng.choice(("cleaning", "tyres", "brakes", "repair", "battery")),
                        odometer,
                        zone,
                        station,
                        caretakers,
                        rng,
                    )
                )
            if day_no % 61 == 17:
                (defect_id,) = ids.take("defect_reports")
                reported = _at(day, 12, 0, zone)
                defects.append(
                    {
                        "id": defect_id,
                        "rickshaw_id": rickshaw["id"],
                        "reported_at": reported,
                        "reported_by_id": drivers[(n + day_no) % len(drivers)],
                        "severity": "minor",
                        "description": "Klingel defekt.",
                        "photo": None,
                        "cleared_at": reported + timedelta(days=2),
                        "cleared_by_id": caretakers[0],
                        "clear_note": "Repariert.",
                    }
                )
            if km and day < today:
                (charge_id,) = ids.take("charging_sessions")
                before = rng.randint(15, 60)
                charging.append(
                    {
                        "id": charge_id,
                        "rickshaw_id": rickshaw["id"],
                        "battery_pack_id": None,
                        "station_id": station,
                        "start_at": _at(day, 18, 30, zone),
                        "end_at": _at(day, 21, 30, zone),
                        "soc_before": before,
                        "soc_after": rng.randint(max(before, 90), 100),
                        "energy_kwh": Decimal("0.45"),
                        "logged_by_id": caretakers[n % len(caretakers)],
                        "created_at": _at(day, 21, 30, zone),
                    }
                )
        rickshaw["odometer_km"] = odometer
        if rickshaw["status"] == "grounded":
            (defect_id,) = ids.take("defect_reports")
            defects.append(
                {
                    "id": defect_id,
                    "rickshaw_id": rickshaw["id"],
                    "reported_at": now - timedelta(hours=3),
                    "reported_by_id": drivers[0],
                    "severity": "grounding",
                    "description": "Bremse hinten greift nicht.",
                    "photo": None,
                    "cleared_at": None,
                    "cleared_by_id": None,
                    "clear_note": "",
                }
            )
        # Planned maintenance on the next Sundays (the office is closed: no ride is in the way).
        sunday = today + timedelta(days=6 - today.weekday() + 7 * (n % 4))
        (block_id,) = ids.take("rickshaw_blocks")
        blocks.append(
            {
                "id": block_id,
                "rickshaw_id": rickshaw["id"],
                "start_at": _at(sunday, 8, 0, zone),
                "end_at": _at(sunday, 16, 0, zone),
                "reason": "Inspektion",
                "created_by_id": coordinator_id,
            }
        )
    connection.execute(
        tables["rickshaws"]
        .update()
        .where(tables["rickshaws"].c.id == bindparam("rickshaw_id"))
        .values(odometer_km=bindparam("odometer")),
        [{"rickshaw_id": r["id"], "odometer": r["odometer_km"]} for r in rickshaws],
    )
    _insert(connection, tables["battery_packs"], packs)
    counts["maintenance_records"] = _insert(connection, tables["maintenance_records"], maintenance)
    counts["defect_reports"] = _insert(connection, tables["defect_reports"], defects)
    counts["charging_sessions"] = _insert(connection, tables["charging_sessions"], charging)
    _insert(connection, tables["rickshaw_blocks"], blocks)

    # --- the quarter -----------------------------------------------------------------------------
    counts.update(
        _quarter(
            connection,
            tables,
            ids,
            scale=scale,
            today=today,
            now=now,
            zone=zone,
            rng=rng,
            caretakers=caretakers,
            residents=residents,
            coordinator_id=coordinator_id,
            demo_caretaker=demo.get("hausmeister@example.org", (None,))[0],
            area_caretakers=area_caretakers,
            round_assignees=round_assignees,
            task_assignees=task_assignees,
        )
    )

    if connection.dialect.name == "postgresql":
        # Keys were given explicitly: move the sequences past them.
        for name in tables:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT coalesce(max(id), 1) FROM {name}))"
                )
            )
    return counts


def _rides(slots, ids, riders, manager_of, place_ids, coordinator_id, now, zone, rng):
    rides = []
    km_by_day: dict[tuple[int, date], float] = defaultdict(float)
    rider_count = len(riders)
    day_base: dict[date, datetime] = {}
    reasons = ("weather", "rider", "illness", "vehicle", "other")
    ride_ids = ids.take("rides", len(slots))
    for counter, ((day, rickshaw, driver_id, pattern), position) in enumerate(slots):
        base = day_base.get(day) or day_base.setdefault(day, _at(day, 9, 0, zone))
        blocked_from = base + timedelta(minutes=sum(pattern[:position]) + 2 * BUFFER * position)
        start = blocked_from + timedelta(minutes=BUFFER)
        end = start + timedelta(minutes=pattern[position])
        rider = riders[counter % rider_count]
        roll = rng.random()
        status, reason, cancelled_at, completed_at, km = "confirmed", None, None, None, None
        if end < now - timedelta(days=1) or (end < now and roll < 0.7):
            if roll < 0.84:
                status, completed_at, km = "completed", end, round(rng.uniform(2, 12), 1)
            elif roll < 0.95:
                status, reason, cancelled_at = "cancelled", reasons[counter % 5], start - timedelta(hours=20)
            else:
                status = "no_show"
        elif start > now and roll < 0.06:
            status, reason, cancelled_at = (
                "cancelled",
                reasons[counter % 5],
                now - timedelta(hours=counter % 48),
            )
        if km:
            km_by_day[(rickshaw["id"], day)] += km
        manager = manager_of.get(rider["id"])
        place = place_ids[counter % len(place_ids)] if counter % 5 else None
        created = start - timedelta(days=3 + counter % 20)
        rides.append(
            {
                "id": ride_ids[counter],
                "rider_id": rider["id"],
                "passengers": 2 if rickshaw["seats"] == 2 and counter % 7 == 0 else 1,
                "start_at": start,
                "end_at": end,
                "blocked_from": blocked_from,
                "blocked_until": end + timedelta(minutes=BUFFER),
                "pickup": rider["address"],
                "destination_place_id": place,
                "destination_text": "" if place else "Zum Friseur",
                "notes": "",
                "status": status,
                "cancel_reason": reason,
                "cancel_note": "",
                "cancelled_at": cancelled_at,
                "completed_at": completed_at,
                "km": km,
                "rickshaw_id": rickshaw["id"],
                "driver_id": driver_id,
                "needs_attention": False,
                "booked_by_id": manager or coordinator_id,
                "booked_via": "online" if manager else "phone",
                "created_at": created,
                "updated_at": completed_at or cancelled_at or created,
                "need_rollator": rider["need_rollator"],
                "need_help_getting_in": rider["need_help_getting_in"],
                "need_wheelchair_transfer": rider["need_wheelchair_transfer"],
                "need_blanket": rider["need_blanket"],
                "need_companion": rider["need_companion"],
                "needs_note": "",
            }
        )
    return rides, km_by_day


def _maintenance(ids, rickshaw, day, kind, odometer, zone, station, caretakers, rng) -> dict:
    (record_id,) = ids.take("maintenance_records")
    at = _at(day, 7, 30, zone)
    return {
        "id": record_id,
        "rickshaw_id": rickshaw["id"],
        "performed_at": at,
        "kind": kind,
        "odometer_km": odometer,
        "description": "Routinearbeit.",
        "parts": "",
        "cost": Decimal(rng.randint(0, 9000)) / 100,
        "station_id": station,
        "performed_by_id": caretakers[rickshaw["id"] % len(caretakers)],
        "created_at": at,
    }


def _quarter(
    connection,
    tables,
    ids,
    *,
    scale,
    today,
    now,
    zone,
    rng,
    caretakers,
    residents,
    coordinator_id,
    demo_caretaker,
    area_caretakers,
    round_assignees,
    task_assignees,
) -> dict[str, int]:
    counts = {}
    first_day = today - timedelta(days=PAST_DAYS)
    areas, keepers = [], []
    area_keepers: dict[int, list[int]] = {}
    for n in range(sized("areas", scale)):
        (area_id,) = ids.take("areas")
        kind, label = AREA_KINDS[n % len(AREA_KINDS)]
        areas.append(
            {
                "id": area_id,
                "name": f"{label} {STREETS[n % len(STREETS)]} {n + 1:02d}",
                "kind": kind,
                "description": "",
                "location": f"{STREETS[n % len(STREETS)]}",
                "latitude": None,
                "longitude": None,
                "active": True,
            }
        )
        people = [caretakers[n % len(caretakers)]]
        if n % 2 and len(caretakers) > 1:
            people.append(caretakers[(n + 1) % len(caretakers)])
        if demo_caretaker is not None and n < BENCH_CARETAKER_AREAS:
            people.append(demo_caretaker)
        area_keepers[area_id] = people
        keepers += [{"area_id": area_id, "user_id": user_id} for user_id in people]
    counts["areas"] = _insert(connection, tables["areas"], areas)
    _insert(connection, area_caretakers, keepers)

    rounds, round_people = [], []
    planned = []  # (area, round or None, due date, title, category)
    for area in areas:
        (round_id,) = ids.take("rounds")
        weekdays = list(ROUND_DAYS[area["kind"]])
        checklist = list(CHECKLIST) if area["kind"] == "playground" else []
        rounds.append(
            {
                "id": round_id,
                "area_id": area["id"],
                "title": "Wöchentliche Runde",
                "description": "",
                "category": "inspection",
                "priority": "normal",
                "freq": "weekly",
                "interval": 1,
                "weekdays": weekdays,
                "month_day": None,
                "month": None,
                "anchor": first_day,
                "checklist": checklist,
                "active": True,
                "generated_until": today + timedelta(days=28),
            }
        )
        round_people += [{"round_id": round_id, "user_id": u} for u in area_keepers[area["id"]][:1]]
        day = first_day
        while day <= today + timedelta(days=28):
            if day.weekday() in weekdays:
                planned.append((area, round_id, day, "Wöchentliche Runde", "inspection", checklist))
            day += timedelta(days=1)
    counts["rounds"] = _insert(connection, tables["rounds"], rounds)
    _insert(connection, round_assignees, round_people)

    reports, report_tasks = [], []
    report_count = sized("reports", scale)
    for n in range(report_count):
        (report_id,) = ids.take("problem_reports")
        area = areas[n % len(areas)]
        # Spread evenly: every month has reports, also in the small data sets.
        created = now - timedelta(days=(n + rng.random()) * PAST_DAYS / report_count)
        done = created < now - timedelta(days=14)
        reports.append(
            {
                "id": report_id,
                "area_id": area["id"],
                "location": "",
                "category": CATEGORIES[n % 6],
                "text": "Hier liegt Müll.",
                "photo": None,
                "contact_name": "",
                "contact_phone": "",
                "contact_email": "",
                "reporter_id": residents[n % len(residents)] if n % 2 else None,
                "secret_hash": hashlib.sha256(f"bench-report-{report_id}".encode()).hexdigest(),
                "status": "done" if done else "received",
                "office_message": "",
                "duplicate_of_id": None,
                "created_via": "web",
                "created_at": created,
                "closed_at": created + timedelta(days=3) if done else None,
            }
        )
        if done:
            report_tasks.append((area, report_id, (created + timedelta(days=2)).astimezone(zone).date()))
    counts["problem_reports"] = _insert(connection, tables["problem_reports"], reports)

    target = round(BASE["tasks"] * scale)
    extra = max(0, target - len(planned) - len(report_tasks))
    span = PAST_DAYS + 28
    for n in range(extra):
        due = None if n % 9 == 0 else first_day + timedelta(days=rng.randrange(span))
        planned.append(
            (areas[n % len(areas)], None, due, AD_HOC_TITLES[n % len(AD_HOC_TITLES)], CATEGORIES[n % 6], [])
        )
    tasks, assignees, items, worklogs = [], [], [], []
    task_ids = ids.take("tasks", len(planned) + len(report_tasks))
    rows = [
        (area, round_id, due, title, category, checklist, None)
        for area, round_id, due, title, category, checklist in planned
    ]
    rows += [
        (area, None, due, "Meldung bearbeiten", "cleanliness", [], report_id)
        for area, report_id, due in report_tasks
    ]
    for task_id, (area, round_id, due, title, category, checklist, report_id) in zip(
        task_ids, rows, strict=True
    ):
        people = area_keepers[area["id"]]
        roll = rng.random()
        if due is None:
            status = "open" if roll < 0.03 else "done"
        elif due >= today:
            status = "open"
        elif due >= today - timedelta(days=30):
            status = "done" if roll < 0.85 else "in_progress" if roll < 0.88 else "open"
        else:
            status = "done" if roll < 0.95 else "cancelled"
        moment = _at(due or today - timedelta(days=5), 10, 0, zone)
        doer = people[task_id % len(people)]
        tasks.append(
            {
                "id": task_id,
                "area_id": area["id"],
                "title": title,
                "description": "",
                "category": category,
                "priority": ("normal", "low", "high")[task_id % 3] if not round_id else "normal",
                "due_date": due,
                "status": status,
                "round_id": round_id,
                "occurrence": due if round_id else None,
                "report_id": report_id,
                "photo": None,
                "created_by_id": None if round_id else coordinator_id,
                "created_at": moment - timedelta(days=7),
                "started_at": moment if status != "open" else None,
                "done_at": moment + timedelta(hours=1) if status == "done" else None,
                "done_by_id": doer if status == "done" else None,
            }
        )
        if round_id or task_id % 5 < 3:
            assignees.append({"task_id": task_id, "user_id": doer})
        for position, item in enumerate(checklist):
            (item_id,) = ids.take("checklist_items")
            items.append(
                {
                    "id": item_id,
                    "task_id": task_id,
                    "position": position,
                    "text": item,
                    "done": status == "done",
                    "done_by_id": doer if status == "done" else None,
                    "done_at": moment if status == "done" else None,
                }
            )
        if status in ("done", "in_progress"):
            (worklog_id,) = ids.take("worklogs")
            worklogs.append(
                {
                    "id": worklog_id,
                    "task_id": task_id,
                    "user_id": doer,
                    "logged_at": moment + timedelta(hours=1),
                    "minutes": 15 + task_id % 8 * 15,
                    "note": "Erledigt.",
                    "photos": [],
                }
            )
    counts["tasks"] = _insert(connection, tables["tasks"], tasks)
    _insert(connection, task_assignees, assignees)
    counts["checklist_items"] = _insert(connection, tables["checklist_items"], items)
    counts["worklogs"] = _insert(connection, tables["worklogs"], worklogs)
    return counts


# --- accounts and a busy day for the benchmark ---------------------------------------------------


def bench_targets(connection: Connection, *, now: datetime, zone: ZoneInfo | None = None) -> dict:
    """Who logs in and what the benchmark asks for: the busiest bookable day, the busiest driver this week."""
    from rikscha.rides.models import Ride

    zone = zone or ZoneInfo("Europe/Berlin")
    rides = Ride.__table__
    today = now.astimezone(zone).date()
    week_end = today + timedelta(days=7 - today.weekday())
    active = rides.c.status.in_(("requested", "confirmed"))
    driver = connection.execute(
        select(rides.c.driver_id, func.count())
        .where(
            active, rides.c.start_at >= _at(today, 0, 0, zone), rides.c.start_at < _at(week_end, 0, 0, zone)
        )
        .group_by(rides.c.driver_id)
        .order_by(func.count().desc(), rides.c.driver_id)
        .limit(1)
    ).first()
    if driver is None:  # late on Saturday: the rest of the week is empty, take the busiest driver overall
        driver = connection.execute(
            select(rides.c.driver_id, func.count())
            .where(active)
            .group_by(rides.c.driver_id)
            .order_by(func.count().desc(), rides.c.driver_id)
            .limit(1)
        ).first()
    from rikscha.auth.models import User

    driver_email = connection.scalar(select(User.__table__.c.email).where(User.__table__.c.id == driver[0]))
    # A day two to nine days ahead (bookable by residents: lead time 24 h) with the most rides.
    days = [today + timedelta(days=n) for n in range(2, 10)]
    busiest = max(
        (d for d in days if d.weekday() != 6),
        key=lambda d: connection.scalar(
            select(func.count())
            .select_from(rides)
            .where(
                active,
                rides.c.start_at >= _at(d, 0, 0, zone),
                rides.c.start_at < _at(d + timedelta(days=1), 0, 0, zone),
            )
        ),
    )
    rider_id = connection.scalar(
        text(
            "SELECT min(rider_id) FROM rider_managers JOIN users ON users.id = rider_managers.user_id "
            "WHERE users.email = 'bewohner@example.org'"
        )
    )
    return {
        "resident": "bewohner@example.org",
        "driver": driver_email,
        "caretaker": "hausmeister@example.org",
        "coordinator": "koordination@example.org",
        "day": busiest.isoformat(),
        "rider_id": rider_id,
    }


def booking_form_query(targets: dict, slots: list[dict]) -> str:
    """The booking form's details step for the benchmark's rider at a free start of the busiest day."""
    from urllib.parse import urlencode

    start = slots[len(slots) // 2]["start"] if slots else f"{targets['day']}T10:00:00+01:00"
    return urlencode(
        {
            "rider_id": targets["rider_id"],
            "day": targets["day"],
            "duration": 60,
            "passengers": 1,
            "start": start,
        }
    )


def open_month_query(zone: ZoneInfo | None = None) -> str:
    """The report form's query for the month under way (office time)."""
    today = datetime.now(UTC).astimezone(zone or ZoneInfo("Europe/Berlin")).date()
    return f"art=month&jahr={today.year}&monat={today.month}"


BOOKING_DAYS = range(10, 60)  # days ahead whose free slots the booking POSTs take


def booking_bodies(connection: Connection, free_starts, *, today: date, first_rider: int = 0) -> list[dict]:
    """JSON bodies for POST /api/v1/rides, each on a distinct free 30-minute slot of days 10–59
    ahead (Sundays left out). `free_starts(day)` gives a day's free start times (the availability
    API's answer). Round-robin over the days, so that simultaneous requests mostly plan different
    days; riders taken from the newest 3 000 in turn, from the `first_rider`-th on (a later list
    goes on where the bookings of an earlier one stopped, so that no rider is asked twice at once)."""
    riders = connection.execute(text("SELECT id FROM riders ORDER BY id DESC LIMIT 3000")).scalars().all()
    per_day = [
        free_starts(today + timedelta(days=offset))
        for offset in BOOKING_DAYS
        if (today + timedelta(days=offset)).weekday() != 6
    ]
    starts = [day[i] for i in range(max(map(len, per_day), default=0)) for day in per_day if i < len(day)]
    return [
        {
            "rider_id": riders[(first_rider + i) % len(riders)],
            "start": start,
            "duration": 30,
            "passengers": 1,
            "pickup": "Lindenstraße 1",
            "destination": "Stadtpark",
        }
        for i, start in enumerate(starts)
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an upgraded (flask db upgrade) database")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    from rikscha import create_app
    from rikscha.database import exclusive_writes, utcnow
    from rikscha.demo import load_demo
    from rikscha.extensions import db
    from rikscha.rides.settings import office_zone

    app = create_app()
    with app.app_context():
        now = utcnow()
        started = clock.perf_counter()
        with exclusive_writes():
            load_demo(now=now)
            db.session.commit()
        demo_seconds = clock.perf_counter() - started
        with exclusive_writes(), db.engine.begin() as connection:
            counts = seed(connection, now=now, scale=args.scale, zone=office_zone())
        if db.engine.dialect.name == "postgresql":
            # VACUUM as autovacuum would soon do (index-only scans rely on its visibility map), and
            # write the bulk load out now rather than in the checkpoints during the measurements.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
                try:
                    connection.execute(text("CHECKPOINT"))
                except DBAPIError:  # needs a superuser or pg_checkpoint: then the server does it later
                    print("note: CHECKPOINT not allowed for this user; skipped", file=sys.stderr)
        else:
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        seconds = clock.perf_counter() - started
        db.engine.dispose()
    summary = ", ".join(f"{name} {count}" for name, count in counts.items())
    print(f"seeded in {seconds:.1f} s (demo {demo_seconds:.1f} s): {summary}")


if __name__ == "__main__":
    main()
