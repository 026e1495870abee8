"""Tasks of the quarter: transitions, who sees what, checklists, work logs with photos, areas, posters."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from rikscha.extensions import db
from rikscha.quarter.models import Area, Task, WorkLog
from tests.conftest import committed
from tests.integration.test_quarter_builders import (
    fetch,
    image_bytes,
    make_area,
    make_task,
    multipart_post,
    office_today,
    too_big_png,
    uploads,
)

# Queries that differ between engines run on both; form and photo checks on SQLite only.
both = pytest.mark.both_databases


@pytest.fixture
def people(make_user):
    return {
        "office": make_user(roles=("coordinator",), name="Katrin Koordination"),
        "hanna": make_user(roles=("caretaker",), name="Hanna Hausmeister"),
        "kurt": make_user(roles=("caretaker",), name="Kurt Kehrer"),
        "resident": make_user(roles=("resident",)),
    }


@pytest.fixture
def setup(app, people):
    """Hanna looks after the playground; Kurt after the market; one task in each, one assigned to Kurt."""
    playground = committed(app, make_area, name="Spielplatz Lindenpark", caretakers=[people["hanna"]])
    market = committed(app, make_area, name="Grünfläche Markt", kind="park", caretakers=[people["kurt"]])
    swing = committed(
        app,
        make_task,
        area=playground,
        title="Schaukel reparieren",
        checklist=["Kette prüfen", "Sitz prüfen"],
    )
    bench = committed(app, make_task, area=market, title="Bank streichen")
    helping = committed(app, make_task, area=market, title="Laub fegen", assignees=[people["hanna"]])
    return {"playground": playground, "market": market, "swing": swing, "bench": bench, "helping": helping}


def _status(app, task_id):
    with app.app_context():
        return db.session.get(Task, task_id).status


def _press(client, task_id, action):
    return client.post(f"/quartier/aufgaben/{task_id}/status", data={action: "x"})


@both
def test_caretaker_sees_tasks_of_their_areas_and_assigned_ones(client, login, people, setup):
    login(people["hanna"])
    page = client.get("/hausmeister").get_data(as_text=True)
    assert "Meine Aufgaben" in page
    assert "Schaukel reparieren" in page and "Laub fegen" in page
    assert "Bank streichen" not in page
    assert client.get(f"/quartier/aufgaben/{setup['swing'].id}").status_code == 200
    assert client.get(f"/quartier/aufgaben/{setup['helping'].id}").status_code == 200
    # Someone else's task, by id: as if it did not exist.
    assert client.get(f"/quartier/aufgaben/{setup['bench'].id}").status_code == 404
    assert _press(client, setup["bench"].id, "start").status_code == 404
    assert _status(client.application, setup["bench"].id) == "open"


@both
def test_my_tasks_sections_and_areas(app, client, login, people, setup):
    with app.app_context():
        today = office_today()
        area = db.session.get(Area, setup["playground"].id)
        make_task(area, title="Gestern vergessen", due_date=today - timedelta(days=1))
        make_task(area, title="Irgendwann", due_date=None)
        make_task(area, title="In drei Wochen", due_date=today + timedelta(days=21))
        make_task(area, title="Schon erledigt", due_date=today).status = "done"
        db.session.commit()
    login(people["hanna"])
    page = client.get("/hausmeister").get_data(as_text=True)
    sections = {
        key: page.split(f'id="bereich-{key}"')[1].split("</section>")[0]
        for key in ("overdue", "today", "undated")
    }
    assert "Gestern vergessen" in sections["overdue"] and "überfällig" in sections["overdue"]
    assert "Schaukel reparieren" in sections["today"] and "Spielplatz Lindenpark" in sections["today"]
    assert "Irgendwann" in sections["undated"]
    later = page.split('class="quarter-later"')[1]
    assert "In drei Wochen" in later
    assert "Schon erledigt" not in page


@both
def test_my_task_cards_show_status_priority_and_checklist_progress(app, client, login, people, setup):
    with app.app_context():
        today = office_today()
        swing = db.session.get(Task, setup["swing"].id)
        swing.status, swing.priority = "in_progress", "high"
        swing.checklist[0].done = True
        # Assigned to Hanna and in her area: one card, not two.
        make_task(setup["playground"], title="Sand sieben", assignees=[people["hanna"]], due_date=today)
        make_task(setup["playground"], title="Zu weit weg", due_date=today + timedelta(days=40))
        make_task(setup["market"], title="Kurts Sache", assignees=[people["kurt"]])
        db.session.commit()
    login(people["hanna"])
    page = client.get("/hausmeister").get_data(as_text=True)
    before, after = page.split("Schaukel reparieren")
    assert 'class="quarter-card quarter-card-active"' in before.rsplit("<li", 1)[1]
    card = after.split("</li>")[0]
    assert "in Arbeit" in card and "dringend" in card and "Checkliste 1 von 2" in card
    assert f'href="/quartier/aufgaben/{setup["swing"].id}"' in page
    assert page.count("Sand sieben") == 1 and "Laub fegen" in page
    assert "Zu weit weg" not in page and "Kurts Sache" not in page


@both
def test_full_caretaker_flow_with_checklist_and_worklog(app, client, login, people, setup):
    task_id = setup["swing"].id
    login(people["hanna"])
    # Not yet: a task is started before it can be finished or ticked.
    response = _press(client, task_id, "done")
    assert "nicht möglich" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _status(app, task_id) == "open"
    _press(client, task_id, "start")
    assert _status(app, task_id) == "in_progress"
    with app.app_context():
        items = [item.id for item in db.session.get(Task, task_id).checklist]
    # Done needs the whole checklist.
    client.post(f"/quartier/aufgaben/{task_id}/checkliste", data={"items": [str(items[0])]})
    response = _press(client, task_id, "done")
    assert "Checkliste" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _status(app, task_id) == "in_progress"
    client.post(f"/quartier/aufgaben/{task_id}/checkliste", data={"items": [str(i) for i in items]})
    response = client.post(
        f"/quartier/aufgaben/{task_id}/nachweis",
        content_type="multipart/form-data",
        data={
            "minutes": "45",
            "note": "Kette getauscht",
            "photos": [(io.BytesIO(image_bytes()), "kette.png")],
        },
    )
    assert response.status_code == 302
    _press(client, task_id, "done")
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.status == "done"
        assert task.done_by_id == people["hanna"].id and task.done_at is not None
        assert all(item.done and item.done_by_id == people["hanna"].id for item in task.checklist)
        log = db.session.scalar(select(WorkLog).where(WorkLog.task_id == task_id))
        assert (log.minutes, log.note, log.user_id, len(log.photos)) == (
            45,
            "Kette getauscht",
            people["hanna"].id,
            1,
        )
        log_id = log.id
    page = client.get(f"/quartier/aufgaben/{task_id}").get_data(as_text=True)
    assert "45 Minuten" in page and "Kette getauscht" in page
    photo = fetch(client, f"/quartier/nachweise/{log_id}/fotos/0")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert "no-store" in photo.headers["Cache-Control"]
    assert client.get(f"/quartier/nachweise/{log_id}/fotos/1").status_code == 404
    # Only the office reopens.
    assert _press(client, task_id, "reopen").status_code == 302
    assert _status(app, task_id) == "done"


@both
def test_coordinator_cancels_and_reopens(app, client, login, people, setup):
    task_id = setup["bench"].id
    login(people["office"])
    _press(client, task_id, "cancel")
    assert _status(app, task_id) == "cancelled"
    _press(client, task_id, "reopen")
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert (task.status, task.done_at, task.done_by_id) == ("open", None, None)


def test_caretaker_cannot_cancel(app, client, login, people, setup):
    login(people["hanna"])
    _press(client, setup["swing"].id, "cancel")
    assert _status(app, setup["swing"].id) == "open"


def test_worklog_needs_a_started_task_and_valid_minutes(client, login, people, setup):
    task_id = setup["swing"].id
    login(people["hanna"])
    page = client.post(f"/quartier/aufgaben/{task_id}/nachweis", data={"minutes": "20"}).get_data(
        as_text=True
    )
    assert "Beginnen Sie die Aufgabe zuerst" in page
    _press(client, task_id, "start")
    for minutes, message in (
        ("", "Bitte geben Sie die Arbeitszeit in Minuten an."),
        ("0", "1 bis 1440"),
        ("2000", "1 bis 1440"),
        ("viel", "Keine gültige, ganze Zahl"),
    ):
        page = client.post(f"/quartier/aufgaben/{task_id}/nachweis", data={"minutes": minutes}).get_data(
            as_text=True
        )
        assert message in page, minutes


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4 kein Foto", "rechnung.pdf", "JPEG, PNG oder WebP"),
        (b"GIF89a" + b"\x00" * 64, "bild.gif", "JPEG, PNG oder WebP"),
        (b"<html>nur Text</html>", "foto.jpg", "JPEG, PNG oder WebP"),  # a fake extension
        (None, "gross.png", "höchstens 5 MB"),
    ],
    ids=["pdf", "gif", "fake-extension", "too-big"],
)
def test_photo_validation_through_the_worklog_form(app, client, login, people, setup, data, name, message):
    task_id = setup["swing"].id
    login(people["hanna"])
    _press(client, task_id, "start")
    files = [("photos", "gut.jpg", image_bytes("JPEG")), ("photos", name, data or too_big_png())]
    response = multipart_post(client, f"/quartier/aufgaben/{task_id}/nachweis", {"minutes": "10"}, files)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    # Nothing half-saved: the good photo stored before the bad one is gone again, and no log exists.
    assert uploads(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkLog)) == 0


def test_a_png_named_jpg_is_accepted_by_its_content(app, client, login, people, setup):
    task_id = setup["swing"].id
    login(people["hanna"])
    _press(client, task_id, "start")
    response = client.post(
        f"/quartier/aufgaben/{task_id}/nachweis",
        content_type="multipart/form-data",
        data={"minutes": "5", "photos": [(io.BytesIO(image_bytes("PNG")), "foto.jpg")]},
    )
    assert response.status_code == 302
    assert [p.suffix for p in uploads(app)] == [".png"]


def test_at_most_three_photos(app, client, login, people, setup):
    task_id = setup["swing"].id
    login(people["hanna"])
    _press(client, task_id, "start")
    photos = [(io.BytesIO(image_bytes()), f"{n}.png") for n in range(4)]
    page = client.post(
        f"/quartier/aufgaben/{task_id}/nachweis",
        content_type="multipart/form-data",
        data={"minutes": "5", "photos": photos},
    ).get_data(as_text=True)
    assert "höchstens 3 Fotos" in page
    assert uploads(app) == []


def test_task_photo_only_for_those_who_see_the_task(app, client, login, people, setup):
    from rikscha.uploads import store_photo

    with app.app_context():
        task = db.session.get(Task, setup["bench"].id)
        task.photo = store_photo(io.BytesIO(image_bytes("JPEG")))
        db.session.commit()
    login(people["hanna"])
    assert client.get(f"/quartier/aufgaben/{setup['bench'].id}/foto").status_code == 404
    client.post("/abmelden")
    login(people["kurt"])
    response = fetch(client, f"/quartier/aufgaben/{setup['bench'].id}/foto")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert client.get(f"/quartier/aufgaben/{setup['swing'].id}/foto").status_code == 404  # no photo


def test_residents_and_drivers_have_no_task_pages(client, login, make_user, people, setup):
    login(people["resident"])
    assert client.get(f"/quartier/aufgaben/{setup['swing'].id}").status_code == 403
    assert client.get("/quartier/aufgaben").status_code == 403


def test_coordinator_creates_and_edits_a_task(app, client, login, people, setup):
    login(people["office"])
    page = client.post("/quartier/aufgaben/neu", data={"area_id": "", "title": " "}).get_data(as_text=True)
    assert "Bitte wählen Sie ein Revier." in page and "Bitte füllen Sie dieses Feld aus." in page
    page = client.post(
        "/quartier/aufgaben/neu",
        data={
            "area_id": str(setup["playground"].id),
            "title": "Sandkasten",
            "category": "cleanliness",
            "priority": "high",
            "checklist": "x" * 201,
        },
    ).get_data(as_text=True)
    assert "höchstens 200 Zeichen" in page
    response = client.post(
        "/quartier/aufgaben/neu",
        data={
            "area_id": str(setup["playground"].id),
            "title": "Sandkasten harken",
            "category": "cleanliness",
            "priority": "high",
            "due_date": "2030-05-04",
            "assignees": [str(people["kurt"].id)],
            "checklist": "Sand harken\nScherben suchen",
        },
    )
    assert response.status_code == 302
    task_id = int(re.search(r"/aufgaben/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert (task.title, task.priority, str(task.due_date), [p.name for p in task.assignees]) == (
            "Sandkasten harken",
            "high",
            "2030-05-04",
            ["Kurt Kehrer"],
        )
        assert [i.text for i in task.checklist] == ["Sand harken", "Scherben suchen"]
    # Non-caretakers cannot be assigned.
    page = client.post(
        f"/quartier/aufgaben/{task_id}/bearbeiten",
        data={
            "area_id": str(setup["market"].id),
            "title": "Sandkasten harken",
            "category": "cleanliness",
            "priority": "normal",
            "assignees": [str(people["resident"].id)],
        },
    ).get_data(as_text=True)
    assert "Bitte wählen Sie nur aus den angebotenen Möglichkeiten." in page
    response = client.post(
        f"/quartier/aufgaben/{task_id}/bearbeiten",
        data={
            "area_id": str(setup["market"].id),
            "title": "Sandkasten harken",
            "category": "cleanliness",
            "priority": "normal",
            "checklist": "Sand harken\nNeuer Punkt",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.area_id == setup["market"].id and task.assignees == []
        assert [i.text for i in task.checklist] == ["Sand harken", "Neuer Punkt"]
    assert client.get("/quartier/aufgaben/987654/bearbeiten").status_code == 404


@both
def test_task_list_filters(app, client, login, people, setup):
    with app.app_context():
        today = office_today()
        late = make_task(
            db.session.get(Area, setup["market"].id),
            title="Längst fällig",
            due_date=today - timedelta(days=3),
        )
        db.session.commit()
        late_id = late.id
    login(people["office"])
    page = client.get("/quartier/aufgaben").get_data(as_text=True)
    assert all(t in page for t in ("Schaukel reparieren", "Bank streichen", "Laub fegen", "Längst fällig"))
    page = client.get(f"/quartier/aufgaben?area={setup['playground'].id}").get_data(as_text=True)
    assert "Schaukel reparieren" in page and "Bank streichen" not in page
    page = client.get(f"/quartier/aufgaben?caretaker={people['hanna'].id}").get_data(as_text=True)
    assert "Schaukel reparieren" in page and "Laub fegen" in page and "Bank streichen" not in page
    page = client.get("/quartier/aufgaben?overdue=y").get_data(as_text=True)
    assert "Längst fällig" in page and "Schaukel reparieren" not in page
    _press(client, late_id, "cancel")
    assert "Längst fällig" not in client.get("/quartier/aufgaben").get_data(as_text=True)
    assert "Längst fällig" in client.get("/quartier/aufgaben?status=cancelled").get_data(as_text=True)
    assert client.get("/quartier/aufgaben?status=quatsch&area=abc").status_code == 200
    page = client.get("/koordination").get_data(as_text=True)
    assert "Überfällige Aufgaben" in page


@both
def test_areas_crud_and_poster(app, client, login, people, setup):
    login(people["office"])
    page = client.post("/quartier/reviere/neu", data={"name": "spielplatz lindenpark", "kind": "playground"})
    assert "Ein Revier mit diesem Namen gibt es schon." in page.get_data(as_text=True)
    page = client.post(
        "/quartier/reviere/neu", data={"name": "Hochbeete", "kind": "flowerbed", "latitude": "51,34"}
    ).get_data(as_text=True)
    assert "beide Koordinaten" in page
    response = client.post(
        "/quartier/reviere/neu",
        data={
            "name": "Hochbeete Schulstraße",
            "kind": "flowerbed",
            "location": "Schulstraße 12",
            "latitude": "51,3397",
            "longitude": "12.3731",
            "caretakers": [str(people["hanna"].id)],
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.name == "Hochbeete Schulstraße"))
        assert (area.latitude, area.longitude, [p.name for p in area.caretakers]) == (
            51.3397,
            12.3731,
            ["Hanna Hausmeister"],
        )
        area_id = area.id
    assert "Hochbeete Schulstraße" in client.get("/quartier/reviere").get_data(as_text=True)
    assert (
        client.post(
            f"/quartier/reviere/{area_id}", data={"name": "Hochbeete", "kind": "flowerbed"}
        ).status_code
        == 302
    )
    poster = client.get(f"/quartier/reviere/{area_id}/aushang").get_data(as_text=True)
    assert f"/quartier/melden?revier={area_id}" in poster
    svg = client.get(f"/quartier/reviere/{area_id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<svg")
    client.post("/abmelden")
    login(people["hanna"])  # caretakers put the posters up
    assert client.get(f"/quartier/reviere/{area_id}/aushang").status_code == 200
    assert client.get("/quartier/reviere/987654/qr.svg").status_code == 404


def test_inactive_area_gets_no_new_tasks(app, client, login, people, setup):
    with app.app_context():
        db.session.get(Area, setup["market"].id).active = False
        db.session.commit()
    login(people["office"])
    page = client.post(
        "/quartier/aufgaben/neu",
        data={"area_id": str(setup["market"].id), "title": "X", "category": "other", "priority": "normal"},
    )
    assert "Keine gültige Auswahl" in page.get_data(as_text=True)


def test_three_large_phone_photos_fit_in_one_work_log(app, client, login, people, setup):
    """Three photos of a few MB each exceed the app-wide request limit, but not this form's."""
    import os

    from PIL import Image

    def big_png() -> bytes:
        out = io.BytesIO()
        Image.frombytes("RGB", (900, 900), os.urandom(900 * 900 * 3)).save(
            out, format="PNG", compress_level=0
        )
        return out.getvalue()

    task_id = setup["swing"].id
    login(people["hanna"])
    _press(client, task_id, "start")
    files = [("photos", f"{n}.png", big_png()) for n in range(3)]
    assert sum(len(data) for _, _, data in files) > app.config["MAX_CONTENT_LENGTH"]
    response = multipart_post(client, f"/quartier/aufgaben/{task_id}/nachweis", {"minutes": "30"}, files)
    assert response.status_code == 302
    assert len(uploads(app)) == 3
