"""The lists of "Meine Fahrten": whose rides, which list, in which order, how many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rikscha.extensions import db
from rikscha.rides.managed_rides import PAST_RIDES_SHOWN, managed_ride_lists
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, make_user

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # Tuesday noon in Berlin
SLOT = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # a free Wednesday morning to book into


def _ride(rider, *, start, status="confirmed", destination="Zum Markt"):
    """A ride booked through the service, then moved to `start` with `status` (as history has it)."""
    ride = make_ride(rider=rider, start=SLOT, now=NOW - timedelta(days=40), destination_text=destination)
    moved = start - ride.start_at
    ride.start_at, ride.end_at = ride.start_at + moved, ride.end_at + moved
    ride.blocked_from, ride.blocked_until = ride.blocked_from + moved, ride.blocked_until + moved
    ride.status = status
    db.session.flush()
    return ride.id


@pytest.fixture
def world(app):
    with app.app_context():
        make_rickshaw()
        make_driver()
        resident = make_user(roles=("resident",))
        mine, also_mine = make_rider(name="Anna Eigen", manager=resident), make_rider(manager=resident)
        gone = make_rider(name="Greta Gelöscht", manager=resident)
        foreign = make_rider(name="Fritz Fremd")
        hour = timedelta(hours=1)
        days = [NOW - timedelta(days=d) for d in range(1, PAST_RIDES_SHOWN + 4)]
        ids = {
            "upcoming": [
                _ride(also_mine, start=NOW + 50 * hour),
                _ride(mine, start=NOW + 2 * hour),
                _ride(mine, start=NOW + 26 * hour),
            ],
            "cancelled_future": _ride(mine, start=NOW + 3 * hour, status="cancelled"),
            "started": _ride(mine, start=NOW - hour),  # confirmed, begun: no longer "upcoming"
            "history": [
                _ride(mine if n % 2 else also_mine, start=day, status="completed" if n % 3 else "no_show")
                for n, day in enumerate(days)
            ],
            "foreign": _ride(foreign, start=NOW + 5 * hour),
            "anonymised": _ride(gone, start=NOW + 8 * hour),
        }
        gone.anonymised_at = NOW
        db.session.commit()
        return {"resident": resident.id, **ids}


def test_upcoming_soonest_first_past_newest_first_and_only_the_latest(app, world):
    with app.app_context():
        lists = managed_ride_lists(world["resident"], office=False, now=NOW)
    upcoming = world["upcoming"]
    assert [ride.id for ride in lists.upcoming] == [upcoming[1], upcoming[2], upcoming[0]]
    assert lists.upcoming[0].rider_name == "Anna Eigen" and lists.upcoming[0].destination == "Zum Markt"
    # The cancelled future ride is the newest of the others, then the started one, then history.
    expected_past = [world["cancelled_future"], world["started"], *world["history"]][:PAST_RIDES_SHOWN]
    assert [ride.id for ride in lists.past] == expected_past
    assert [ride.status for ride in lists.past[:2]] == ["cancelled", "confirmed"]


def test_never_rides_of_riders_not_managed_or_anonymised(app, world):
    with app.app_context():
        lists = managed_ride_lists(world["resident"], office=False, now=NOW)
        stranger = make_user(roles=("resident",))
        db.session.commit()
        nothing = managed_ride_lists(stranger.id, office=False, now=NOW)
    shown = {ride.id for ride in lists.upcoming + lists.past}
    assert world["foreign"] not in shown and world["anonymised"] not in shown
    assert nothing.upcoming == [] and nothing.past == []


def test_the_office_lists_every_riders_rides(app, world):
    with app.app_context():
        lists = managed_ride_lists(world["resident"], office=True, now=NOW)
    upcoming = {ride.id for ride in lists.upcoming}
    assert world["foreign"] in upcoming and set(world["upcoming"]) <= upcoming
    assert world["anonymised"] not in upcoming
