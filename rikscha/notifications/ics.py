"""iCalendar (RFC 5545) text for rides: e-mail attachments and calendar feeds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app

_PRODID = "-//Rikscha//Stadtteilbuero//DE"


def _escape(text: str) -> str:
    # Text from a textarea arrives with CRLF; a bare CR in the output would break the line structure.
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded with CRLF + space (RFC 5545 §3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def event_lines(
    ride, *, cancelled: bool = False, for_driver: bool = False, details: Iterable[str] = ()
) -> list[str]:
    office = current_app.config["RIKSCHA_OFFICE_NAME"]
    summary = f"Rikscha: {ride.rider.name}" if for_driver else f"Rikscha-Fahrt {ride.rider.name}"
    description = [f"Abholung: {ride.pickup}", f"Ziel: {ride.destination or '-'}"]
    if for_driver and ride.rider.phone:
        description.append(f"Telefon: {ride.rider.phone}")
    description.extend(details)
    lines = [
        "BEGIN:VEVENT",
        f"UID:ride-{ride.id}@rikscha",
        f"DTSTAMP:{_stamp(ride.updated_at or ride.created_at)}",
        f"DTSTART:{_stamp(ride.start_at)}",
        f"DTEND:{_stamp(ride.end_at)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(ride.pickup)}",
        f"DESCRIPTION:{_escape(chr(10).join(description))}",
        f"ORGANIZER;CN={_escape(office)}:mailto:{current_app.config['MAIL_FROM']}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        # A changed ride must replace the old entry in calendar apps.
        f"SEQUENCE:{int((ride.updated_at or ride.created_at).timestamp()) % 2_000_000_000}",
        "END:VEVENT",
    ]
    return lines


def calendar(
    events: list[list[str]], *, name: str, method: str | None = None, properties: Iterable[str] = ()
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
        *properties,
    ]
    if method:
        lines.append(f"METHOD:{method}")
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def ride_event(ride, *, cancelled: bool = False) -> str:
    """A one-event calendar for an e-mail attachment."""
    return calendar(
        [event_lines(ride, cancelled=cancelled)], name="Rikscha", method="CANCEL" if cancelled else "PUBLISH"
    )
