"""Unique names and e-mail addresses under simultaneous requests: the database has the last word.

Services check first that a name is free, to answer with a clear message. Two requests can still
both find it free and both save it – a double click on "Registrieren" does it, since hashing the
password takes a moment between the check and the insert. The unique constraint then refuses the
second row; `saved_unless_taken` turns that refusal into the same error the check raises, instead
of a 500, and leaves the transaction usable.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from rikscha.extensions import db

_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def is_unique_violation(error: IntegrityError) -> bool:
    reason = error.orig
    return getattr(reason, "sqlstate", None) == _UNIQUE_VIOLATION or str(reason).startswith(
        "UNIQUE constraint failed"  # SQLite
    )


@contextmanager
def saved_unless_taken(conflict: Exception):
    """Flush what the block adds or changes, in a savepoint; a unique value raises `conflict`.

    The savepoint begins when the block does (SQLAlchemy flushes what is pending before it), so
    make the changes inside the block. Any other integrity error is raised as it is.
    """
    savepoint = db.session.begin_nested()
    try:
        yield
        db.session.flush()
    except IntegrityError as error:
        savepoint.rollback()
        if not is_unique_violation(error):
            raise
        raise conflict from error
    except BaseException:  # a rule the block found broken: nothing of it stays
        savepoint.rollback()
        raise
    savepoint.commit()
