"""Residents' reports: the public form with its spam trap and rate limit, status pages, triage."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.quarter.models import ProblemReport, Task
from rikscha.quarter.reports import merge_report, secret_hash, submit_report
from tests.conftest import committed
from tests.integration.test_quarter_builders import (
    fetch,
    image_bytes,
    make_area,
    multipart_post,
    old_form_token,
    too_big_png,
    uploads,
)

SECRET_LINK = re.compile(r'href="http://localhost(/quartier/meldung/[A-Za-z0-9_-]+)"')


@pytest.fixture
def people(make_user):
    return {
        "office": make_user(roles=("coordinator",), name="Katrin Koordination"),
        "hanna": make_user(roles=("caretaker",), name="Hanna Hausmeister"),
        "berta": make_user(roles=("resident",), name="Berta Bewohner"),
        "otto": make_user(roles=("resident",), name="Otto Oswald"),
    }


@pytest.fixture
def area(app, people):
    return committed(app, make_area, name="Spielplatz Lindenpark", caretakers=[people["hanna"]])


def _form(app, area=None, **extra):
    data = {
        "category": "repair",
        "area_id": str(area.id) if area else "",
        "location": "",
        "text": "Die Schaukelkette ist gerissen.",
        "started": old_form_token(app),
        "website": "",
    }
    data.update(extra)
    return data


def _report(app, area=None, **values):
    def build():
        report, secret = submit_report(
            reporter=None,
            via="web",
            area=db.session.merge(area) if area else None,
            location=values.pop("location", "am Brunnen"),
            category=values.pop("category", "repair"),
            text=values.pop("text", "Bank kaputt"),
            photo=values.pop("photo", None),
            now=utcnow(),
            **values,
        )
        build.secret = secret
        return report

    report = committed(app, build)
    return report, build.secret


def test_anonymous_report_with_photo_receipt_and_status_page(app, client, area):
    page = client.get(f"/quartier/melden?revier={area.id}").get_data(as_text=True)
    assert f'<option selected value="{area.id}">' in page or f'value="{area.id}" selected' in page
    assert 'name="website"' in page and 'class="field quarter-hp' in page and 'name="started"' in page
    response = client.post(
        "/quartier/melden",
        content_type="multipart/form-data",
        data={
            **_form(
                app,
                area,
                contact_name="Karl Kowalski",
                contact_phone="0341 300001",
                contact_email="Karl@Example.org",
            ),
            "photo": (io.BytesIO(image_bytes("JPEG")), "schaukel.jpg"),
        },
    )
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vielen Dank! Ihre Meldung ist eingegangen." in receipt
    link = SECRET_LINK.search(receipt).group(1)
    with app.app_context():
        report = db.session.scalar(select(ProblemReport))
        assert (report.status, report.created_via, report.reporter_id) == ("received", "web", None)
        assert (report.contact_name, report.contact_email) == ("Karl Kowalski", "karl@example.org")
        assert report.secret_hash == secret_hash(link.rsplit("/", 1)[1])  # only the hash is stored
        assert link.rsplit("/", 1)[1] not in report.secret_hash
    status = client.get(link).get_data(as_text=True)
    assert "eingegangen" in status and 'aria-current="step"' in status
    assert "Karl" not in status and "0341 300001" not in status  # contact data: the office only
    photo = fetch(client, link + "/foto")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert client.get("/quartier/meldung/falsches-geheimnis").status_code == 404
    assert fetch(client, "/quartier/meldung/falsches-geheimnis/foto").status_code == 404


def test_validation_messages(app, client, area):
    page = client.post("/quartier/melden", data=_form(app, None, text="", category="")).get_data(as_text=True)
    assert "Bitte beschreiben Sie kurz, was los ist." in page
    assert "Bitte wählen Sie aus, worum es geht." in page
    assert "Bitte wählen Sie einen Ort aus der Liste oder beschreiben Sie ihn." in page
    page = client.post("/quartier/melden", data=_form(app, area, contact_email="kein-at")).get_data(
        as_text=True
    )
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in page
    page = client.post("/quartier/melden", data=_form(app, None, location="x" * 301)).get_data(as_text=True)
    assert "300" in page
    with app.app_context():
        assert db.session.scalar(select(ProblemReport)) is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"website": "http://spam.example"}, "konnte nicht angenommen werden"),
        ({"started": ""}, "Das Formular ist abgelaufen"),
        ({"started": "1700000000.gefälscht"}, "Das Formular ist abgelaufen"),
        ("fresh", "Das ging sehr schnell"),
    ],
    ids=["honeypot", "no-stamp", "forged-stamp", "too-fast"],
)
def test_spam_trap(app, client, area, extra, message):
    if extra == "fresh":  # exactly what a bot would send back at once
        page = client.get("/quartier/melden").get_data(as_text=True)
        extra = {"started": re.search(r'name="started" type="hidden" value="([^"]+)"', page).group(1)}
    page = client.post("/quartier/melden", data=_form(app, area, **extra)).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalar(select(ProblemReport)) is None


def test_anonymous_form_is_rate_limited(app, client, area):
    for _ in range(5):
        assert client.post("/quartier/melden", data=_form(app, area)).status_code == 302
    response = client.post("/quartier/melden", data=_form(app, area))
    assert response.status_code == 429
    assert "Zu viele" in response.get_data(as_text=True)
    assert client.get("/quartier/melden").status_code == 200  # reading the form is not limited


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4 kein Foto", "scan.pdf", "JPEG, PNG oder WebP"),
        (b"MZ\x90\x00 ausfuehrbar", "foto.jpeg", "JPEG, PNG oder WebP"),  # a fake extension
        (None, "riesig.jpg", "höchstens 5 MB"),
    ],
    ids=["pdf", "fake-extension", "too-big"],
)
def test_photo_validation_through_the_report_form(app, client, area, data, name, message):
    fields = {k: v for k, v in _form(app, area).items()}
    response = multipart_post(client, "/quartier/melden", fields, [("photo", name, data or too_big_png())])
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert uploads(app) == []
    with app.app_context():
        assert db.session.scalar(select(ProblemReport)) is None


def test_stored_photo_is_removed_when_the_report_fails(app, client, area, monkeypatch):
    from rikscha.domain import DomainError

    def failing(**kwargs):
        raise DomainError("location_required", field="location")

    monkeypatch.setattr("rikscha.quarter.views_reports.submit_report", failing)
    response = client.post(
        "/quartier/melden",
        content_type="multipart/form-data",
        data={**_form(app, area), "photo": (io.BytesIO(image_bytes()), "ok.png")},
    )
    assert "Bitte wählen Sie einen Ort" in response.get_data(as_text=True)
    assert uploads(app) == []


@pytest.mark.both_databases
def test_logged_in_resident_sees_only_own_reports(app, client, login, people, area):
    login(people["berta"])
    page = client.get("/quartier/melden").get_data(as_text=True)
    assert 'name="contact_name"' not in page and 'name="website"' not in page
    response = client.post(
        "/quartier/melden",
        data={"category": "cleanliness", "area_id": str(area.id), "text": "Müll am Sandkasten"},
    )
    assert "/quartier/meine-meldungen/" in response.headers["Location"]
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vielen Dank" in receipt and "Meine Meldungen" in receipt
    assert "Müll am Sandkasten" in client.get("/quartier/meine-meldungen").get_data(as_text=True)
    with app.app_context():
        mine = db.session.scalar(select(ProblemReport))
        assert (mine.reporter_id, mine.created_via) == (people["berta"].id, "web")
    client.post("/abmelden")
    login(people["otto"])
    assert "Müll am Sandkasten" not in client.get("/quartier/meine-meldungen").get_data(as_text=True)
    assert client.get(f"/quartier/meine-meldungen/{mine.id}").status_code == 404
    assert client.get(f"/quartier/meldungen/{mine.id}/foto").status_code == 404
    assert client.get(f"/quartier/meldungen/{mine.id}").status_code == 403


def test_caretaker_reports_on_the_way(app, client, login, people, area):
    login(people["hanna"])
    response = client.post(
        "/quartier/melden",
        data={"category": "repair", "area_id": "", "location": "Parkweg 3", "text": "Gullydeckel wackelt"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ProblemReport.created_via)) == "caretaker"


@pytest.mark.both_databases
def test_report_becomes_a_task_and_follows_it(app, client, login, people, area):
    from rikscha.uploads import store_photo

    with app.app_context():
        photo = store_photo(io.BytesIO(image_bytes()))
    report, secret = _report(
        app, area, text="Rutsche hat scharfe Kante\nBitte schnell!", photo=photo, contact_phone="0341 999"
    )
    login(people["office"])
    detail = client.get(f"/quartier/meldungen/{report.id}").get_data(as_text=True)
    assert "0341 999" in detail and "Als Auftrag anlegen" in detail
    form = client.get(f"/quartier/meldungen/{report.id}/auftrag").get_data(as_text=True)
    assert 'value="Rutsche hat scharfe Kante"' in form
    response = client.post(
        f"/quartier/meldungen/{report.id}/auftrag",
        data={
            "area_id": str(area.id),
            "title": "Rutsche entgraten",
            "description": "Rutsche hat scharfe Kante",
            "category": "repair",
            "priority": "high",
            "assignees": [str(people["hanna"].id)],
            "message": "Wir kümmern uns darum.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        task = db.session.scalar(select(Task))
        assert (task.report_id, task.photo, task.title) == (report.id, photo, "Rutsche entgraten")
        task_id = task.id
    again = client.post(
        f"/quartier/meldungen/{report.id}/auftrag",
        data={"area_id": str(area.id), "title": "Nochmal", "category": "repair", "priority": "normal"},
    )
    assert "Zu dieser Meldung gibt es schon einen Auftrag." in again.get_data(as_text=True)
    status = client.get(f"/quartier/meldung/{secret}").get_data(as_text=True)
    assert "Wir kümmern uns darum." in status
    client.post("/abmelden")

    login(people["hanna"])
    task_page = client.get(f"/quartier/aufgaben/{task_id}").get_data(as_text=True)
    assert "Rutsche hat scharfe Kante" in task_page and "0341 999" not in task_page  # no contact data
    assert fetch(client, f"/quartier/aufgaben/{task_id}/foto").status_code == 200
    assert (
        fetch(client, f"/quartier/meldungen/{report.id}/foto").status_code == 404
    )  # the report is the office's
    client.post(f"/quartier/aufgaben/{task_id}/status", data={"start": "x"})
    assert _report_status(app, report.id) == "in_progress"
    client.post(f"/quartier/aufgaben/{task_id}/status", data={"done": "x"})
    assert _report_status(app, report.id) == "done"
    status = client.get(f"/quartier/meldung/{secret}").get_data(as_text=True)
    current = re.search(r'aria-current="step">(.*?)</li>', status, re.S).group(1)
    assert "erledigt" in current


def _report_status(app, report_id):
    with app.app_context():
        return db.session.get(ProblemReport, report_id).status


@pytest.mark.both_databases
def test_duplicates_follow_the_original(app, client, login, people, area):
    original, _ = _report(app, area, text="Schaukel kaputt")
    duplicate, duplicate_secret = _report(app, area, text="Schaukel immer noch kaputt")
    third, _ = _report(app, area, text="Die Schaukel!")
    login(people["office"])
    page = client.post(
        f"/quartier/meldungen/{original.id}/duplikat", data={"original": str(original.id)}
    ).get_data(as_text=True)
    assert "Keine gültige Auswahl" in page  # a report is never offered as its own original
    client.post(f"/quartier/meldungen/{third.id}/duplikat", data={"original": str(duplicate.id)})
    client.post(
        f"/quartier/meldungen/{duplicate.id}/duplikat",
        data={"original": str(original.id), "merge_message": "Schon bekannt, danke!"},
    )
    with app.app_context():
        assert {r.id: r.duplicate_of_id for r in db.session.scalars(select(ProblemReport))} == {
            original.id: None,
            duplicate.id: original.id,
            third.id: original.id,
        }
        # Merging the original into one of its duplicates would make a circle.
        with pytest.raises(DomainError) as error:
            merge_report(
                db.session.get(ProblemReport, original.id),
                db.session.get(ProblemReport, third.id),
                by=None,
                now=utcnow(),
            )
        assert error.value.code == "duplicate_of_self"
    client.post(
        f"/quartier/meldungen/{original.id}/auftrag",
        data={"area_id": str(area.id), "title": "Schaukel", "category": "repair", "priority": "normal"},
    )
    with app.app_context():
        task_id = db.session.scalar(select(Task.id))
    client.post(f"/quartier/aufgaben/{task_id}/status", data={"start": "x"})
    assert (
        _report_status(app, duplicate.id) == "in_progress" and _report_status(app, third.id) == "in_progress"
    )
    status = client.get(f"/quartier/meldung/{duplicate_secret}").get_data(as_text=True)
    assert "schon vorher gemeldet" in status and "Schon bekannt, danke!" in status
    assert "Als Auftrag anlegen" not in client.get(f"/quartier/meldungen/{duplicate.id}").get_data(
        as_text=True
    )


def test_close_with_a_message(app, client, login, people, area):
    report, secret = _report(app, area)
    login(people["office"])
    page = client.post(f"/quartier/meldungen/{report.id}/antwort", data={"message": "", "close": "x"})
    assert "Bitte schreiben Sie eine Nachricht" in page.get_data(as_text=True)
    client.post(
        f"/quartier/meldungen/{report.id}/antwort", data={"message": "Wir schauen nach.", "save": "x"}
    )
    assert _report_status(app, report.id) == "received"
    client.post(
        f"/quartier/meldungen/{report.id}/antwort",
        data={"message": "Das ist Sache des Grünflächenamts; wir haben es weitergegeben.", "close": "x"},
    )
    assert _report_status(app, report.id) == "done"
    status = client.get(f"/quartier/meldung/{secret}").get_data(as_text=True)
    assert "Grünflächenamts" in status
    page = client.get("/quartier/meldungen").get_data(as_text=True)
    assert f"Nr. {report.id}" not in page  # the default list shows what is still open
    assert f"Nr. {report.id}" in client.get("/quartier/meldungen?status=done").get_data(as_text=True)


def test_cannot_close_while_the_task_is_open(app, client, login, people, area):
    report, _ = _report(app, area)
    login(people["office"])
    client.post(
        f"/quartier/meldungen/{report.id}/auftrag",
        data={"area_id": str(area.id), "title": "Bank", "category": "repair", "priority": "normal"},
    )
    page = client.post(f"/quartier/meldungen/{report.id}/antwort", data={"message": "Fertig", "close": "x"})
    assert "Der Auftrag zu dieser Meldung ist noch nicht erledigt." in page.get_data(as_text=True)
    assert _report_status(app, report.id) == "received"


def test_coordinator_takes_a_phone_report_and_sees_the_overview(app, client, login, people, area):
    login(people["office"])
    page = client.get("/quartier/melden").get_data(as_text=True)
    assert 'name="contact_phone"' in page and 'name="website"' not in page
    response = client.post(
        "/quartier/melden",
        data={
            "category": "other",
            "area_id": str(area.id),
            "text": "Anruf: Laterne aus",
            "contact_name": "Frau Fröhlich",
            "contact_phone": "0341 200003",
        },
    )
    assert "/quartier/meldungen/" in response.headers["Location"]
    assert "ist eingetragen" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        report = db.session.scalar(select(ProblemReport))
        # The caller is known by the contact fields; the office is only the one who typed it in.
        assert (report.created_via, report.contact_name, report.reporter_id) == (
            "phone",
            "Frau Fröhlich",
            None,
        )
    overview = client.get("/koordination").get_data(as_text=True)
    assert "Neue Meldungen (1)" in overview and "Anruf: Laterne aus" in overview
    assert client.get("/quartier/meldungen/987654").status_code == 404
    assert client.post("/quartier/meldungen/987654/antwort", data={"message": "x"}).status_code == 404
