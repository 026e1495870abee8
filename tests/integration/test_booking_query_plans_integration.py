"""A booking's cost does not grow with history: each of its statements finds rows by an index.

SQLite's own plans (EXPLAIN QUERY PLAN) for every statement of a booking through the API (see
tests/query_plans.py for why SQLite's and why small data suffices).
"""

from __future__ import annotations

import pytest

from tests.integration import test_api_rides_integration as rides_api_tests
from tests.query_plans import recorded, whole_reads

# The rides API's test world (two rickshaws, drivers, residents with riders, the office).
clock, world = rides_api_tests.clock, rides_api_tests.world


@pytest.mark.parametrize("booker, rider", [("office", "frieda"), ("anna", "berta")])
def test_no_statement_of_a_booking_reads_a_growing_table_whole(app, client, world, booker, rider):
    with recorded(app) as statements:
        response = rides_api_tests.book(client, world.token[booker], rider_id=getattr(world, rider))
    assert response.status_code == 201, response.get_json()
    assert any("rider_managers" in statement for statement in statements)  # the rider's check ran
    assert whole_reads(app, statements) == []
