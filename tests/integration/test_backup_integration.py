"""Backup while the app runs, restore into a fresh file, and start the app on it."""

from __future__ import annotations

import threading

from sqlalchemy import func, select, text

from rikscha import create_app
from rikscha.extensions import db
from tests.conftest import TEST_CONFIG, CsrfClient


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
        }


def test_backup_restore_round_trip(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    # Keep writing while the backup runs: the copy must still be consistent.
    stop = threading.Event()

    def writer():
        with app.app_context():
            while not stop.is_set():
                db.session.execute(
                    text("INSERT INTO login_failures (email, at) VALUES ('x@y.de', '2026-01-01')")
                )
                db.session.commit()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    again = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    assert again.exit_code != 0 and "exists already" in again.output

    # Restore (README): copy the backup to the database file the app is configured with.
    restored_file = tmp_path / "restored.sqlite3"
    restored_file.write_bytes((tmp_path / "copy.sqlite3").read_bytes())
    restored = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{restored_file}"})
    original = _counts(app)
    copy = _counts(restored)
    assert {k: v for k, v in copy.items() if k != "login_failures"} == {
        k: v for k, v in original.items() if k != "login_failures"
    }
    assert copy["users"] >= 4
    restored.test_client_class = CsrfClient
    client = restored.test_client()
    response = client.post(
        "/anmelden", data={"email": "koordination@example.org", "password": "rikscha-demo"}
    )
    assert response.status_code == 302  # the app starts on the restored file and the demo login works
    assert client.get("/koordination").status_code == 200
    with restored.app_context():
        db.engine.dispose()
