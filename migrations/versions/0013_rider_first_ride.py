"""riders.first_ride_at, kept by triggers on rides (new riders in the report: one indexed count)

Revision ID: 0013_rider_first_ride
Revises: 0012_roster_counter
Create Date: 2026-11-21 14:10:00

"""
from alembic import op
import sqlalchemy as sa

import rikscha.database  # noqa: F401  (custom column types)
from rikscha.rides.first_rides import BACKFILL, drop_first_ride_trigger_statements, first_ride_trigger_statements

# revision identifiers, used by Alembic.
revision = '0013_rider_first_ride'
down_revision = '0012_roster_counter'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('riders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_ride_at', rikscha.database.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_riders_first_ride_at'), ['first_ride_at'], unique=False)
    op.execute(BACKFILL)
    for statement in first_ride_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in drop_first_ride_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('riders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_riders_first_ride_at'))
        batch_op.drop_column('first_ride_at')
