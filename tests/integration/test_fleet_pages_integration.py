"""Fleet pages: overview, history, rickshaws, stations, blocks, maintenance, charging, defects, photos."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from rikscha.extensions import db
from rikscha.fleet.models import (
    BatteryPack,
    ChargingSession,
    DefectReport,
    MaintenanceRecord,
    Rickshaw,
    RickshawBlock,
    Station,
)
from rikscha.fleet.queries import HISTORY_PAGE, rickshaw_history
from rikscha.fleet.services import clear_defect, log_maintenance, report_defect
from rikscha.rides.models import Ride
from tests.conftest import committed
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, make_station, open_day_ahead

pytestmark = pytest.mark.both_databases

BERLIN = ZoneInfo("Europe/Berlin")


def upcoming_ten(days: int = 3) -> datetime:
    """10:00 Berlin on a weekday (not Sunday) at least `days` days ahead, in UTC."""
    return datetime.combine(open_day_ahead(days), time(10), tzinfo=BERLIN).astimezone(UTC)


def local(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def image_bytes(fmt: str = "PNG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def text(response) -> str:
    return response.get_data(as_text=True)


def post_photo(client, url: str, fields: dict, payload: bytes, name: str):
    """A multipart post encoded in memory (the test client would spool a large body to an
    unclosed temporary file)."""
    values = {
        **fields,
        "csrf_token": client.csrf_token(),
        "photo": FileStorage(stream=io.BytesIO(payload), filename=name),
    }
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def uploads(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def office(make_user, login):
    user = make_user(roles=("coordinator",), name="Katrin Koordination")
    login(user)
    return user


@pytest.fixture
def caretaker(make_user, login):
    user = make_user(roles=("caretaker",), name="Hanna Hausmeister")
    login(user)
    return user


@pytest.fixture
def driver_login(app, login):
    driver = committed(app, make_driver, name="Fabian Fahrer")
    login(driver)
    return driver


def rickshaw(app, **overrides):
    return committed(app, make_rickshaw, **overrides)


def station(app, **overrides):
    return committed(app, make_station, **overrides)


# --- access -------------------------------------------------------------------------------------


def test_pages_by_role(app, client, make_user, login):
    r = rickshaw(app)
    s = station(app)
    with app.app_context():
        defect, _, _ = report_defect(
            db.session.get(Rickshaw, r.id),
            severity="minor",
            description="Klingel",
            photo=None,
            by=None,
            now=datetime.now(UTC),
        )
        db.session.commit()
        defect_id = defect.id
    everyone = [
        "/flotte/",
        f"/flotte/rikschas/{r.id}",
        "/flotte/ergebnis",
        "/flotte/stationen",
        "/flotte/laden",
        "/flotte/maengel/neu",
    ]
    care = ["/flotte/wartung", f"/flotte/maengel/{defect_id}/beheben"]
    office_only = [
        "/flotte/rikschas",
        "/flotte/rikschas/neu",
        f"/flotte/rikschas/{r.id}/bearbeiten",
        f"/flotte/rikschas/{r.id}/sperrzeit",
        "/flotte/stationen/neu",
        f"/flotte/stationen/{s.id}",
    ]
    for url in everyone + care + office_only:
        response = client.get(url)
        assert response.status_code == 302 and "/anmelden" in response.headers["Location"], url
    expectations = {
        "resident": set(),
        "driver": set(everyone),
        "caretaker": set(everyone + care),
        "coordinator": set(everyone + care + office_only),
    }
    for role, allowed in expectations.items():
        client.post("/abmelden")
        login(make_user(roles=(role,)))
        for url in everyone + care + office_only:
            expected = 200 if url in allowed else 403
            assert client.get(url).status_code == expected, (role, url)


def test_unknown_records_are_404(client, office):
    for url in (
        "/flotte/rikschas/987654",
        "/flotte/rikschas/987654/bearbeiten",
        "/flotte/stationen/987654",
        "/flotte/maengel/987654/beheben",
        "/flotte/rikschas/987654/sperrzeit",
        "/flotte/fotos/nichts.png",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/flotte/akkus/987654/deaktivieren").status_code == 404


def test_menu_shows_fleet_for_staff(client, make_user, login):
    login(make_user(roles=("driver",)))
    page = text(client.get("/flotte/"))
    assert 'href="/flotte/"' in page and 'href="/flotte/maengel/neu"' in page


# --- rickshaws, battery packs, stations -----------------------------------------------------------


def test_create_and_edit_rickshaw_with_validation(app, client, office):
    home = station(app, name="Servicestation Lindenau")
    response = client.post(
        "/flotte/rikschas/neu",
        data={
            "name": "Rosi",
            "kind": "Cruiser",
            "seats": "2",
            "home_station_id": str(home.id),
            "odometer_km": "1000",
            "status": "in_service",
            "capacity_minutes": "300",
            "service_interval_km": "1500",
            "service_interval_days": "180",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        rosi = db.session.scalar(select(Rickshaw).where(Rickshaw.name == "Rosi"))
        assert (rosi.home_station_id, rosi.odometer_km, rosi.service_interval_days) == (home.id, 1000, 180)
        assert rosi.in_service_since is not None
    page = text(client.get("/flotte/rikschas"))
    assert "Rosi" in page and "Servicestation Lindenau" in page

    page = text(
        client.post(
            "/flotte/rikschas/neu",
            data={
                "name": "rosi",
                "kind": "",
                "seats": "3",
                "odometer_km": "-5",
                "status": "kaputt",
                "capacity_minutes": "0",
                "service_interval_km": "abc",
            },
        )
    )
    assert "Dieser Name ist schon vergeben." not in page  # shape errors come first
    for message in (
        "Bitte füllen Sie dieses Feld aus.",
        "Bitte wählen Sie nur aus den angebotenen Möglichkeiten.",
        "Bitte eine Zahl ab 0.",
        "Bitte eine Zahl von 1 bis 1440.",
        "Keine gültige, ganze Zahl.",
    ):
        assert message in page, message
    page = text(
        client.post(
            "/flotte/rikschas/neu",
            data={
                "name": "rosi",
                "kind": "Cruiser",
                "seats": "2",
                "odometer_km": "0",
                "status": "in_service",
                "capacity_minutes": "300",
            },
        )
    )
    assert "Dieser Name ist schon vergeben." in page

    edit = f"/flotte/rikschas/{rosi.id}/bearbeiten"
    form = text(client.get(edit))
    assert 'value="Rosi"' in form and 'value="1000"' in form
    values = {
        "name": "Rosi",
        "kind": "Cruiser",
        "seats": "2",
        "odometer_km": "900",
        "status": "in_service",
        "capacity_minutes": "300",
        "service_interval_km": "",
        "service_interval_days": "90",
    }
    page = text(client.post(edit, data=values))
    assert "nicht kleiner sein als der letzte (1000 km)" in page
    assert client.post(edit, data={**values, "odometer_km": "1010"}).status_code == 302
    with app.app_context():
        rosi = db.session.get(Rickshaw, rosi.id)
        assert (rosi.odometer_km, rosi.service_interval_km, rosi.service_interval_days) == (1010, None, 90)


def test_battery_packs_add_and_deactivate(app, client, office):
    r = rickshaw(app, name="Lotte")
    assert client.post(f"/flotte/rikschas/{r.id}/akkus", data={"label": "Akku A"}).status_code == 302
    page = text(client.post(f"/flotte/rikschas/{r.id}/akkus", data={"label": "Akku A"}))
    assert "Dieser Name ist schon vergeben." in page
    page = text(client.post(f"/flotte/rikschas/{r.id}/akkus", data={"label": "  "}))
    assert "Bitte füllen Sie dieses Feld aus." in page
    with app.app_context():
        pack = db.session.scalar(select(BatteryPack))
    assert "Lotte – Akku A" in text(client.get("/flotte/laden"))
    assert client.post(f"/flotte/akkus/{pack.id}/deaktivieren").status_code == 302
    with app.app_context():
        assert db.session.get(BatteryPack, pack.id).active is False
    assert "Lotte – Akku A" not in text(client.get("/flotte/laden"))
    assert "nicht mehr im Einsatz" in text(client.get(f"/flotte/rikschas/{r.id}/bearbeiten"))


def test_stations_create_edit_and_validation(app, client, office):
    data = {
        "name": "Verleih am Markt",
        "address": "Markt 3",
        "kinds": ["rental", "charging"],
        "chargers": "1",
        "opening_notes": "Mo–Sa 9–18 Uhr",
    }
    assert client.post("/flotte/stationen/neu", data=data).status_code == 302
    page = text(client.get("/flotte/stationen"))
    assert "Verleih am Markt" in page and "Verleih, Laden" in page and "Mo–Sa 9–18 Uhr" in page
    assert "Dieser Name ist schon vergeben." in text(client.post("/flotte/stationen/neu", data=data))
    page = text(
        client.post("/flotte/stationen/neu", data={"name": "Hof", "kinds": ["charging"], "chargers": "0"})
    )
    assert "Eine Station zum Laden braucht mindestens einen Ladeplatz." in page
    page = text(client.post("/flotte/stationen/neu", data={"name": "Hof", "chargers": "1"}))
    assert "Bitte wählen Sie mindestens eine Art." in page
    with app.app_context():
        markt = db.session.scalar(select(Station).where(Station.name == "Verleih am Markt"))
    form = text(client.get(f"/flotte/stationen/{markt.id}"))
    assert re.search(r'value="charging"[^>]*checked|checked[^>]*value="charging"', form)
    assert client.post(f"/flotte/stationen/{markt.id}", data={**data, "chargers": "2"}).status_code == 302
    with app.app_context():
        assert db.session.get(Station, markt.id).chargers == 2
        assert db.session.scalar(select(func.count(Station.id))) == 1


# --- blocks and grounding: rides moved or flagged ---------------------------------------------------


def _two_rickshaws_three_rides(app):
    """A (lower odometer) and B; rides on A at 10:00 and 14:00, and on B at 14:00 (two drivers)."""
    start = upcoming_ten()
    with app.app_context():
        first = make_rickshaw(odometer_km=0, name="Anton")
        make_rickshaw(odometer_km=10, name="Berta")
        make_driver()
        make_driver()
        morning = make_ride(start=start, rider=make_rider(name="Frau Morgen"))
        afternoon = make_ride(
            start=start + timedelta(hours=4), rider=make_rider(name="Herr Mittag", phone="0341 99999")
        )
        busy = make_ride(start=start + timedelta(hours=4), rider=make_rider(name="Frau Belegt"))
        db.session.commit()
        assert morning.rickshaw_id == afternoon.rickshaw_id == first.id != busy.rickshaw_id
        return first.id, start, morning.id, afternoon.id


def test_block_moves_what_it_can_and_flags_the_rest(app, client, office):
    first_id, start, morning_id, afternoon_id = _two_rickshaws_three_rides(app)
    url = f"/flotte/rikschas/{first_id}/sperrzeit"
    page = text(
        client.post(
            url, data={"start": local(start + timedelta(hours=8)), "end": local(start), "reason": "Werkstatt"}
        )
    )
    assert "Das Ende muss nach dem Beginn liegen." in page
    page = text(client.post(url, data={"start": "gestern", "end": "", "reason": ""}))
    assert "Bitte geben Sie Datum und Uhrzeit an" in page and "Bitte füllen Sie dieses Feld aus." in page
    response = client.post(
        url,
        data={
            "start": local(start - timedelta(hours=1)),
            "end": local(start + timedelta(hours=8)),
            "reason": "Werkstatt",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/flotte/ergebnis")
    page = text(client.get("/flotte/ergebnis"))
    assert "1 Fahrt wurde auf eine andere Rikscha umgelegt." in page
    assert "1 Fahrt konnte nicht umgelegt werden." in page
    assert "Herr Mittag" in page and "0341 99999" in page
    with app.app_context():
        assert db.session.get(Ride, morning_id).rickshaw_id != first_id
        flagged = db.session.get(Ride, afternoon_id)
        assert flagged.needs_attention and flagged.rickshaw_id == first_id
        block = db.session.scalar(select(RickshawBlock))
        assert block.reason == "Werkstatt" and block.start_at == start - timedelta(hours=1)
    home = text(client.get("/koordination"))
    assert "Fahrten ohne Rikscha – bitte anrufen" in home and "Herr Mittag" in home
    assert f'href="/buero/fahrten/{afternoon_id}"' in home
    assert "Frau Morgen" in home  # among the recently moved rides
    overview = text(client.get("/flotte/"))
    assert "Herr Mittag" in overview
    history = text(client.get(f"/flotte/rikschas/{first_id}"))
    assert f'id="fahrt-{afternoon_id}"' in history and "Sperrzeit" in history and "Werkstatt" in history


def test_grounding_defect_with_photo_moves_rides_and_is_visible_to_the_office(app, client, make_user, login):
    first_id, _start, morning_id, afternoon_id = _two_rickshaws_three_rides(app)
    driver = make_user(roles=("driver",), name="Dora Fahrerin")
    login(driver)
    form = text(client.get(f"/flotte/maengel/neu?rikscha={first_id}"))
    assert f'<option selected value="{first_id}">' in form or f'value="{first_id}" selected' in form
    response = client.post(
        "/flotte/maengel/neu",
        data={
            "rickshaw_id": str(first_id),
            "description": "Bremse vorne greift nicht",
            "severity": "grounding",
            "photo": (io.BytesIO(image_bytes("PNG")), "bremse.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/flotte/ergebnis")
    page = text(client.get("/flotte/ergebnis"))
    assert "„Anton“ ist jetzt stillgelegt" in page
    assert "1 Fahrt wurde auf eine andere Rikscha umgelegt." in page
    assert "1 Fahrt konnte nicht umgelegt werden." in page
    assert "Herr Mittag" not in page  # drivers see times, the office sees whom to call
    with app.app_context():
        assert db.session.get(Rickshaw, first_id).status == "grounded"
        assert db.session.get(Ride, afternoon_id).needs_attention
        assert db.session.get(Ride, morning_id).rickshaw_id != first_id
        defect = db.session.scalar(select(DefectReport))
        assert defect.reported_by_id == driver.id and defect.photo
    assert [p.name for p in uploads(app)] == [defect.photo]
    with client.get(f"/flotte/fotos/{defect.photo}") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/png"
        assert "no-store" in photo.headers["Cache-Control"]
        assert photo.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/static/" + defect.photo).status_code == 404
    assert client.get("/flotte/fotos/../../etc/passwd").status_code == 404

    client.post("/abmelden")
    login(make_user(roles=("coordinator",)))
    home = text(client.get("/koordination"))
    assert "Herr Mittag" in home and "Stillgelegte Rikschas" in home and "Anton" in home
    assert "Frau Morgen" in home
    history = text(client.get(f"/flotte/rikschas/{first_id}"))
    assert "Mangel: nicht fahren" in history and f'src="/flotte/fotos/{defect.photo}"' in history
    client.post("/abmelden")
    login(make_user(roles=("resident",)))
    assert client.get(f"/flotte/fotos/{defect.photo}").status_code == 403
    client.post("/abmelden")
    assert client.get(f"/flotte/fotos/{defect.photo}").status_code == 302


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (
            b"GIF89a" + b"\x00" * 200,
            "bild.gif",
            "Bitte laden Sie ein Foto im Format JPEG, PNG oder WebP hoch.",
        ),
        (
            b"%PDF-1.4 ein Dokument, kein Foto",
            "foto.jpg",
            "Bitte laden Sie ein Foto im Format JPEG, PNG oder WebP hoch.",
        ),
        (b"\xff\xd8\xff" + b"x" * (5 * 1024 * 1024 + 10), "gross.jpg", "höchstens 5 MB"),
        (b"", "leer.png", "Die Datei ist leer."),
    ],
)
def test_bad_photos_are_rejected_and_nothing_is_saved(app, client, driver_login, payload, name, message):
    r = rickshaw(app)
    page = text(
        post_photo(
            client,
            "/flotte/maengel/neu",
            {"rickshaw_id": str(r.id), "description": "Licht kaputt", "severity": "grounding"},
            payload,
            name,
        )
    )
    assert message in page
    assert "Licht kaputt" in page  # the input is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(DefectReport.id))) == 0
        assert db.session.get(Rickshaw, r.id).status == "in_service"
    assert uploads(app) == []


def test_photo_is_deleted_when_the_report_fails(app, client, driver_login, monkeypatch):
    from rikscha.domain import DomainError
    from rikscha.fleet import views

    def refuse(*args, **kwargs):
        raise DomainError("rickshaw_retired")

    monkeypatch.setattr(views, "report_defect", refuse)
    r = rickshaw(app)
    page = text(
        client.post(
            "/flotte/maengel/neu",
            data={
                "rickshaw_id": str(r.id),
                "description": "Licht",
                "severity": "minor",
                "photo": (io.BytesIO(image_bytes("JPEG")), "licht.jpg"),
            },
            content_type="multipart/form-data",
        )
    )
    assert "außer Dienst gestellt" in page
    assert uploads(app) == []


def test_defect_form_validation(app, client, driver_login):
    r = rickshaw(app)
    page = text(client.post("/flotte/maengel/neu", data={"rickshaw_id": str(r.id), "description": " "}))
    assert "Bitte füllen Sie dieses Feld aus." in page
    assert "Bitte geben Sie an, ob die Rikscha noch fahren kann." in page
    page = text(
        client.post(
            "/flotte/maengel/neu",
            data={"rickshaw_id": "987654", "description": "x", "severity": "sehr schlimm"},
        )
    )
    assert page.count("Bitte wählen Sie nur aus den angebotenen Möglichkeiten.") >= 2
    assert (
        client.post(
            "/flotte/maengel/neu",
            data={"rickshaw_id": str(r.id), "description": "Klingel", "severity": "minor"},
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Rickshaw, r.id).status == "in_service"
    # The rickshaw picked last is suggested next time.
    assert f'<option selected value="{r.id}">' in text(client.get("/flotte/maengel/neu"))


def test_clear_defect_returns_rickshaw_to_service(app, client, caretaker):
    r = rickshaw(app, name="Emil")
    with app.app_context():
        defect, _, _ = report_defect(
            db.session.get(Rickshaw, r.id),
            severity="grounding",
            description="Kette",
            photo=None,
            by=None,
            now=datetime.now(UTC),
        )
        db.session.commit()
        defect_id = defect.id
    url = f"/flotte/maengel/{defect_id}/beheben"
    assert "Kette" in text(client.get(url))
    assert "Bitte füllen Sie dieses Feld aus." in text(client.post(url, data={"note": ""}))
    response = client.post(url, data={"note": "Kette getauscht"})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "„Emil“ ist wieder im Einsatz." in page and "Mangel behoben" in page and "Kette getauscht" in page
    with app.app_context():
        assert db.session.get(Rickshaw, r.id).status == "in_service"
    assert "Dieser Mangel ist schon behoben." in text(client.post(url, data={"note": "nochmal"}))


def test_clearing_a_minor_defect_keeps_a_hand_grounded_rickshaw_grounded(app):
    with app.app_context():
        r = make_rickshaw(status="grounded")
        defect, _, _ = report_defect(
            r, severity="minor", description="Klingel", photo=None, by=None, now=datetime.now(UTC)
        )
        clear_defect(defect, note="neu", by=None, now=datetime.now(UTC))
        assert r.status == "grounded"


# --- maintenance and charging ---------------------------------------------------------------------


def test_log_maintenance_with_defaults_and_validation(app, client, caretaker):
    r = rickshaw(app, name="Rosi", odometer_km=1400, service_interval_km=1500, service_interval_days=365)
    s = station(app, name="Servicestation Lindenau")
    form = text(client.get(f"/flotte/wartung?rikscha={r.id}"))
    assert 'value="1400"' in form and f'<option selected value="{r.id}">' in form
    assert re.search(r'name="performed_at"[^>]*type="datetime-local" value="\d{4}-\d\d-\d\dT\d\d:\d\d"', form)
    now = local(datetime.now(UTC))
    data = {
        "rickshaw_id": str(r.id),
        "kind": "repair",
        "performed_at": now,
        "odometer_km": "1300",
        "description": "Schlauch geflickt",
        "parts": "Flicken",
        "cost": "12,50",
        "station_id": str(s.id),
    }
    assert "nicht kleiner sein als der letzte (1400 km)" in text(client.post("/flotte/wartung", data=data))
    page = text(client.post("/flotte/wartung", data={**data, "cost": "-3", "odometer_km": "", "kind": "x"}))
    assert "Die Kosten können nicht negativ sein." in page and "Bitte füllen Sie dieses Feld aus." in page
    assert "Rosi" in text(client.get("/flotte/")) and "fällig" in text(client.get("/flotte/"))
    response = client.post("/flotte/wartung", data={**data, "odometer_km": "1410", "kind": "inspection"})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(MaintenanceRecord))
        assert (record.kind, record.odometer_km, record.cost, record.station_id) == (
            "inspection",
            1410,
            Decimal("12.50"),
            s.id,
        )
        assert record.performed_by_id == caretaker.id
        assert db.session.get(Rickshaw, r.id).odometer_km == 1410
    history = text(client.get(f"/flotte/rikschas/{r.id}"))
    assert "Wartung: Inspektion" in history and "12,50 €" in history and "in Ordnung" in history
    # The station and rickshaw are remembered for the next quick form.
    form = text(client.get("/flotte/wartung"))
    assert f'<option selected value="{s.id}">' in form and f'<option selected value="{r.id}">' in form


def test_overview_shows_due_and_overdue_in_words(app, client, office):
    rickshaw(app, name="Fällige", odometer_km=1400, service_interval_km=1500)
    rickshaw(app, name="Überfällige", odometer_km=1600, service_interval_km=1500)
    rickshaw(app, name="Gute", odometer_km=100, service_interval_km=1500)
    page = text(client.get("/flotte/"))
    assert (
        page.count('class="service service-due"') == 1 and page.count('class="service service-overdue"') == 1
    )
    assert "<strong>überfällig</strong>" in page and "100 km darüber" in page and "noch 100 km" in page
    home = text(client.get("/koordination"))
    assert "Wartung fällig" in home and "Überfällige" in home and "Gute" not in home


def test_log_charging_rules_on_the_page(app, client, caretaker):
    s = station(app, name="Lindenau", chargers=1)
    no_power = station(app, name="Hof", is_charging=False, chargers=0)
    first, second = rickshaw(app, name="Rosi"), rickshaw(app, name="Emil")
    retired = rickshaw(app, name="Alt", status="retired")
    form = text(client.get("/flotte/laden"))
    assert "Lindenau" in form and "Hof" not in form and "Alt" not in form
    assert 'name="battery_pack_id"' not in form  # no rickshaw has removable batteries
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(hours=2)
    data = {
        "rickshaw_id": str(first.id),
        "station_id": str(s.id),
        "start": local(start),
        "end": local(end),
        "soc_before": "20",
        "soc_after": "95",
        "energy_kwh": "0,8",
    }
    assert client.post("/flotte/laden", data=data).status_code == 302
    with app.app_context():
        charge = db.session.scalar(select(ChargingSession))
        assert (charge.start_at, charge.end_at, charge.energy_kwh) == (start, end, Decimal("0.80"))
    checks = [
        (
            {"start": local(start + timedelta(minutes=30))},
            "Für diese Rikscha ist zu dieser Zeit schon ein Ladevorgang",
        ),
        ({"rickshaw_id": str(second.id)}, "schon alle 1 Ladeplätze belegt"),
        (
            {"rickshaw_id": str(second.id), "start": local(end), "end": local(start)},
            "Das Ende muss nach dem Beginn",
        ),
        (
            {"rickshaw_id": str(second.id), "soc_before": "90", "soc_after": "40"},
            "nicht niedriger sein als vorher",
        ),
        ({"soc_after": "120"}, "zwischen 0 und 100"),
        ({"station_id": str(no_power.id)}, "Bitte wählen Sie nur aus den angebotenen Möglichkeiten."),
        ({"rickshaw_id": str(retired.id)}, "Bitte wählen Sie nur aus den angebotenen Möglichkeiten."),
        ({"energy_kwh": "viel"}, "Bitte geben Sie eine Zahl ein"),
    ]
    for change, message in checks:
        assert message in text(client.post("/flotte/laden", data={**data, **change})), message
    with app.app_context():
        assert db.session.scalar(select(func.count(ChargingSession.id))) == 1
    # After the station's session ends, the charger is free again (sessions are half-open).
    later = {
        **data,
        "rickshaw_id": str(second.id),
        "start": local(end),
        "end": local(end + timedelta(minutes=50)),
    }
    assert client.post("/flotte/laden", data=later).status_code == 302
    form = text(client.get("/flotte/laden"))
    assert f'<option selected value="{s.id}">' in form and f'<option selected value="{second.id}">' in form


def test_charging_with_a_battery_pack(app, client, driver_login):
    s = station(app)
    lotte = rickshaw(app, name="Lotte")
    other = rickshaw(app, name="Emil")
    with app.app_context():
        pack = BatteryPack(rickshaw_id=lotte.id, label="Akku B")
        db.session.add(pack)
        db.session.commit()
        pack_id = pack.id
    end = datetime.now(UTC) - timedelta(hours=1)
    data = {
        "rickshaw_id": str(other.id),
        "station_id": str(s.id),
        "battery_pack_id": str(pack_id),
        "start": local(end - timedelta(hours=1)),
        "end": local(end),
        "soc_before": "20",
        "soc_after": "90",
    }
    assert "Dieser Akku gehört nicht zu dieser Rikscha." in text(client.post("/flotte/laden", data=data))
    assert client.post("/flotte/laden", data={**data, "rickshaw_id": str(lotte.id)}).status_code == 302
    history = text(client.get(f"/flotte/rikschas/{lotte.id}"))
    assert "Akku Akku B" in history and "Geladen" in history


# --- history ----------------------------------------------------------------------------------------


def _count_queries(app, client, url) -> int:
    """Statements of a request to a warm worker (the first one may load the user: user_cache)."""
    assert client.get(url).status_code == 200
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def _add_history(app, rickshaw_id, station_id, rounds, offset):
    with app.app_context():
        r = db.session.get(Rickshaw, rickshaw_id)
        s = db.session.get(Station, station_id)
        base = datetime.now(UTC) - timedelta(days=60 - offset * 10)
        for n in range(rounds):
            at = base + timedelta(hours=6 * n)
            log_maintenance(
                r,
                kind="cleaning",
                performed_at=at,
                odometer_km=r.odometer_km + 5,
                description="sauber",
                by=None,
            )
            from rikscha.fleet.services import log_charging

            log_charging(
                r, station=s, start=at, end=at + timedelta(hours=1), soc_before=10, soc_after=90, by=None
            )
            report_defect(r, severity="minor", description=f"Kleinigkeit {n}", photo=None, by=None, now=at)
        db.session.commit()


def test_history_timeline_chart_and_a_fixed_number_of_queries(app, client, office):
    r = rickshaw(app, name="Rosi", odometer_km=100)
    s = station(app)
    _add_history(app, r.id, s.id, 2, 0)
    few = _count_queries(app, client, f"/flotte/rikschas/{r.id}")
    _add_history(app, r.id, s.id, 6, 1)
    many = _count_queries(app, client, f"/flotte/rikschas/{r.id}")
    assert few == many
    page = text(client.get(f"/flotte/rikschas/{r.id}"))
    assert 'role="img"' in page and '<title id="km-title">' in page and '<desc id="km-desc">' in page
    assert '<caption id="km-table">Kilometerstand von Rosi' in page and page.count("<polyline") == 1
    assert page.count('class="timeline-item') == 8 * 3
    # Newest first.
    assert page.index("Kleinigkeit 5") < page.index("Kleinigkeit 0")
    assert _count_queries(app, client, "/flotte/") == _count_queries(app, client, "/flotte/")


def _readings(app, rickshaw_id, count, *, first_km=1000, kind="cleaning"):
    """`count` maintenance records an hour apart, the newest an hour ago, each 10 km further."""
    newest = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with app.app_context():
        for n in range(count):
            db.session.add(
                MaintenanceRecord(
                    rickshaw_id=rickshaw_id,
                    kind=kind,
                    performed_at=newest - timedelta(hours=count - 1 - n),
                    odometer_km=first_km + 10 * n,
                    description=f"Eintrag {n}",
                )
            )
        db.session.commit()


def _older_link(page: str) -> str | None:
    found = re.search(r'href="([^"]+)#verlauf">Ältere Einträge', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_history_shows_a_page_of_entries_and_links_to_older_ones(app, client, office):
    r = rickshaw(app, name="Rosi", odometer_km=5000)
    _readings(app, r.id, HISTORY_PAGE + 20)
    first = text(client.get(f"/flotte/rikschas/{r.id}"))
    assert first.count('class="timeline-item') == HISTORY_PAGE
    assert f"Eintrag {HISTORY_PAGE + 19}" in first and "Eintrag 19<" not in first
    older = _older_link(first)
    assert older and "Neueste Einträge" not in first
    second = text(client.get(older))
    assert second.count('class="timeline-item') == 20
    assert "Eintrag 19<" in second and "Eintrag 0<" in second and f"Eintrag {HISTORY_PAGE + 19}" not in second
    assert _older_link(second) is None and "Neueste Einträge" in second
    # The odometer of each page: its own readings, the newest page from today's reading on.
    assert "<td>heute</td>" in first and "<td>heute</td>" not in second
    assert "<td>1190 km</td>" in second and "<td>1190 km</td>" not in first
    # The same number of queries on every page, however many entries lie before it.
    assert _count_queries(app, client, f"/flotte/rikschas/{r.id}") == _count_queries(app, client, older)


def test_a_history_link_that_is_not_one_of_ours_shows_the_newest_entries(app, client, office):
    r = rickshaw(app, name="Rosi")
    _readings(app, r.id, 3)
    for query in (
        "vor=gestern&km=5",
        "vor=2026-11-01T10:00:00&km=5",
        "vor=9999-12-31T10:00:00%2B00:00&km=5",
        "vor=2026-11-01T10:00:00%2B00:00&km=-1",
        "km=5",
    ):
        page = text(client.get(f"/flotte/rikschas/{r.id}?{query}"))
        assert page.count('class="timeline-item') == 3 and "Neueste Einträge" not in page, query


def test_entries_at_the_same_moment_as_the_last_stay_on_its_page(app, ctx):
    r = make_rickshaw(name="Rosi")
    s = make_station()
    moment = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for n, at in enumerate((moment + timedelta(hours=2), moment + timedelta(hours=1), moment, moment)):
        db.session.add(
            MaintenanceRecord(
                rickshaw_id=r.id, kind="cleaning", performed_at=at, odometer_km=100, description=f"M{n}"
            )
        )
    db.session.add(
        ChargingSession(
            rickshaw_id=r.id,
            station_id=s.id,
            start_at=moment,
            end_at=moment + timedelta(minutes=30),
            soc_before=20,
            soc_after=80,
        )
    )
    db.session.add(
        MaintenanceRecord(
            rickshaw_id=r.id,
            kind="cleaning",
            performed_at=moment - timedelta(hours=1),
            odometer_km=90,
            description="M4",
        )
    )
    db.session.flush()
    now = moment + timedelta(days=1)
    page = rickshaw_history(r, now, limit=3)
    # 3 asked for; the two others at 09:00 come along, the 08:00 reading is the next page's.
    assert [e.at for e in page.entries] == [moment + timedelta(hours=2), moment + timedelta(hours=1)] + [
        moment
    ] * 3
    assert page.older.before == moment
    rest = rickshaw_history(r, now, cursor=page.older, limit=3)
    assert [e.record.description for e in rest.entries] == ["M4"] and rest.older is None
    assert rest.odometer[-1].km == 90 and page.older.km == 100


def test_history_lists_completed_rides_and_the_odometer_after_them(app, client, office):
    from rikscha.rides.services import complete_ride

    start = upcoming_ten()
    with app.app_context():
        r = make_rickshaw(name="Rosi", odometer_km=500)
        make_driver()
        ride = make_ride(start=start, rider=make_rider(name="Frau Weit"))
        complete_ride(ride, by=None, km=12.4, now=start + timedelta(hours=2))
        db.session.commit()
        assert r.odometer_km == 512
    # The ride lies in the future for the clock, so the odometer table does not count it yet,
    # but the timeline shows it with its km.
    page = text(client.get(f"/flotte/rikschas/{r.id}"))
    assert "erledigt" in page and "12,4 km" in page and "Frau Weit" in page


def test_the_odometer_walks_back_from_today():
    from types import SimpleNamespace

    from rikscha.fleet.queries import odometer_chart, odometer_walk

    now = datetime(2026, 12, 1, tzinfo=UTC)
    rides = [
        SimpleNamespace(status="completed", km=10.4, completed_at=now - timedelta(days=1), end_at=None),
        SimpleNamespace(status="cancelled", km=None, completed_at=None, end_at=now - timedelta(days=2)),
    ]
    maintenance = [SimpleNamespace(performed_at=now - timedelta(days=5), odometer_km=480)]
    points, lowest = odometer_walk(500, now, rides, maintenance, today=True)
    assert lowest == 480
    assert [(p.km, p.source) for p in points] == [(480, "maintenance"), (500, "ride"), (500, "now")]
    chart = odometer_chart(points)
    assert chart.min_km == 480 and chart.max_km == 500 and len(chart.dots) == 3
    assert odometer_chart(points[:1]) is None
