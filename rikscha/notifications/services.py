"""Queueing messages about rides into the outbox (same transaction as the change)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from rikscha.extensions import db
from rikscha.notifications.models import OutboxMessage
from rikscha.rides.settings import office_phone

KINDS = ("confirmation", "change", "cancellation", "reminder")


def _recipients(ride) -> list[tuple[str, str]]:
    """(e-mail, name) of the rider and of the people who manage the rider, without duplicates."""
    seen, result = set(), []
    candidates = [(ride.rider.email, ride.rider.name)] + [(m.email, m.name) for m in ride.rider.managers]
    for email, name in candidates:
        if email and email not in seen:
            seen.add(email)
            result.append((email, name))
    return result


def _subject(kind: str) -> str:
    return {
        "confirmation": _("Ihre Rikscha-Fahrt ist gebucht"),
        "change": _("Ihre Rikscha-Fahrt wurde geändert"),
        "cancellation": _("Ihre Rikscha-Fahrt wurde abgesagt"),
        "reminder": _("Erinnerung: Ihre Rikscha-Fahrt morgen"),
    }[kind]


def _body(ride, kind: str) -> str:
    when = format_datetime(ride.start_at, "EEEE, d. MMMM y 'um' HH:mm")
    lines = [
        _subject(kind) + ".",
        "",
        _("Fahrgast: %(name)s", name=ride.rider.name),
        _("Wann: %(when)s Uhr (%(minutes)s Minuten)", when=when, minutes=ride.duration_minutes),
        _("Abholung: %(pickup)s", pickup=ride.pickup),
        _("Ziel: %(destination)s", destination=ride.destination or "–"),
    ]
    if ride.needs_attention:
        lines += ["", _("Wir suchen noch eine Ersatz-Rikscha und melden uns bei Ihnen.")]
    lines += [
        "",
        _("Fragen? Rufen Sie uns an: %(phone)s", phone=office_phone()),
        current_app.config["RIKSCHA_OFFICE_NAME"],
    ]
    return "\n".join(lines)


def notify_ride(ride, kind: str, *, now: datetime, due_at: datetime | None = None) -> list[OutboxMessage]:
    """Queue `kind` messages about `ride`: e-mail where there is an address, else a call-list entry.

    A rider booked by phone was on the phone: no call is queued for that confirmation.
    """
    from rikscha.notifications.ics import ride_event

    assert kind in KINDS
    messages = []
    with force_locale("de"):
        subject, body = _subject(kind), _body(ride, kind)
    ics = ride_event(ride, cancelled=kind == "cancellation") if kind != "reminder" else None
    for email, name in _recipients(ride):
        messages.append(
            OutboxMessage(
                kind=kind,
                channel="email",
                recipient=email,
                recipient_name=name,
                subject=subject,
                body=body,
                ics=ics,
                ride_id=ride.id,
                rider_id=ride.rider_id,
                created_at=now,
                due_at=due_at or now,
            )
        )
    if not messages and not (kind == "confirmation" and ride.booked_via == "phone"):
        messages.append(
            OutboxMessage(
                kind=kind,
                channel="phone",
                recipient=ride.rider.phone or "",
                recipient_name=ride.rider.name,
                subject=subject,
                body=body,
                ride_id=ride.id,
                rider_id=ride.rider_id,
                created_at=now,
                due_at=due_at or now,
            )
        )
    db.session.add_all(messages)
    return messages
