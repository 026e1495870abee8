"""Audit completeness: every change of riders, rides, rickshaws, defects, tasks and users, and every
page view of a rider's needs, leaves an audit event (without health details)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from rikscha.audit.models import AuditEvent
from rikscha.audit.services import record_view
from rikscha.extensions import db
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, make_user, open_day_ahead

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def trail(entity: str, entity_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        )
    )


def test_riders_and_rides(ctx):
    from rikscha.rides.office_services import update_ride_details
    from rikscha.rides.privacy import anonymise_rider
    from rikscha.rides.riders import create_rider, update_rider
    from rikscha.rides.services import cancel_ride

    office = make_user(roles=("coordinator",))
    make_rickshaw()
    make_driver()
    rider = create_rider(
        name="Berta", needs=["rollator"], needs_note="Hörgerät", consent_method="phone", by=office, now=NOW
    )
    update_rider(rider, name="Berta B.", phone="", email="", address="", needs=[], needs_note="", by=office)
    ride = make_ride(rider=rider, start=TEN, by=office, now=NOW)
    update_ride_details(
        ride,
        pickup="Markt 1",
        destination_place=None,
        destination_text="See",
        needs=["blanket"],
        needs_note="",
        notes="",
        by=office,
        now=NOW,
    )
    cancel_ride(ride, by=office, reason="weather", now=NOW)
    anonymise_rider(rider, by=office, now=NOW)
    assert trail("rider", rider.id) == ["create", "update", "anonymise"]
    assert trail("ride", ride.id) == ["create", "update", "cancel"]
    texts = " ".join(db.session.scalars(select(AuditEvent.summary)))
    assert "Hörgerät" not in texts and "rollator" not in texts and "Berta" not in texts


def test_rickshaws_and_defects(ctx):
    from rikscha.fleet.services import clear_defect, report_defect, save_rickshaw

    office = make_user(roles=("coordinator",))
    rickshaw = save_rickshaw(
        None, by=office, now=NOW, name="Rosi", kind="Cruiser", seats=2, odometer_km=10, capacity_minutes=480
    )
    save_rickshaw(
        rickshaw,
        by=office,
        now=NOW,
        name="Rosi II",
        kind="Cruiser",
        seats=2,
        odometer_km=20,
        capacity_minutes=480,
    )
    defect, *_ = report_defect(
        rickshaw, severity="grounding", description="Bremse", photo=None, by=office, now=NOW
    )
    clear_defect(defect, note="neu", by=office, now=NOW)
    assert trail("rickshaw", rickshaw.id) == ["create", "update", "ground", "return_to_service"]
    assert trail("defect", defect.id) == ["create", "clear"]


def test_tasks_including_checklists_and_rounds(ctx):
    from rikscha.quarter.rounds import generate_round, reschedule_round, save_round
    from rikscha.quarter.services import change_status, create_task, set_checklist, update_task
    from tests.integration.test_quarter_builders import make_area

    office = make_user(roles=("coordinator",))
    area = make_area()
    task = create_task(by=office, now=NOW, area=area, title="Bank", checklist=["Schrauben"])
    update_task(
        task,
        by=office,
        area=area,
        title="Bank prüfen",
        description="",
        category="repair",
        priority="normal",
        due_date=None,
    )
    change_status(task, "start", by=office, now=NOW)
    set_checklist(task, [task.checklist[0].id], by=office, now=NOW)
    change_status(task, "done", by=office, now=NOW)
    assert trail("task", task.id) == ["create", "update", "start", "checklist", "done"]

    today = date(2026, 12, 1)
    round_ = save_round(
        None, by=office, today=today, area=area, title="Runde", freq="weekly", weekdays=[1], anchor=today
    )
    generate_round(round_, today=today)
    generated = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity == "task",
            AuditEvent.summary == f"round {round_.id}",
            AuditEvent.action == "create",
        )
    ).all()
    assert generated
    round_.active = False
    reschedule_round(round_, today=today)
    deleted = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.action == "delete")
    ).all()
    assert {event.entity_id for event in deleted} == {event.entity_id for event in generated}


def test_users(ctx):
    from rikscha.auth.services import create_user, set_temporary_password, update_user

    office = make_user(roles=("coordinator",))
    person = create_user(
        email="neu@example.org", name="Neu", password="x" * 12, roles=["driver"], actor=office
    )
    update_user(
        person, actor=office, name="Neu", email="neu@example.org", phone="", roles=["driver"], active=False
    )
    set_temporary_password(person, actor=office)
    assert trail("user", person.id) == ["create", "update", "temporary_password"]


# --- views of a rider's needs --------------------------------------------------------------------


def _future_start() -> datetime:
    return datetime.combine(open_day_ahead(3), time(10), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def setup(app, make_user):
    manager = make_user(name="Maria")
    office = make_user(roles=("coordinator",))
    with app.app_context():
        make_rickshaw()
        driver = make_driver(email="fahrer-audit@example.org")
        rider = make_rider(manager=manager, needs_note="Hörgerät")
        ride = make_ride(rider=rider, start=_future_start())
        db.session.commit()
        return {"manager": manager, "office": office, "driver": driver, "rider": rider.id, "ride": ride.id}


def views(app, rider_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "view_needs",
                    AuditEvent.entity == "rider",
                    AuditEvent.entity_id == rider_id,
                )
            )
        )


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("office", "/buero/fahrten/{ride}"),
        ("office", "/buero/fahrten/{ride}/bearbeiten"),
        ("office", "/buero/buchen/{rider}"),
        ("office", "/verwaltung/datenschutz/fahrgaeste/{rider}"),
        ("manager", "/fahrgaeste/{rider}"),
        ("manager", "/fahrten/{ride}"),
        ("manager", "/fahrten/{ride}/bestaetigung"),
        ("driver", "/mein-plan/fahrten/{ride}"),
    ],
)
def test_each_page_showing_needs_records_one_view(app, client, login, setup, who, path):
    login(setup[who])
    response = client.get(path.format(ride=setup["ride"], rider=setup["rider"]))
    assert response.status_code == 200
    [event] = views(app, setup["rider"])
    assert event.actor_id == setup[who].id and "Hörgerät" not in event.summary


def test_lists_and_form_posts_record_no_views(app, client, login, setup):
    login(setup["manager"])
    assert client.get("/fahrgaeste").status_code == 200
    client.post(f"/fahrgaeste/{setup['rider']}", data={"name": ""})  # invalid: shown again
    assert views(app, setup["rider"]) == []


def test_a_failing_view_record_is_logged_not_raised(app, caplog, monkeypatch):
    from rikscha.audit import services

    class Broken:
        def begin(self):
            from sqlalchemy.exc import OperationalError

            raise OperationalError("INSERT", {}, Exception("database is locked"))

    with app.app_context():
        monkeypatch.setattr(services, "db", SimpleNamespace(engine=Broken()))
        with caplog.at_level(logging.ERROR):
            record_view(None, "rider", 1)
    assert "could not record view_needs of rider 1" in caplog.text


def test_no_route_edits_or_deletes_audit_events(app):
    endpoints = [
        rule
        for rule in app.url_map.iter_rules()
        if ("protokoll" in rule.rule or "audit" in rule.rule) and rule.methods - {"GET", "HEAD", "OPTIONS"}
    ]
    assert endpoints == []
