"""`flask --app wsgi privacy purge`: the retention job (anonymise inactive riders, delete old photos)."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from rikscha.database import exclusive_writes, utcnow
from rikscha.extensions import db

privacy_cli = AppGroup("privacy", help="Privacy: retention of riders' data and photos.")


def _configured(name: str, default: int | None) -> int | None:
    value = current_app.config.get(name, os.environ.get(name))
    return int(value) if value not in (None, "") else default


@privacy_cli.command("purge")
@click.option(
    "--months",
    type=click.IntRange(1, 600),
    default=None,
    help="Anonymise riders without a ride for this many months (default: RIKSCHA_RETENTION_MONTHS or 24).",
)
@click.option(
    "--photo-days",
    type=click.IntRange(1, 36500),
    default=None,
    help="Delete photos of closed reports, tasks, work logs and cleared defects older than this "
    "many days (default: RIKSCHA_PHOTO_RETENTION_DAYS, else 24 months).",
)
def privacy_purge(months: int | None, photo_days: int | None):
    """Anonymise inactive riders and delete old photos. Safe to run daily: a second run changes nothing."""
    from rikscha.rides.privacy import (
        DEFAULT_RETENTION_MONTHS,
        delete_photo_files,
        photo_cutoff,
        purge_inactive_riders,
        purge_old_photos,
    )

    months = months or _configured("RIKSCHA_RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS)
    photo_days = photo_days or _configured("RIKSCHA_PHOTO_RETENTION_DAYS", None)
    now = utcnow()
    with exclusive_writes():
        # One transaction per rider: a long run never holds the write lock for long.
        riders = purge_inactive_riders(now, months, after_each=db.session.commit)
        db.session.commit()
        photos = purge_old_photos(now, cutoff=photo_cutoff(now, days=photo_days))
        db.session.commit()
    # Files go only after the commit: a failed commit must not leave rows pointing at nothing.
    files = delete_photo_files(photos.files)
    click.echo(f"{riders} riders anonymised (no ride for {months} months).")
    click.echo(f"{photos.rows} photo entries cleared, {files} photo files deleted.")
