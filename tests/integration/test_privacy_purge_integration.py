"""The retention job: inactive riders are anonymised, old photos deleted; running it twice changes nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from rikscha.extensions import db
from rikscha.fleet.models import DefectReport
from rikscha.quarter.models import ProblemReport, Task, WorkLog
from rikscha.rides.models import Ride, Rider
from rikscha.rides.privacy import photo_cutoff, purge_inactive_riders, purge_old_photos
from rikscha.uploads import photo_path, store_photo
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LONG_AGO = datetime(2023, 1, 10, 8, 0, tzinfo=UTC)
OLD_RIDE = datetime(2024, 6, 4, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Berlin, 30 months before NOW
RECENT_RIDE = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)  # Tuesday, 18 months before NOW
OLD = NOW - timedelta(days=800)
RECENT = NOW - timedelta(days=30)


def _riders(app) -> dict:
    with app.app_context():
        make_rickshaw()
        make_driver()
        inactive = make_rider(name="Alte Akte", created_at=LONG_AGO, needs_note="geheim")
        make_ride(rider=inactive, start=OLD_RIDE)
        active = make_rider(name="Aktiv", created_at=LONG_AGO)
        make_ride(rider=active, start=RECENT_RIDE)
        newcomer = make_rider(name="Neu", created_at=NOW - timedelta(days=60))
        silent = make_rider(name="Nie gefahren", created_at=LONG_AGO)
        db.session.commit()
        return {"inactive": inactive.id, "active": active.id, "newcomer": newcomer.id, "silent": silent.id}


def _state(app) -> dict:
    with app.app_context():
        return {rider.id: (rider.name, rider.anonymised_at) for rider in db.session.scalars(select(Rider))}


def test_purge_anonymises_only_riders_without_recent_rides(app):
    ids = _riders(app)
    with app.app_context():
        assert purge_inactive_riders(NOW, 24, after_each=db.session.commit) == 2
        db.session.commit()
    state = _state(app)
    assert state[ids["inactive"]] == (f"Anonymisiert #{ids['inactive']}", NOW)
    assert state[ids["silent"]][1] == NOW
    assert state[ids["active"]] == ("Aktiv", None)
    assert state[ids["newcomer"]] == ("Neu", None)
    with app.app_context():
        ride = db.session.scalar(select(Ride).where(Ride.rider_id == ids["inactive"]))
        assert ride.start_at == OLD_RIDE and ride.pickup == ""
        # Run twice = same result.
        assert purge_inactive_riders(NOW + timedelta(days=1), 24, after_each=db.session.commit) == 0
    assert _state(app)[ids["inactive"]] == (f"Anonymisiert #{ids['inactive']}", NOW)


def test_shorter_retention_also_takes_the_recent_rider(app):
    ids = _riders(app)
    with app.app_context():
        assert purge_inactive_riders(NOW, 12) == 3
        db.session.commit()
    assert _state(app)[ids["active"]][1] == NOW
    assert _state(app)[ids["newcomer"]][1] is None


def _photo() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    buffer.seek(0)
    return store_photo(buffer)


def _photos(app) -> dict:
    from tests.integration.test_quarter_builders import make_area

    with app.app_context():
        names = {
            key: _photo()
            for key in ("report", "open_task", "defect", "open_defect", "worklog", "recent", "shared")
        }
        area = make_area()
        rickshaw = make_rickshaw()
        report = ProblemReport(
            text="Bank kaputt",
            photo=names["report"],
            secret_hash="a" * 64,
            status="done",
            closed_at=OLD,
            created_at=OLD,
        )
        shared = ProblemReport(
            text="Schaukel",
            photo=names["shared"],
            secret_hash="b" * 64,
            status="done",
            closed_at=OLD,
            created_at=OLD,
        )
        recent = ProblemReport(
            text="Müll",
            photo=names["recent"],
            secret_hash="c" * 64,
            status="done",
            closed_at=RECENT,
            created_at=RECENT,
        )
        db.session.add_all([report, shared, recent])
        db.session.flush()
        done = Task(
            area=area,
            title="Bank",
            status="done",
            photo=names["report"],
            report_id=report.id,
            created_at=OLD,
            done_at=OLD,
        )
        still_open = Task(area=area, title="Schaukel", status="open", photo=names["shared"], created_at=OLD)
        db.session.add_all([done, still_open])
        db.session.flush()
        db.session.add(WorkLog(task=done, minutes=30, logged_at=OLD, photos=[names["worklog"]]))
        db.session.add(
            DefectReport(
                rickshaw_id=rickshaw.id,
                severity="minor",
                description="Klingel",
                photo=names["defect"],
                reported_at=OLD,
                cleared_at=OLD,
            )
        )
        db.session.add(
            DefectReport(
                rickshaw_id=rickshaw.id,
                severity="minor",
                description="Licht",
                photo=names["open_defect"],
                reported_at=OLD,
            )
        )
        db.session.commit()
        return {"names": names, "done": done.id, "open": still_open.id}


def _purge(app, days=None):
    with app.app_context():
        result = purge_old_photos(NOW, cutoff=photo_cutoff(NOW, days=days))
        db.session.commit()
        for name in result.files:
            path = photo_path(name)
            path.unlink()
        return result


def test_old_photos_of_closed_records_are_deleted_and_columns_cleared(app):
    made = _photos(app)
    names = made["names"]
    result = _purge(app)
    assert result.rows == 5  # report, shared report, done task, defect, work log
    assert sorted(result.files) == sorted([names["report"], names["defect"], names["worklog"]])
    with app.app_context():
        for key in ("report", "defect", "worklog"):
            assert photo_path(names[key]) is None
        for key in ("open_task", "open_defect", "recent", "shared"):
            assert photo_path(names[key]) is not None
        assert db.session.get(Task, made["done"]).photo is None
        assert db.session.get(Task, made["open"]).photo == names["shared"]
        assert db.session.scalar(select(WorkLog)).photos == []
        photos = set(db.session.scalars(select(ProblemReport.photo)))
        assert photos == {None, names["recent"]}
        assert set(db.session.scalars(select(DefectReport.photo))) == {None, names["open_defect"]}
    again = _purge(app)
    assert (again.rows, again.files) == (0, [])


def test_photo_days_option_takes_recent_photos_too(app):
    names = _photos(app)["names"]
    result = _purge(app, days=7)
    assert names["recent"] in result.files


def test_cli_prints_counts_and_is_idempotent(app, tmp_path):
    ids = _riders(app)
    _photos(app)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["privacy", "purge"])
    assert first.exit_code == 0, first.output
    # The real clock: both 2023 riders are long inactive, the 2025 one is within 24 months.
    assert "riders anonymised (no ride for 24 months)" in first.output
    assert "photo files deleted" in first.output
    second = runner.invoke(args=["privacy", "purge"])
    assert (
        "0 riders anonymised" in second.output
        and "0 photo entries cleared, 0 photo files deleted" in second.output
    )
    assert _state(app)[ids["inactive"]][1] is not None
    assert runner.invoke(args=["privacy", "purge", "--months", "0"]).exit_code != 0
