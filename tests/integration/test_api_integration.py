"""The API base: bearer tokens, JSON errors, /me, /users and the OpenAPI document."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from rikscha.auth.models import ApiToken, User
from rikscha.extensions import db
from tests.factories import make_token

pytestmark = pytest.mark.both_databases


def _token(app, user) -> str:
    with app.app_context():
        plain = make_token(user)
        db.session.commit()
        return plain


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_me_with_a_token(app, client, make_user):
    user = make_user(roles=("driver", "caretaker"), name="Dora")
    response = client.get("/api/v1/me", headers=_bearer(_token(app, user)))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # bearer tokens only: the API keeps no session
    assert response.json == {
        "id": user.id,
        "email": user.email,
        "name": "Dora",
        "roles": ["caretaker", "driver"],
    }


def test_missing_or_bad_token_is_401_json(client, make_user, login):
    for headers in ({}, _bearer("rk_nonsense"), {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"
        assert response.json["error"]["message"]


def test_session_cookie_does_not_authenticate_the_api(client, make_user, login):
    login(make_user(roles=("coordinator",)))
    assert client.get("/api/v1/me").status_code == 401


def test_token_is_stored_hashed_and_revocable(app, client, make_user, login):
    user = make_user()
    login(user)
    client.post("/profil/schluessel", data={"label": "Tabelle"})
    page = client.get("/profil").get_data(as_text=True)
    plain = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page).group(1)
    assert "Tabelle" in page
    assert plain not in client.get("/profil").get_data(as_text=True)  # shown once only
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert plain not in (stored.token_hash, stored.prefix)
        token_id = stored.id
    assert client.get("/api/v1/me", headers=_bearer(plain)).status_code == 200
    client.post(f"/profil/schluessel/{token_id}/widerrufen")
    assert client.get("/api/v1/me", headers=_bearer(plain)).status_code == 401


def test_cannot_revoke_someone_elses_token(app, client, make_user, login):
    owner = make_user()
    plain = _token(app, owner)
    login(make_user())
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/profil/schluessel/{token_id}/widerrufen").status_code == 404
    assert client.get("/api/v1/me", headers=_bearer(plain)).status_code == 200


def test_deactivated_users_token_stops_working(app, client, make_user):
    user = make_user()
    plain = _token(app, user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(plain)).status_code == 401


def test_create_user_via_api(app, client, make_user):
    token = _token(app, make_user(roles=("coordinator",)))
    response = client.post(
        "/api/v1/users",
        headers=_bearer(token),
        json={
            "email": "API@example.org",
            "name": "Per API",
            "roles": ["driver"],
        },
    )
    assert response.status_code == 201
    body = response.json
    assert body["email"] == "api@example.org" and body["roles"] == ["driver"]
    assert len(body["temporary_password"]) >= 12
    again = client.post(
        "/api/v1/users",
        headers=_bearer(token),
        json={
            "email": "api@EXAMPLE.org",
            "name": "Nochmal",
            "roles": ["driver"],
        },
    )
    assert again.status_code == 409
    assert again.json["error"]["code"] == "email_taken"


def test_create_user_validation_errors(app, client, make_user):
    token = _token(app, make_user(roles=("coordinator",)))
    response = client.post("/api/v1/users", headers=_bearer(token), json={"email": "nope", "roles": ["king"]})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {"email", "name", "roles"}
    response = client.post(
        "/api/v1/users", headers=_bearer(token), data="not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"
    response = client.post("/api/v1/users", headers=_bearer(token), json=["a", "list"])
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_create_user_needs_coordinator(app, client, make_user):
    token = _token(app, make_user(roles=("driver",)))
    response = client.post(
        "/api/v1/users", headers=_bearer(token), json={"email": "a@b.de", "name": "A", "roles": ["driver"]}
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_api_404_and_405_are_json(client):
    assert client.get("/api/v1/nothing-here").json["error"]["code"] == "not_found"
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_openapi_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} missing from OpenAPI"
    create = document["paths"]["/api/v1/users"]["post"]
    assert (
        create["requestBody"]["content"]["application/json"]["schema"]["properties"]["roles"]["type"]
        == "array"
    )
