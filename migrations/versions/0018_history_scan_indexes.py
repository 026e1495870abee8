"""indexes for the statements that read a whole growing table on SQLite without statistics

Revision ID: 0018_history_scan_indexes
Revises: 0017_driver_report_index
Create Date: 2026-11-21 22:30:00

The app never runs ANALYZE, so SQLite plans by the schema alone. Without these it read every row
ever written of: defect reports (the fleet overview's open defects), problem reports and
maintenance records (the month report's counts of a month), rickshaw blocks (every booking's and
free-times' plan of a day). tests/query_plans.py checks the key pages and bookings for such reads.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_history_scan_indexes'
down_revision = '0017_driver_report_index'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_defect_reports_open_order', 'defect_reports', ['cleared_at', 'severity', 'reported_at']),
    ('ix_problem_reports_created_status_closed', 'problem_reports', ['created_at', 'status', 'closed_at']),
    ('ix_maintenance_records_at_kind_cost', 'maintenance_records', ['performed_at', 'kind', 'cost']),
    ('ix_rickshaw_blocks_end', 'rickshaw_blocks', ['end_at']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
