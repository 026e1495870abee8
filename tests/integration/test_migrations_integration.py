"""Migrations build the schema from empty to head, and it matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from rikscha import create_app
from rikscha.extensions import db
from rikscha.reports.changes import report_trigger_names
from rikscha.rides.plan_cache import COUNTED_TABLES
from tests.conftest import TEST_CONFIG


@pytest.fixture
def empty_database(db_backend, tmp_path, request):
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    import uuid

    import psycopg

    from tests.services import POSTGRES_ADMIN_URL

    request.getfixturevalue("postgres_url")  # skips or fails cleanly without a server
    name = f"rikscha_migr_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def triggers(engine) -> set[str]:
    if engine.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'trg_%'"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'trg_%'"
    with engine.connect() as connection:
        return set(connection.scalars(text(query)))


def expected_triggers(dialect: str) -> set[str]:
    operations = ("insert", "update", "delete")
    others = {f"trg_first_ride_{op}" for op in operations} | report_trigger_names()
    if dialect == "postgresql":
        return {f"trg_planning_{table}" for table in COUNTED_TABLES} | others
    return {f"trg_planning_{table}_{op}" for table in COUNTED_TABLES for op in operations} | others


@pytest.mark.both_databases
def test_upgrade_from_empty_matches_models_and_downgrades(empty_database):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        # A migration that rebuilds a table (SQLite batch mode) would drop its triggers silently.
        assert triggers(db.engine) == expected_triggers(db.engine.dialect.name)
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()
        db.engine.dispose()


@pytest.mark.both_databases
def test_cli_db_upgrade_then_demo(empty_database):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() >= 4
    engine.dispose()
    with app.app_context():
        db.engine.dispose()
