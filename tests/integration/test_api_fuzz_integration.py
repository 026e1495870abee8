"""Every operation of the API's OpenAPI document, with values nobody sends, as the office and a resident: no 500.

Each query parameter and each property of a JSON body gets each value of its list in turn (the
other properties left out), path ids name demo records, and a few bodies are not objects at all.
Any answer is fine except an error of the server. The bodies reach the same forms and services as
the pages; tests/integration/test_form_fuzz_integration.py does the same for every HTML form.
"""

from __future__ import annotations

import re

import pytest

from rikscha.auth.models import User
from rikscha.database import utcnow
from rikscha.demo import load_demo
from rikscha.extensions import db
from tests.factories import make_token

QUERY_VALUES = ("", "-1", "99999999999999999999", "9999-12-31", "x" * 600, "a\x00b")
BODY_VALUES = (
    None,
    True,
    -1,
    10**20,
    1.5e308,
    "",
    "ü" * 3000,
    "2026-02-30",
    [],
    [1, "x"],
    {"place_id": 10**20},
    "a\x00b",
)
NOT_OBJECTS = ("null", '"x"', "5", "[]", "[{}]", "{", "\xff", "[" * 100_000)


@pytest.fixture
def api(app):
    """The demo data and a bearer token for the office and for a resident."""
    with app.app_context():
        load_demo(utcnow())
        tokens = {
            email: make_token(db.session.scalar(db.select(User).where(User.email == email)))
            for email in ("koordination@example.org", "bewohner@example.org")
        }
        db.session.commit()
    return tokens


def _operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            url = path if path.startswith("/api/") else "/api/v1" + path
            query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
            schema = (
                operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            )
            yield (
                method.upper(),
                re.sub(r"\{[^}]+\}", "1", url),
                query,
                list((schema or {}).get("properties", {})),
            )


def _requests(method: str, url: str, query: list[str], properties: list[str]):
    for name in query:
        for value in QUERY_VALUES:
            yield {"query_string": {name: value}}
    for name in properties:
        for value in BODY_VALUES:
            yield {"json": {name: value}}
    if method != "GET":
        for raw in NOT_OBJECTS:
            yield {"data": raw.encode("utf-8", "surrogatepass"), "content_type": "application/json"}


@pytest.mark.both_databases
@pytest.mark.parametrize("email", ["koordination@example.org", "bewohner@example.org"])
def test_every_api_operation_survives_values_nobody_sends(app, client, api, email):
    headers = {"Authorization": f"Bearer {api[email]}"}
    operations = list(_operations(client))
    assert len(operations) > 30
    for method, url, query, properties in operations:
        for request in _requests(method, url, query, properties):
            try:
                response = client.open(url, method=method, headers=headers, **request)
            except Exception as error:  # noqa: BLE001 - re-raised with the request that caused it
                raise AssertionError(f"{method} {url} {request!r:.300}") from error
            assert response.status_code < 500, f"{method} {url} {request!r:.300}: {response.status_code}"
