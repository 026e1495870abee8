"""The coordinator's start page (/koordination): today's rides, what needs attention, calls, the quarter."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rikscha.database import utcnow
from rikscha.extensions import db
from rikscha.notifications.models import OutboxMessage
from rikscha.quarter.models import Area, ProblemReport, Task
from rikscha.reports.dashboard import dashboard
from rikscha.rides.models import DriverAbsence
from rikscha.rides.settings import current_rules
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider
from tests.integration.test_reports_integration import count_queries

pytestmark = pytest.mark.both_databases

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # Wednesday 08:00 in Berlin


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=BERLIN).astimezone(UTC)


def _call(name: str, created: datetime, *, done: bool = False, due: datetime | None = None):
    db.session.add(
        OutboxMessage(
            kind="change",
            channel="phone",
            recipient="0341 1",
            recipient_name=name,
            subject="Änderung",
            body="…",
            created_at=created,
            due_at=due or created,
            sent_at=created if done else None,
        )
    )


def build(now: datetime = NOW) -> dict:
    rosi, emil = make_rickshaw(name="Rosi", odometer_km=10), make_rickshaw(name="Emil", odometer_km=20)
    lotte = make_rickshaw(name="Lotte", odometer_km=130, service_interval_km=100)  # overdue
    anna, bert = make_driver(name="Anna Fahrer"), make_driver(name="Bert Fahrer")
    today_10 = make_ride(rider=make_rider(name="Heute Zehn"), start=at(2, 10))
    today_14 = make_ride(rider=make_rider(name="Heute Vierzehn"), start=at(2, 14), duration=30)
    cancelled_today = make_ride(rider=make_rider(name="Abgesagt Heute"), start=at(2, 16))
    cancelled_today.status, cancelled_today.cancel_reason = "cancelled", "weather"
    flagged = make_ride(rider=make_rider(name="Herr Flagge"), start=at(3, 10))
    flagged.needs_attention = True
    no_driver = make_ride(rider=make_rider(name="Frau Ohne"), start=at(3, 12))
    no_driver.driver_id = None
    on_grounded = make_ride(rider=make_rider(name="Herr Still"), start=at(4, 10))
    absent = make_ride(rider=make_rider(name="Frau Abwesend"), start=at(5, 10))
    past_flagged = make_ride(rider=make_rider(name="Schon Vorbei"), start=at(1, 10))
    past_flagged.needs_attention = True
    fine = make_ride(rider=make_rider(name="Alles Gut"), start=at(7, 10))
    db.session.flush()
    grounded = make_rickshaw(name="Kaputti", odometer_km=40)
    grounded.status = "grounded"
    on_grounded.rickshaw_id = grounded.id
    db.session.add(
        DriverAbsence(
            driver_id=absent.driver_id,
            start_date=date(2026, 12, 5),
            end_date=date(2026, 12, 6),
            reason="sick",
        )
    )
    for n in range(7):
        _call(f"Anruf {n}", NOW - timedelta(hours=10 - n))
    _call("Erledigt", NOW - timedelta(hours=3), done=True)
    _call("Später", NOW - timedelta(hours=3), due=NOW + timedelta(days=1))
    area = Area(name="Spielplatz")
    db.session.add(area)
    db.session.flush()
    db.session.add_all([
        Task(area_id=area.id, title="Längst fällig", status="open", due_date=date(2026, 11, 30)),
        Task(area_id=area.id, title="Noch Zeit", status="open", due_date=date(2026, 12, 9)),
        Task(area_id=area.id, title="Erledigt alt", status="done", due_date=date(2026, 11, 1)),
        ProblemReport(text="Laterne aus", secret_hash=secrets.token_hex(32), created_at=NOW - timedelta(hours=2)),
        ProblemReport(text="Schon dran", secret_hash=secrets.token_hex(32), status="in_progress"),
    ])  # fmt: skip
    db.session.commit()
    return {
        "rosi": rosi.id, "emil": emil.id, "lotte": lotte.id, "grounded": grounded.id, "anna": anna.id,
        "bert": bert.id, "today": [today_10.id, today_14.id], "flagged": flagged.id, "no_driver": no_driver.id,
        "on_grounded": on_grounded.id, "absent": absent.id, "fine": fine.id, "past": past_flagged.id,
    }  # fmt: skip


def test_dashboard_items(app):
    with app.app_context():
        ids = build()
        dash = dashboard(NOW, current_rules())
        assert dash.today == date(2026, 12, 2)
        today = {ride.id for _rickshaw, rides in dash.plan.by_rickshaw for ride in rides}
        assert today == set(ids["today"])  # the cancelled one is not on the plan
        assert all(ride.driver_id is not None for _r, rides in dash.plan.by_rickshaw for ride in rides)
        a = dash.attention
        assert [r.id for r in a["flagged"]] == [ids["flagged"]]
        assert [r.id for r in a["unassigned"]] == [ids["no_driver"]]
        assert [r.id for r in a["grounded"]] == [ids["on_grounded"]]
        assert [r.id for r in a["driver_absent"]] == [ids["absent"]]
        assert a.count == 4
        assert [row.rickshaw.name for row in dash.grounded] == ["Kaputti"]
        assert [row.rickshaw.name for row in dash.service] == ["Lotte"]
        assert dash.call_count == 7
        assert [m.recipient_name for m, _ride in dash.calls] == [f"Anruf {n}" for n in range(5)]
        assert [t.title for t in dash.quarter.overdue_tasks] == ["Längst fällig"]
        assert [r.text for r in dash.quarter.new_reports] == ["Laterne aus"]


def test_dashboard_runs_a_fixed_number_of_queries(app):
    with app.app_context():
        build()
        rules = current_rules()
        with count_queries() as small:
            dashboard(NOW, rules)
        # Much more of everything: more rides today and ahead, more problems, more calls.
        flagged_day = 8
        for hour in (9, 11, 13, 15, 17):
            make_ride(rider=make_rider(), start=at(2, hour), duration=30)
            ride = make_ride(rider=make_rider(), start=at(flagged_day, hour), duration=30)
            ride.needs_attention = True
            _call(f"Mehr {hour}", NOW - timedelta(minutes=hour))
        db.session.add(
            DriverAbsence(driver_id=ride.driver_id, start_date=date(2026, 12, 9), end_date=date(2026, 12, 9))
        )
        db.session.commit()
        with count_queries() as large:
            dash = dashboard(NOW, rules)
            assert dash.attention.count == 9
    assert len(small) == len(large) <= 25, "\n\n".join(large)


def test_empty_dashboard_shows_empty_states(client, make_user, login):
    login(make_user(roles=("coordinator",)))
    page = client.get("/koordination").get_data(as_text=True)
    assert "<h1>Übersicht</h1>" in page
    for text in (
        "Heute sind keine Fahrten gebucht.",
        "Alles in Ordnung",
        "Keine neuen Meldungen.",
        "Keine überfälligen Aufgaben.",
        "Keine offenen Anrufe.",
    ):
        assert text in page, text


def test_dashboard_page_links_every_item_to_where_it_is_fixed(app, client, make_user, login):
    # Web requests run "now": build the same situation a week from today.
    now = utcnow()
    monday = (now.astimezone(BERLIN) + timedelta(days=7 - now.astimezone(BERLIN).weekday() + 7)).date()
    with app.app_context():
        rickshaw = make_rickshaw(name="Anton", service_interval_km=50, odometer_km=60)
        make_driver(name="Dora Fahrerin")
        start = datetime(monday.year, monday.month, monday.day, 10, tzinfo=BERLIN).astimezone(UTC)
        flagged = make_ride(rider=make_rider(name="Herr Mittag"), start=start, now=now)
        flagged.needs_attention = True
        absent = make_ride(rider=make_rider(name="Frau Fern"), start=start + timedelta(days=1), now=now)
        db.session.add(
            DriverAbsence(
                driver_id=absent.driver_id,
                start_date=monday + timedelta(days=1),
                end_date=monday + timedelta(days=1),
            )
        )
        _call("Frau Rückruf", now - timedelta(hours=1))
        area = Area(name="Hof")
        db.session.add(area)
        db.session.flush()
        task = Task(area_id=area.id, title="Zaun prüfen", status="open", due_date=monday - timedelta(days=30))
        report = ProblemReport(text="Bank kaputt", secret_hash=secrets.token_hex(32), created_at=now)
        db.session.add_all([task, report])
        db.session.commit()
        flagged_id, absent_id, task_id, report_id = flagged.id, absent.id, task.id, report.id
        rickshaw_id = rickshaw.id
    login(make_user(roles=("coordinator",)))
    page = client.get("/koordination").get_data(as_text=True)
    assert "Fahrten ohne Rikscha – bitte anrufen" in page and "Herr Mittag" in page
    assert (
        f'href="/buero/fahrten/{flagged_id}"' in page
        and f'href="/buero/fahrten/{flagged_id}/zuteilen"' in page
    )
    assert (
        "Fahrer:in an diesem Tag abwesend" in page and f'href="/buero/fahrten/{absent_id}/zuteilen"' in page
    )
    assert "Wartung fällig" in page and f'href="/flotte/rikschas/{rickshaw_id}"' in page
    assert f'href="/flotte/wartung?rikscha={rickshaw_id}"' in page
    assert "Anrufliste" in page and "Frau Rückruf" in page and 'href="/buero/anrufliste"' in page
    assert f'href="/quartier/aufgaben/{task_id}"' in page and "Zaun prüfen" in page
    assert (
        f'href="/quartier/meldungen/{report_id}"' in page
        and f'href="/quartier/meldungen/{report_id}/auftrag"' in page
    )
    assert "Neue Meldungen (1)" in page and "Überfällige Aufgaben (1)" in page
    assert 'href="/berichte/"' in page and 'href="/berichte/ehrenamt"' in page
    assert "style=" not in page


@pytest.mark.parametrize("role", ["resident", "driver", "caretaker"])
def test_dashboard_is_for_coordinators(client, make_user, login, role):
    login(make_user(roles=(role,)))
    assert client.get("/koordination").status_code == 403
