"""SQL for the time between two UTC timestamp columns, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Float, Integer, cast, extract, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """Seconds from the first to the second timestamp, on SQLite and PostgreSQL."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_between_postgresql(element, compiler, **kw):
    start, end = list(element.clauses)
    return compiler.process(extract("epoch", end - start), **kw)


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    # SQLite stores UTC as text; unixepoch() and strftime('%s') both give whole seconds since the
    # epoch (fractions cut off). unixepoch() (SQLite 3.38+) skips the detour through text, which
    # makes a period's sum of ride durations several times cheaper.
    start, end = list(element.clauses)
    if (compiler.dialect.server_version_info or (0,)) >= (3, 38):
        epoch = func.unixepoch
    else:
        epoch = lambda column: cast(func.strftime("%s", column), Integer)  # noqa: E731
    # In parentheses: a FunctionElement is used like one value (… / 60 must divide the difference).
    return f"({compiler.process(epoch(end) - epoch(start), **kw)})"


class total_seconds(FunctionElement):  # noqa: N801 - reads like the SQL aggregate it stands for
    """The sum over a group's rows of the seconds from the first to the second timestamp (NULL for none)."""

    type = Float()
    name = "total_seconds"
    inherit_cache = True


@compiles(total_seconds)
def _total_seconds_postgresql(element, compiler, **kw):
    # Adding up the intervals and converting the sum once is exact too, and much cheaper than
    # converting every row to a numeric number of seconds.
    start, end = list(element.clauses)
    return compiler.process(extract("epoch", func.sum(end - start)), **kw)


@compiles(total_seconds, "sqlite")
def _total_seconds_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return compiler.process(func.sum(seconds_between(start, end)), **kw)
