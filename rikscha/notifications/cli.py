"""`flask --app wsgi notifications send`: queue tomorrow's reminders, deliver due e-mails."""

from __future__ import annotations

import logging

import click
from flask.cli import AppGroup

from rikscha.database import exclusive_writes, utcnow
from rikscha.extensions import db

notifications_cli = AppGroup("notifications", help="Deliver queued notifications.")


def _show_mail_log() -> None:
    """Without an SMTP server the mails go to the log: make sure this command shows them."""
    from rikscha.notifications.delivery import log

    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    if not log.handlers and not logging.getLogger().handlers:
        log.addHandler(logging.StreamHandler())


@notifications_cli.command("send")
def send_command():
    """Queue the day-before reminders, then send every due e-mail (safe to run twice or in parallel)."""
    from rikscha.notifications.delivery import deliver_due, queue_reminders

    _show_mail_log()
    now = utcnow()
    with exclusive_writes():
        queued = queue_reminders(now)
        db.session.commit()
    result = deliver_due(now)
    click.echo(
        f"Sent: {result.sent}, failed: {result.failed} (given up: {result.gave_up}), "
        f"reminders queued: {queued}"
    )
