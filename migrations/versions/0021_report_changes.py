"""counters of changes to the past per month, kept by triggers, for cached reports of closed periods

Revision ID: 0021_report_changes
Revises: 0020_rickshaw_history_index
Create Date: 2026-11-22 05:10:00

A funders' report for a closed period is kept per process (rikscha.reports.cache) under the
versions of these counters; the triggers count every write that could change such a report,
whoever writes (see rikscha.reports.changes).
"""
from alembic import op
import sqlalchemy as sa

from rikscha.reports.changes import (
    drop_report_trigger_statements,
    initial_row_statement,
    report_trigger_statements,
)

# revision identifiers, used by Alembic.
revision = '0021_report_changes'
down_revision = '0020_rickshaw_history_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_changes',
        sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('epoch', sa.String(length=32), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_report_changes')),
    )
    dialect = op.get_bind().dialect.name
    op.execute(initial_row_statement(dialect))
    for statement in report_trigger_statements(dialect):
        op.execute(statement)


def downgrade():
    for statement in drop_report_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('report_changes')
