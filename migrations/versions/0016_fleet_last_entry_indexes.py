"""indexes that end in the id, for a rickshaw's last inspection and last charge

Revision ID: 0016_fleet_last_entry_indexes
Revises: 0015_task_card_indexes
Create Date: 2026-11-21 20:10:00

The fleet overview asks for each rickshaw's latest entry ordered by time and then by id (two
entries may share a time). Without the id in the index PostgreSQL sorted each rickshaw's entries
again. Both replace the index they extend.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016_fleet_last_entry_indexes'
down_revision = '0015_task_card_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_maintenance_records_rickshaw_at_id', 'maintenance_records', ['rickshaw_id', 'performed_at', 'id']
    )
    op.drop_index('ix_maintenance_records_rickshaw_at', table_name='maintenance_records')
    op.create_index(
        'ix_charging_sessions_rickshaw_start_id', 'charging_sessions', ['rickshaw_id', 'start_at', 'id']
    )
    op.drop_index('ix_charging_sessions_rickshaw_start', table_name='charging_sessions')


def downgrade():
    op.create_index('ix_charging_sessions_rickshaw_start', 'charging_sessions', ['rickshaw_id', 'start_at'])
    op.drop_index('ix_charging_sessions_rickshaw_start_id', table_name='charging_sessions')
    op.create_index('ix_maintenance_records_rickshaw_at', 'maintenance_records', ['rickshaw_id', 'performed_at'])
    op.drop_index('ix_maintenance_records_rickshaw_at_id', table_name='maintenance_records')
