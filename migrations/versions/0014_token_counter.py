"""writes to api_tokens bump the roster counter (the accounts cache keys on it)

Revision ID: 0014_token_counter
Revises: 0013_rider_first_ride
Create Date: 2026-11-21 14:05:00

"""
from alembic import op

from rikscha.rides.plan_cache import trigger_statements

# Frozen here, as in 0010 and 0012.
TABLES = ("api_tokens",)

# revision identifiers, used by Alembic.
revision = '0014_token_counter'
down_revision = '0013_rider_first_ride'
branch_labels = None
depends_on = None


def upgrade():
    # The roster counter only: no plan reads tokens.
    for statement in trigger_statements(op.get_bind().dialect.name, TABLES, TABLES, planning_tables=()):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_planning_api_tokens ON api_tokens")
        return
    for operation in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_planning_api_tokens_{operation}")
