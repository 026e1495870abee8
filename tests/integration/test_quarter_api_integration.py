"""The quarter's API: areas, tasks and work logs, reports (also without a token), OpenAPI."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from rikscha.extensions import db
from rikscha.quarter.models import ProblemReport, Task, WorkLog
from tests.conftest import committed
from tests.factories import make_token
from tests.integration.test_quarter_builders import image_bytes, make_area, make_task

pytestmark = pytest.mark.both_databases


def _bearer(app, user) -> dict:
    with app.app_context():
        token = make_token(user)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(app, make_user):
    office = make_user(roles=("coordinator",))
    hanna = make_user(roles=("caretaker",), name="Hanna")
    kurt = make_user(roles=("caretaker",), name="Kurt")
    resident = make_user(roles=("resident",))
    playground = committed(app, make_area, name="Spielplatz", caretakers=[hanna])
    market = committed(app, make_area, name="Markt", kind="square", caretakers=[kurt])
    return {
        "office": _bearer(app, office),
        "hanna": _bearer(app, hanna),
        "kurt": _bearer(app, kurt),
        "resident": _bearer(app, resident),
        "hanna_id": hanna.id,
        "playground": playground,
        "market": market,
        "swing": committed(app, make_task, area=playground, title="Schaukel", checklist=["Kette"]),
        "bench": committed(app, make_task, area=market, title="Bank"),
    }


def test_areas(client, world):
    listed = client.get("/api/v1/areas", headers=world["resident"]).json["areas"]
    assert [a["name"] for a in listed] == ["Markt", "Spielplatz"]
    assert "caretakers" not in listed[0] and listed[1]["report_url"].endswith(
        f"revier={world['playground'].id}"
    )
    staff_view = client.get("/api/v1/areas", headers=world["hanna"]).json["areas"]
    assert staff_view[1]["caretakers"] == [{"id": world["hanna_id"], "name": "Hanna"}]
    anonymous = client.get("/api/v1/areas?active=1")  # public places, for reports without a token
    assert anonymous.status_code == 200 and "caretakers" not in anonymous.json["areas"][0]
    created = client.post(
        "/api/v1/areas",
        headers=world["office"],
        json={
            "name": "Hochbeete",
            "kind": "flowerbed",
            "latitude": 51.3,
            "longitude": 12.4,
            "caretakers": [world["hanna_id"]],
        },
    )
    assert created.status_code == 201 and created.json["caretakers"][0]["name"] == "Hanna"
    taken = client.post("/api/v1/areas", headers=world["office"], json={"name": "markt", "kind": "park"})
    assert taken.status_code == 409 and taken.json["error"]["code"] == "area_name_taken"
    invalid = client.post("/api/v1/areas", headers=world["office"], json={"name": "", "kind": "castle"})
    assert invalid.status_code == 422 and set(invalid.json["error"]["fields"]) == {"name", "kind"}
    assert client.post("/api/v1/areas", headers=world["hanna"], json={"name": "X"}).status_code == 403


def test_tasks_list_and_visibility(client, world):
    names = [t["title"] for t in client.get("/api/v1/tasks", headers=world["hanna"]).json["tasks"]]
    assert names == ["Schaukel"]
    office = client.get("/api/v1/tasks", headers=world["office"]).json["tasks"]
    assert {t["title"] for t in office} == {"Schaukel", "Bank"}
    assert office[0]["due_date"] and "+00:00" in office[0]["created_at"]
    filtered = client.get(f"/api/v1/tasks?area_id={world['market'].id}", headers=world["office"]).json[
        "tasks"
    ]
    assert [t["title"] for t in filtered] == ["Bank"]
    assert client.get("/api/v1/tasks?status=nonsense", headers=world["office"]).status_code == 422
    assert client.get(f"/api/v1/tasks/{world['bench'].id}", headers=world["hanna"]).status_code == 404
    detail = client.get(f"/api/v1/tasks/{world['swing'].id}", headers=world["hanna"]).json
    assert detail["checklist"][0]["text"] == "Kette" and detail["worklogs"] == []
    assert client.get("/api/v1/tasks", headers=world["resident"]).status_code == 403


def test_create_task(client, world):
    response = client.post(
        "/api/v1/tasks",
        headers=world["office"],
        json={
            "area_id": world["market"].id,
            "title": "Laub",
            "category": "green_care",
            "priority": "high",
            "due_date": "2030-10-01",
            "assignees": [world["hanna_id"]],
            "checklist": "Fegen\nSäcke",
        },
    )
    assert response.status_code == 201
    body = response.json
    assert (body["status"], body["due_date"], body["assignees"][0]["name"]) == ("open", "2030-10-01", "Hanna")
    assert [i["text"] for i in body["checklist"]] == ["Fegen", "Säcke"]
    missing = client.post("/api/v1/tasks", headers=world["office"], json={"title": "Ohne Revier"})
    assert missing.status_code == 422 and "area_id" in missing.json["error"]["fields"]
    assert client.post("/api/v1/tasks", headers=world["office"], data="kein json").status_code == 400


def test_patch_status_and_fields(app, client, world):
    url = f"/api/v1/tasks/{world['swing'].id}"
    assert (
        client.patch(url, headers=world["hanna"], json={"status": "done"}).json["error"]["code"]
        == "invalid_transition"
    )
    assert (
        client.patch(url, headers=world["hanna"], json={"status": "in_progress"}).json["status"]
        == "in_progress"
    )
    blocked = client.patch(url, headers=world["hanna"], json={"status": "done"})
    assert blocked.status_code == 409 and blocked.json["error"]["code"] == "checklist_incomplete"
    with app.app_context():
        task = db.session.get(Task, world["swing"].id)
        task.checklist[0].done = True
        db.session.commit()
    done = client.patch(url, headers=world["hanna"], json={"status": "done"})
    assert done.status_code == 200 and done.json["done_by_id"] == world["hanna_id"] and done.json["done_at"]
    reopen = client.patch(url, headers=world["hanna"], json={"status": "open"})
    assert reopen.status_code == 403 and reopen.json["error"]["code"] == "coordinator_only"
    assert client.patch(url, headers=world["hanna"], json={"title": "Neu"}).status_code == 403
    changed = client.patch(
        url, headers=world["office"], json={"status": "open", "title": "Schaukel neu", "priority": "low"}
    )
    assert changed.status_code == 200
    assert (changed.json["status"], changed.json["title"], changed.json["priority"]) == (
        "open",
        "Schaukel neu",
        "low",
    )
    bad = client.patch(url, headers=world["office"], json={"priority": "sofort"})
    assert bad.status_code == 422
    assert (
        client.patch(
            f"/api/v1/tasks/{world['bench'].id}", headers=world["hanna"], json={"status": "in_progress"}
        ).status_code
        == 404
    )


def test_worklogs_json_and_multipart(app, client, world):
    url = f"/api/v1/tasks/{world['swing'].id}/worklogs"
    early = client.post(url, headers=world["hanna"], json={"minutes": 10})
    assert early.status_code == 409 and early.json["error"]["code"] == "task_not_started"
    client.patch(f"/api/v1/tasks/{world['swing'].id}", headers=world["hanna"], json={"status": "in_progress"})
    assert client.post(url, headers=world["hanna"], json={"minutes": 0}).status_code == 422
    logged = client.post(url, headers=world["hanna"], json={"minutes": 30, "note": "Kette geölt"})
    assert logged.status_code == 201 and logged.json["minutes"] == 30
    with_photo = client.post(
        url,
        headers=world["hanna"],
        content_type="multipart/form-data",
        data={"minutes": "15", "photos": [(io.BytesIO(image_bytes("WEBP")), "a.webp")]},
    )
    assert with_photo.status_code == 201 and with_photo.json["photo_count"] == 1
    wrong = client.post(
        url,
        headers=world["hanna"],
        content_type="multipart/form-data",
        data={"minutes": "15", "photos": [(io.BytesIO(b"not an image"), "a.jpg")]},
    )
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "photo_wrong_type"
    with app.app_context():
        assert len(db.session.scalars(select(WorkLog)).all()) == 2
    assert (
        client.post(
            f"/api/v1/tasks/{world['bench'].id}/worklogs", headers=world["hanna"], json={"minutes": 5}
        ).status_code
        == 404
    )


def test_reports_without_a_token_and_their_status(app, client, world):
    created = client.post(
        "/api/v1/reports",
        json={
            "category": "repair",
            "area_id": world["playground"].id,
            "text": "Rutsche wackelt",
            "contact_name": "Karl",
            "contact_phone": "0341 1",
        },
    )
    assert created.status_code == 201
    body = created.json
    assert body["status"] == "received" and body["secret"] and "/quartier/meldung/" in body["status_url"]
    assert "contact" not in body
    report_id = body["id"]
    public = client.get(f"/api/v1/reports/{report_id}?secret={body['secret']}")
    assert (
        public.status_code == 200
        and "contact" not in public.json
        and public.json["text"] == "Rutsche wackelt"
    )
    for headers, query in (({}, ""), ({}, "?secret=falsch"), (world["resident"], ""), (world["hanna"], "")):
        response = client.get(f"/api/v1/reports/{report_id}{query}", headers=headers)
        assert response.status_code == 404, (headers, query)
    office = client.get(f"/api/v1/reports/{report_id}", headers=world["office"]).json
    assert office["contact"] == {"name": "Karl", "phone": "0341 1", "email": ""}
    invalid = client.post("/api/v1/reports", json={"category": "repair", "text": ""})
    assert invalid.status_code == 422 and {"text", "location"} <= set(invalid.json["error"]["fields"])
    mine = client.post(
        "/api/v1/reports",
        headers=world["resident"],
        json={"category": "cleanliness", "location": "Marktplatz", "text": "Müll"},
    ).json
    assert client.get(f"/api/v1/reports/{mine['id']}", headers=world["resident"]).status_code == 200
    with app.app_context():
        assert db.session.get(ProblemReport, mine["id"]).created_via == "api"


def test_report_api_is_rate_limited(client, world):
    for _ in range(5):
        assert (
            client.post(
                "/api/v1/reports", json={"category": "other", "location": "x", "text": "y"}
            ).status_code
            == 201
        )
    limited = client.post("/api/v1/reports", json={"category": "other", "location": "x", "text": "y"})
    assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"


def test_report_to_task(app, client, world):
    report = client.post(
        "/api/v1/reports",
        json={"category": "repair", "area_id": world["market"].id, "text": "Laterne aus\nSeit Tagen"},
    ).json
    url = f"/api/v1/reports/{report['id']}/task"
    assert client.post(url, headers=world["hanna"], json={}).status_code == 403
    created = client.post(
        url, headers=world["office"], json={"assignees": [world["hanna_id"]], "priority": "high"}
    )
    assert created.status_code == 201
    assert (created.json["title"], created.json["report_id"], created.json["area"]["name"]) == (
        "Laterne aus",
        report["id"],
        "Markt",
    )
    again = client.post(url, headers=world["office"], json={})
    assert again.status_code == 409 and again.json["error"]["code"] == "report_has_task"
    client.patch(
        f"/api/v1/tasks/{created.json['id']}", headers=world["hanna"], json={"status": "in_progress"}
    )
    status = client.get(f"/api/v1/reports/{report['id']}?secret={report['secret']}").json
    assert status["status"] == "in_progress"
    assert client.post("/api/v1/reports/987654/task", headers=world["office"], json={}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Task.report_id).where(Task.id == created.json["id"])) == report["id"]


def test_openapi_lists_the_quarter(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    for path, methods in {
        "/api/v1/areas": {"get", "post"},
        "/api/v1/tasks": {"get", "post"},
        "/api/v1/tasks/{task_id}": {"get", "patch"},
        "/api/v1/tasks/{task_id}/worklogs": {"post"},
        "/api/v1/reports": {"post"},
        "/api/v1/reports/{report_id}": {"get"},
        "/api/v1/reports/{report_id}/task": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
    assert paths["/api/v1/reports"]["post"]["x-roles"] == ["public"]
    assert "security" not in paths["/api/v1/reports"]["post"]
    assert paths["/api/v1/tasks"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "required"
    ] == ["area_id", "title"]
