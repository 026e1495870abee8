"""a rickshaw's rides by start

Revision ID: 0020_rickshaw_history_index
Revises: 0019_task_report_index
Create Date: 2026-11-22 02:45:00

A rickshaw's history page shows its newest entries a page at a time. Without an index on
(rickshaw_id, start_at) each page sorted every ride the rickshaw ever had (4 000 in the
benchmark's two years).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020_rickshaw_history_index'
down_revision = '0019_task_report_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_rides_rickshaw_start', 'rides', ['rickshaw_id', 'start_at'])


def downgrade():
    op.drop_index('ix_rides_rickshaw_start', table_name='rides')
