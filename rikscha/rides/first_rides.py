"""Each rider's first completed ride, kept on the rider row by the database.

The funders' report counts "new riders": riders whose first completed ride ever lies in the
period. Finding that from the rides means one look into each rider's history per rider reached
(15–25 ms a month on the benchmark's data, growing with the riders). `riders.first_ride_at` makes
it one indexed count. Database triggers keep it, so it stays right whoever writes the rides (this
app, a bulk load, a script) and whatever changes: a ride completed, an outcome corrected, a ride
moved or deleted.

- A completed ride inserted: the rider's value becomes the earlier of the two.
- A ride whose old or new row is completed is updated or deleted: the rider's value is computed
  again from the rider's completed rides (the partial index ix_rides_completed_rider_start).
  Bookings, moves and cancellations of rides that were never completed do not fire at all.

On PostgreSQL the recomputation first locks the rider row, and runs as a separate statement: a
plpgsql statement sees what committed before it started, so two transactions correcting rides
of the same rider in parallel each count the other's committed change.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from rikscha.extensions import db
from rikscha.sql_triggers import sqlite_trigger

COMPLETED = "completed"  # RideStatus.COMPLETED, written into the triggers

_RECOMPUTE = (
    "UPDATE riders SET first_ride_at = (SELECT min(start_at) FROM rides "
    f"WHERE rides.rider_id = riders.id AND rides.status = '{COMPLETED}') WHERE riders.id IN ({{riders}})"
)
_EARLIER = (
    "UPDATE riders SET first_ride_at = NEW.start_at WHERE riders.id = NEW.rider_id "
    "AND (riders.first_ride_at IS NULL OR riders.first_ride_at > NEW.start_at)"
)
_WHEN = {
    "insert": f"NEW.status = '{COMPLETED}'",
    "update": f"OLD.status = '{COMPLETED}' OR NEW.status = '{COMPLETED}'",
    "delete": f"OLD.status = '{COMPLETED}'",
}
# Only these columns decide the value; edits to notes, needs or the driver do not fire.
_UPDATE_OF = "UPDATE OF status, start_at, rider_id"


def _postgres_function() -> str:
    # NEW is NULL in a DELETE trigger, so "OLD.rider_id, NEW.rider_id" serves all three.
    riders = "OLD.rider_id, NEW.rider_id"
    return (
        "CREATE OR REPLACE FUNCTION rikscha_first_ride() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_EARLIER}; RETURN NULL; END IF; "
        f"PERFORM 1 FROM riders WHERE id IN ({riders}) ORDER BY id FOR UPDATE; "
        f"{_RECOMPUTE.format(riders=riders)}; RETURN NULL; END $$"
    )


_EVENTS = {"insert": "INSERT", "update": _UPDATE_OF, "delete": "DELETE"}


def first_ride_trigger_statements(dialect: str) -> list[str]:
    """DDL for the triggers (used by migration 0013 and by create_all)."""
    if dialect == "postgresql":
        statements = [_postgres_function()]
        for operation, event_sql in _EVENTS.items():
            name = f"trg_first_ride_{operation}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON rides",
                f"CREATE TRIGGER {name} AFTER {event_sql} ON rides FOR EACH ROW "
                f"WHEN ({_WHEN[operation]}) EXECUTE FUNCTION rikscha_first_ride()",
            ]
        return statements
    bodies = {
        "insert": _EARLIER,
        "update": _RECOMPUTE.format(riders="OLD.rider_id, NEW.rider_id"),
        "delete": _RECOMPUTE.format(riders="OLD.rider_id"),
    }
    return [
        statement
        for operation, event_sql in _EVENTS.items()
        for statement in sqlite_trigger(
            f"trg_first_ride_{operation}", event_sql, "rides", bodies[operation], when=_WHEN[operation]
        )
    ]


def drop_first_ride_trigger_statements(dialect: str) -> list[str]:
    names = [f"trg_first_ride_{operation}" for operation in _WHEN]
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON rides" for name in names] + [
            "DROP FUNCTION IF EXISTS rikscha_first_ride()"
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


# Fills the column for data written before the triggers existed (migration 0013).
BACKFILL = _RECOMPUTE.replace(" WHERE riders.id IN ({riders})", "")


@event.listens_for(db.metadata, "after_create")
def _create_triggers(_metadata, connection: Connection, **_kw) -> None:
    """Schemas made by create_all (tests, first start without migrations) get the triggers too."""
    for statement in first_ride_trigger_statements(connection.dialect.name):
        connection.execute(text(statement))
