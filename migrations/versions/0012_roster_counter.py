"""roster counter: writes to drivers' hours, absences, qualifications and accounts bump a second row

Revision ID: 0012_roster_counter
Revises: 0011_completed_rides_index
Create Date: 2026-11-21 11:40:00

"""
from alembic import op

from rikscha.rides.plan_cache import trigger_statements

# Frozen here, as in 0010: a later change to the watched tables gets its own migration.
TABLES = (
    "rides", "rickshaws", "rickshaw_blocks", "maintenance_records", "defect_reports", "driver_availability",
    "driver_absences", "driver_profiles", "driver_qualifications", "users", "user_roles", "booking_settings",
)
ROSTER_TABLES = (
    "driver_availability", "driver_absences", "driver_profiles", "driver_qualifications", "users", "user_roles",
)

# revision identifiers, used by Alembic.
revision = '0012_roster_counter'
down_revision = '0011_completed_rides_index'
branch_labels = None
depends_on = None


def upgrade():
    # Every trigger is made anew: on PostgreSQL the function now bumps the counters its trigger names.
    dialect = op.get_bind().dialect.name
    for statement in trigger_statements(dialect, TABLES, ROSTER_TABLES):
        op.execute(statement)
    if dialect == "postgresql":
        op.execute(
            "INSERT INTO planning_changes (id, epoch, version) VALUES (2, md5(random()::text), 0) "
            "ON CONFLICT (id) DO NOTHING"
        )
    else:
        op.execute(
            "INSERT OR IGNORE INTO planning_changes (id, epoch, version) VALUES (2, lower(hex(randomblob(8))), 0)"
        )


def downgrade():
    for statement in trigger_statements(op.get_bind().dialect.name, TABLES, roster_tables=()):
        op.execute(statement)
    op.execute("DELETE FROM planning_changes WHERE id = 2")
