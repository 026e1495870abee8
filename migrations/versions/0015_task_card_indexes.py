"""indexes that answer a caretaker's task list from the index alone

Revision ID: 0015_task_card_indexes
Revises: 0014_token_counter
Create Date: 2026-11-21 16:20:00

Both replace an index they extend: (status, due_date) gains the columns of a task card, and
task_assignees' (user_id) gains task_id.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015_task_card_indexes'
down_revision = '0014_token_counter'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_tasks_status_due_card', 'tasks', ['status', 'due_date', 'area_id', 'priority', 'id', 'title']
    )
    op.drop_index('ix_tasks_status_due', table_name='tasks')
    op.create_index('ix_task_assignees_user_task', 'task_assignees', ['user_id', 'task_id'])
    op.drop_index('ix_task_assignees_user_id', table_name='task_assignees')


def downgrade():
    op.create_index('ix_task_assignees_user_id', 'task_assignees', ['user_id'])
    op.drop_index('ix_task_assignees_user_task', table_name='task_assignees')
    op.create_index('ix_tasks_status_due', 'tasks', ['status', 'due_date'])
    op.drop_index('ix_tasks_status_due_card', table_name='tasks')
