"""a report's task by index

Revision ID: 0019_task_report_index
Revises: 0018_history_scan_indexes
Create Date: 2026-11-21 23:00:00

The office's start page lists new problem reports: those no task was made from. Without an index
on tasks.report_id that question read every task ever made (7 ms for 50 000 tasks, twice per
page: the list and its count); so did the reports page's "has a task" and deleting a report
(ON DELETE SET NULL).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_task_report_index'
down_revision = '0018_history_scan_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tasks_report', 'tasks', ['report_id'])


def downgrade():
    op.drop_index('ix_tasks_report', table_name='tasks')
