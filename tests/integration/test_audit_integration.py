"""The audit trail page: coordinators filter it; nobody can change it from the app."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_databases


def test_audit_lists_and_filters_events(client, make_user, login):
    coordinator = make_user(roles=("coordinator",), name="Kora")
    login(coordinator)
    client.post(
        "/verwaltung/personen/neu",
        data={"name": "Neu", "email": "neu@example.org", "roles": ["driver"], "active": "y"},
    )
    page = client.get("/verwaltung/protokoll").get_data(as_text=True)
    assert "Kora" in page and "user" in page and "create" in page
    page = client.get("/verwaltung/protokoll?entity=ride").get_data(as_text=True)
    assert "Keine Einträge" in page
    page = client.get("/verwaltung/protokoll?actor=kora&start=2000-01-01").get_data(as_text=True)
    assert "Kora" in page
    assert client.get("/verwaltung/protokoll?entity_id=abc").status_code == 200  # invalid filter: no 500


def test_audit_has_no_write_routes(app):
    methods = {m for rule in app.url_map.iter_rules() if "protokoll" in rule.rule for m in rule.methods}
    assert methods <= {"GET", "HEAD", "OPTIONS"}
