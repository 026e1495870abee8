"""`flask --app wsgi rounds generate`: create the rounds' tasks ahead of time (run it daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from rikscha.database import exclusive_writes, utcnow
from rikscha.extensions import db
from rikscha.quarter.rounds import HORIZON_DAYS, generate_all, local_today

rounds_cli = AppGroup("rounds", help="Recurring rounds of the quarter caretakers.")


@rounds_cli.command("generate")
@click.option(
    "--days",
    default=HORIZON_DAYS,
    show_default=True,
    type=click.IntRange(1, 366),
    help="Create tasks up to this many days ahead.",
)
def rounds_generate(days: int):
    """Create every active round's missing tasks; running it twice (or at once) creates nothing twice."""
    today = local_today(utcnow())
    with exclusive_writes():
        count, created = generate_all(today=today, horizon_days=days)
        db.session.commit()
    click.echo(f"{count} rounds checked, {created} tasks created (up to {days} days ahead).")
