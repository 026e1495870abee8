"""Delivering the outbox: day-before reminders, then due e-mails by SMTP (or to the log)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app
from sqlalchemy import select, text

from rikscha.database import exclusive_writes
from rikscha.extensions import db
from rikscha.notifications.models import OutboxMessage
from rikscha.notifications.services import notify_ride

log = logging.getLogger("rikscha.mail")

MAX_ATTEMPTS = 5
# Any number, the same in every process: serialises reminder queueing on PostgreSQL.
_REMINDER_LOCK = 0x52494B52


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def queue_reminders(now: datetime) -> int:
    """Queue a reminder for every active ride starting tomorrow (office's local day) that has none.

    Check and insert must not interleave between two runs: the caller holds SQLite's write lock
    (exclusive_writes); on PostgreSQL a transaction-level advisory lock does the same.
    """
    from rikscha.rides.models import ACTIVE_STATUSES, Ride
    from rikscha.rides.settings import office_zone
    from rikscha.scheduling import local_day_bounds

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REMINDER_LOCK})
    tomorrow = now.astimezone(office_zone()).date() + timedelta(days=1)
    bounds = local_day_bounds(tomorrow, office_zone())
    reminded = select(OutboxMessage.id).where(
        OutboxMessage.ride_id == Ride.id, OutboxMessage.kind == "reminder"
    )
    rides = db.session.scalars(
        select(Ride)
        .where(
            Ride.status.in_(ACTIVE_STATUSES),
            Ride.start_at >= bounds.start,
            Ride.start_at < bounds.end,
            ~reminded.exists(),
        )
        .order_by(Ride.start_at, Ride.id)
    ).all()
    for ride in rides:
        notify_ride(ride, "reminder", now=now)
    db.session.flush()
    return len(rides)


def build_email(message: OutboxMessage) -> EmailMessage:
    """Plain text; the .ics (if any) as a text/calendar attachment with its METHOD."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = formataddr((config["RIKSCHA_OFFICE_NAME"], config["MAIL_FROM"]))
    email["To"] = formataddr((message.recipient_name, message.recipient))
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = make_msgid(
        idstring=f"outbox-{message.id}", domain=config["MAIL_FROM"].rpartition("@")[2]
    )
    # Quoted-printable: readable, and safe on servers without 8BITMIME.
    email.set_content(message.body, cte="quoted-printable")
    if message.ics:
        method = next(
            (line.split(":", 1)[1] for line in message.ics.splitlines() if line.startswith("METHOD:")),
            "PUBLISH",
        )
        # As bytes, so that the CRLF line endings RFC 5545 requires survive unchanged.
        email.add_attachment(
            message.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="rikscha-fahrt.ics",
            params={"method": method, "charset": "utf-8"},
        )
    return email


def _readable(email: EmailMessage) -> str:
    """The e-mail as a person reads it: for the log in development."""
    lines = [f"{name}: {email[name]}" for name in ("From", "To", "Subject")]
    lines += ["", email.get_body(preferencelist=("plain",)).get_content().rstrip()]
    for part in email.iter_attachments():
        lines.append(
            f"[attachment: {part.get_filename()} ({part.get_content_type()}; method={part.get_param('method')})]"
        )
    return "\n".join(lines)


class _Transport:
    """SMTP when MAIL_SERVER is set (one connection, reopened after an error), else the log."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if not self.config["MAIL_SERVER"]:
            log.info("E-mail (no MAIL_SERVER configured, not sent):\n%s", _readable(email))
            return
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(email)
        except Exception:
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.config["MAIL_SERVER"], self.config["MAIL_PORT"], timeout=20)
        try:
            if self.config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if self.config["MAIL_USERNAME"]:
                smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
        except Exception:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _next_due(now: datetime, after_id: int) -> OutboxMessage | None:
    # SKIP LOCKED: a message another run is sending right now is left to that run (PostgreSQL);
    # SQLite ignores FOR UPDATE – there the caller holds the database's write lock.
    return db.session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == "email",
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.due_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
            OutboxMessage.id > after_id,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def deliver_due(now: datetime) -> DeliveryResult:
    """Send every due e-mail once, committing after each one (a job, not a service: it commits).

    Each message is locked, sent and marked in one transaction, so two runs at the same time never
    send the same message. A failure counts an attempt and keeps the error; the next run retries,
    up to MAX_ATTEMPTS.
    """
    db.session.commit()  # start each message in a fresh transaction (and take the lock there)
    result, after_id = DeliveryResult(), 0
    transport = _Transport(current_app.config)
    try:
        while True:
            with exclusive_writes():
                message = _next_due(now, after_id)
                if message is None:
                    db.session.rollback()
                    break
                after_id = message.id
                message.attempts += 1
                try:
                    transport.send(build_email(message))
                except Exception as error:  # noqa: BLE001 - any failure of one message must not stop the rest
                    message.last_error = f"{type(error).__name__}: {error}"[:500]
                    result.failed += 1
                    result.gave_up += message.attempts >= MAX_ATTEMPTS
                    log.warning(
                        "Sending outbox message %s failed (attempt %s): %s",
                        message.id,
                        message.attempts,
                        message.last_error,
                    )
                else:
                    message.sent_at = now
                    message.last_error = ""
                    result.sent += 1
                db.session.commit()
    finally:
        transport.close()
    return result
