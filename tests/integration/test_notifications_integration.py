"""`flask notifications send`: reminders, SMTP delivery to a real (tiny) server, retries, no doubles."""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import socketserver
import threading
import time as clock
from datetime import UTC, date, datetime, timedelta
from datetime import time as daytime

import pytest
from sqlalchemy import func, select

from rikscha.extensions import db
from rikscha.notifications.models import OutboxMessage
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # Tuesday 18:00 in Berlin


def berlin(day: date, hour: int) -> datetime:
    return datetime.combine(day, daytime(hour), tzinfo=UTC) - timedelta(hours=1)


TOMORROW = date(2026, 12, 2)


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server, sender, recipients = self.server, None, []
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-test\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n")
            elif verb == "AUTH":
                server.logins.append(base64.b64decode(command.split()[2]).split(b"\0")[1:])
                self.reply("235 ok")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].split()[0].strip("<>"), []
                self.reply("250 ok")
            elif verb == "RCPT":
                if server.refuse:
                    self.reply("550 no such mailbox")
                    continue
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                clock.sleep(server.delay)
                server.received.append((sender, recipients, b"".join(data)))
                self.reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    refuse = False
    delay = 0.0

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received, self.logins = [], []

    def messages(self):
        return [email.message_from_bytes(data, policy=email.policy.default) for _, _, data in self.received]


@pytest.fixture
def smtp(app):
    server = _SMTPServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.server_address[1],
        MAIL_USE_TLS=False,
        MAIL_USERNAME="",
        MAIL_PASSWORD="",
        MAIL_FROM="rikscha@example.org",
    )
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("rikscha.notifications.cli.utcnow", lambda: NOW)


@pytest.fixture
def driver_and_rickshaw(app):
    with app.app_context():
        make_rickshaw()
        make_driver()
        db.session.commit()


def _book(app, *, email="", start=None, status=None, name="Erna Erinnerung", now=None) -> int:
    """A ride; by default the day after tomorrow (so no reminder), its confirmation due at NOW."""
    with app.app_context():
        rider = make_rider(name=name, email=email)
        ride = make_ride(rider=rider, start=start or berlin(date(2026, 12, 3), 10), now=now or NOW)
        if status:
            ride.status = status
        db.session.commit()
        return ride.id


def _send(app):
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def _outbox(app, **filters) -> list[OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(
            select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)
        ).all()
        db.session.expunge_all()
        return list(messages)


def test_due_email_goes_out_by_smtp_with_the_ics_attached(app, smtp, driver_and_rickshaw):
    _book(app, email="erna@example.org")
    output = _send(app)
    assert "Sent: 1, failed: 0" in output and "reminders queued: 0" in output
    [(sender, recipients, _data)] = smtp.received
    assert sender == "rikscha@example.org" and recipients == ["erna@example.org"]
    [message] = smtp.messages()
    assert message["Subject"] == "Ihre Rikscha-Fahrt ist gebucht"
    assert message["To"] == "Erna Erinnerung <erna@example.org>"
    assert message["From"] == "Stadtteilbüro <rikscha@example.org>"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Fahrgast: Erna Erinnerung" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_filename() == "rikscha-fahrt.ics"
    ics = attachment.get_content()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and "METHOD:PUBLISH\r\n" in ics and "BEGIN:VEVENT" in ics
    [stored] = _outbox(app, channel="email")
    assert stored.sent_at == NOW and stored.attempts == 1 and stored.last_error == ""


def test_running_twice_delivers_once(app, smtp, driver_and_rickshaw):
    _book(app, email="erna@example.org")
    _send(app)
    assert "Sent: 0, failed: 0" in _send(app)
    assert len(smtp.received) == 1


def test_two_runs_at_the_same_time_never_send_a_message_twice(app, make_app, smtp, driver_and_rickshaw):
    from rikscha.notifications.delivery import deliver_due

    for n in range(6):
        start = berlin(date(2026, 12, 3 + n % 2), 9 + 2 * (n // 2))
        _book(app, email=f"person{n}@example.org", start=start, name=f"Person {n}")
    smtp.delay = 0.05
    config = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    results, errors = [], []

    # Apps are built before the threads start: building one touches process-wide extension state.
    apps = [make_app(**config) for _ in range(3)]

    def run(other):
        try:
            with other.app_context():
                results.append(deliver_due(NOW))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=run, args=(other,)) for other in apps]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors
    assert sum(result.sent for result in results) == 6
    recipients = sorted(rcpt for _, rcpts, _ in smtp.received for rcpt in rcpts)
    assert recipients == sorted(f"person{n}@example.org" for n in range(6))


def test_not_yet_due_phone_and_sent_messages_are_left_alone(app, smtp, driver_and_rickshaw):
    _book(app, email="later@example.org", now=NOW + timedelta(hours=1))  # due in an hour
    _book(app, name="Ohne Mail", start=berlin(date(2026, 12, 3), 14))  # booked by phone: no message at all
    with app.app_context():
        db.session.add(
            OutboxMessage(
                kind="change",
                channel="phone",
                recipient="0341 1",
                subject="x",
                body="x",
                due_at=NOW - timedelta(hours=1),
            )
        )
        db.session.commit()
    assert "Sent: 0" in _send(app)
    assert smtp.received == []
    assert [m.sent_at for m in _outbox(app)] == [None, None]


def test_failure_is_recorded_retried_and_given_up_after_five_attempts(app, smtp, driver_and_rickshaw):
    _book(app, email="erna@example.org")
    smtp.refuse = True
    assert "Sent: 0, failed: 1" in _send(app)
    [message] = _outbox(app, channel="email")
    assert message.sent_at is None and message.attempts == 1
    assert "550" in message.last_error and "SMTPRecipientsRefused" in message.last_error

    smtp.refuse = False
    assert "Sent: 1, failed: 0" in _send(app)
    [message] = _outbox(app, channel="email")
    assert message.sent_at == NOW and message.attempts == 2 and message.last_error == ""
    assert len(smtp.received) == 1


def test_gives_up_after_five_attempts(app, smtp, driver_and_rickshaw):
    _book(app, email="erna@example.org")
    smtp.refuse = True
    for _run in range(5):
        _send(app)
    [message] = _outbox(app, channel="email")
    assert message.attempts == 5 and message.sent_at is None
    smtp.refuse = False
    assert "Sent: 0, failed: 0" in _send(app)
    assert smtp.received == []


def test_unreachable_server_and_missing_starttls_are_failures(app, smtp, driver_and_rickshaw):
    _book(app, email="erna@example.org")
    app.config["MAIL_USE_TLS"] = True  # the test server offers no STARTTLS: never send in the clear then
    assert "failed: 1" in _send(app)
    assert "STARTTLS" in _outbox(app, channel="email")[0].last_error
    app.config.update(MAIL_USE_TLS=False, MAIL_PORT=1)  # nothing listens there
    assert "failed: 1" in _send(app)
    [message] = _outbox(app, channel="email")
    assert message.attempts == 2 and "ConnectionRefusedError" in message.last_error
    assert smtp.received == []


def test_smtp_login(app, smtp, driver_and_rickshaw):
    _book(app, email="erna@example.org")
    app.config.update(MAIL_USERNAME="rikscha", MAIL_PASSWORD="geheim")
    assert "Sent: 1" in _send(app)
    assert smtp.logins == [[b"rikscha", b"geheim"]]


def test_without_mail_server_the_mail_goes_to_the_log(app, caplog, driver_and_rickshaw):
    app.config["MAIL_SERVER"] = ""
    _book(app, email="erna@example.org")
    with caplog.at_level(logging.INFO, logger="rikscha.mail"):
        assert "Sent: 1" in _send(app)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert (
        "To: Erna Erinnerung <erna@example.org>" in logged
        and "Subject: Ihre Rikscha-Fahrt ist gebucht" in logged
    )
    assert "Fahrgast: Erna Erinnerung" in logged
    assert "[attachment: rikscha-fahrt.ics (text/calendar; method=PUBLISH)]" in logged
    assert _outbox(app, channel="email")[0].sent_at == NOW


def test_reminders_for_tomorrow_are_queued_once_and_sent(app, smtp, driver_and_rickshaw):
    tomorrow = _book(
        app,
        email="morgen@example.org",
        start=berlin(TOMORROW, 10),
        name="Morgen Mann",
        now=NOW - timedelta(days=2),
    )
    no_email = _book(app, start=berlin(TOMORROW, 14), name="Telefon Tina", now=NOW - timedelta(days=2))
    _book(
        app,
        email="storno@example.org",
        start=berlin(TOMORROW, 12),
        status="cancelled",
        name="Storno Stefan",
        now=NOW - timedelta(days=2),
    )
    _book(
        app,
        email="spaeter@example.org",
        start=berlin(date(2026, 12, 3), 10),
        name="Später Paul",
        now=NOW - timedelta(days=2),
    )
    _book(
        app,
        email="heute@example.org",
        start=berlin(date(2026, 12, 1), 16),
        name="Heute Hanna",
        now=NOW - timedelta(days=2),
    )

    output = _send(app)
    assert "reminders queued: 2" in output
    reminders = _outbox(app, kind="reminder")
    assert sorted(m.ride_id for m in reminders) == sorted([tomorrow, no_email])
    # No e-mail address: the reminder lands on the office's call list instead.
    assert {m.channel for m in reminders if m.ride_id == no_email} == {"phone"}
    sent = [m for m in smtp.messages() if m["Subject"] == "Erinnerung: Ihre Rikscha-Fahrt morgen"]
    assert [m["To"] for m in sent] == ["Morgen Mann <morgen@example.org>"]
    assert not list(sent[0].iter_attachments())

    assert "reminders queued: 0" in _send(app)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "reminder")
            )
            == 2
        )
