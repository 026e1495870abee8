"""SQLite writers take turns on `<database>-writers` (rikscha.database.WriterQueue).

Each test uses a real SQLite file and an engine configured as the app's is; a second open file on
the lock file shows whether a writer holds its turn.
"""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from rikscha import database
from rikscha.database import WriterQueue, configure_engine, exclusive_writes

fcntl = pytest.importorskip("fcntl")


@pytest.fixture
def database_file(tmp_path):
    path = tmp_path / "writers.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # as the app sets it: readers beside a writer
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    return str(path)


def _engine(path: str):
    engine = create_engine(f"sqlite:///{path}")
    configure_engine(engine, ping_after_idle=60)
    return engine


def queue_is_free(path: str) -> bool:
    descriptor = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return True
    finally:
        os.close(descriptor)


def _count(path: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM notes").fetchone()[0]


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_writer_holds_its_turn_until_its_transaction_ends(database_file, end):
    engine = _engine(database_file)
    with exclusive_writes(), engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        assert not queue_is_free(database_file)
        getattr(transaction, end)()
        assert queue_is_free(database_file)
    assert _count(database_file) == (1 if end == "commit" else 0)
    engine.dispose()


def test_readers_and_deferred_transactions_do_not_queue(database_file):
    engine = _engine(database_file)
    with engine.connect() as connection:  # outside a request and exclusive_writes(): plain BEGIN
        with connection.begin():
            connection.execute(text("SELECT count(*) FROM notes")).scalar_one()
            assert queue_is_free(database_file)
    engine.dispose()


def test_a_closed_connection_gives_up_its_turn(database_file):
    engine = _engine(database_file)
    with exclusive_writes(), engine.connect() as connection:
        connection.begin()
        connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        connection.invalidate()  # the DBAPI connection is closed, its transaction lost
        assert queue_is_free(database_file)
    assert _count(database_file) == 0
    engine.dispose()


def test_a_writer_that_cannot_begin_gives_up_its_turn(database_file, monkeypatch):
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 50)
    engine = _engine(database_file)
    other_program = sqlite3.connect(database_file, isolation_level=None)
    other_program.execute("BEGIN IMMEDIATE")  # holds SQLite's write lock without queueing
    try:
        with exclusive_writes(), engine.connect() as connection:
            with pytest.raises(OperationalError, match="locked"):
                connection.begin()
            assert queue_is_free(database_file)
    finally:
        other_program.rollback()
        other_program.close()
    engine.dispose()


def test_a_writer_whose_turn_never_comes_still_writes_once_sqlite_lets_it(database_file, monkeypatch):
    """A stuck lock file costs at most the busy timeout, never a hang."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 50)
    engine = _engine(database_file)
    stuck = os.open(f"{database_file}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(stuck, fcntl.LOCK_EX)
    try:
        with exclusive_writes(), engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
    finally:
        os.close(stuck)
    assert _count(database_file) == 1
    engine.dispose()


@pytest.mark.parametrize("database_name", [None, "", ":memory:", "file:plans?mode=memory&cache=shared"])
def test_databases_without_a_file_of_their_own_have_no_queue(database_name):
    assert WriterQueue.for_database(database_name) is None


def test_the_lock_file_lies_next_to_the_database(tmp_path):
    assert WriterQueue.for_database(str(tmp_path / "app.sqlite3")).path == str(
        tmp_path / "app.sqlite3-writers"
    )


def test_without_a_place_for_the_lock_file_writers_still_write(database_file):
    os.symlink("/nonexistent-rikscha-directory/writers", f"{database_file}-writers")
    engine = _engine(database_file)
    with exclusive_writes(), engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
    assert _count(database_file) == 1
    engine.dispose()
