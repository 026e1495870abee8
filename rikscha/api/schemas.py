"""JSON shapes of riders, rides and rickshaws, and parsing of the API's times, dates and pages."""

from __future__ import annotations

from datetime import date, datetime
from functools import wraps

from flask import request
from wtforms import DateTimeField, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from rikscha.api.errors import error_response
from rikscha.domain import DomainError
from rikscha.forms import Form, MultiCheckboxField, NotBlank, strip_filter
from rikscha.i18n import lazy_gettext as _l
from rikscha.limits import FIRST_DAY, LAST_DAY, MAX_ID, parse_instant
from rikscha.messages import error_message, register_messages
from rikscha.rides.forms import need_choices
from rikscha.rides.settings import office_zone
from rikscha.scheduling import local_day_bounds

DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 100, 500, 1_000_000

INVALID_START = _l(
    "Bitte geben Sie den Beginn als Zeitpunkt mit Zeitzone an, z. B. 2026-12-02T10:00:00+01:00."
)
NO_DESTINATION = _l("Bitte wählen Sie ein Ziel aus der Liste oder schreiben Sie eines auf.")

register_messages(
    {
        "invalid_start": INVALID_START,
        "invalid_date": _l("Bitte geben Sie ein gültiges Datum im Format JJJJ-MM-TT an."),
        "invalid_from": _l(
            "Der Anfang des Zeitraums ist kein gültiges Datum und keine gültige Uhrzeit mit Zeitzone."
        ),
        "invalid_to": _l(
            "Das Ende des Zeitraums ist kein gültiges Datum und keine gültige Uhrzeit mit Zeitzone."
        ),
        "invalid_status": _l("Diesen Status gibt es nicht."),
        "invalid_limit": _l("Die Seitengröße muss eine Zahl von 1 bis 500 sein."),
        "invalid_offset": _l("Der Versatz muss eine Zahl ab 0 sein."),
        "unknown_place": _l("Diesen Ort gibt es nicht im Katalog."),
    }
)


class ApiInputError(DomainError):
    """422: a query parameter or body value the API could not read (invalid_date, …)."""


def answers_domain_errors(view):
    """Turn a DomainError raised by the view or a service into the API's JSON error."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DomainError as error:
            return domain_error_response(error)

    return wrapped


def domain_error_response(error: DomainError):
    extra = {"field": error.field} if error.field else {}
    return error_response(error.status, error.code, error_message(error), **extra)


# --- times ------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 with the offset of the office's zone."""
    return moment.astimezone(office_zone()).isoformat() if moment is not None else None


def parse_day(text: str | None, code: str = "invalid_date") -> date:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise ApiInputError(code) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ApiInputError(code)
    return day


def parse_bound(text: str | None, code: str, *, end: bool) -> datetime | None:
    """A range bound from the query: a local date (a whole day: its start, or for `end` its end)
    or an ISO date-time with offset. None when absent."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if len(text) == 10:
        day = parse_day(text, code)
        bounds = local_day_bounds(day, office_zone())
        return bounds.end if end else bounds.start
    try:
        return parse_instant(text)
    except ValueError:
        raise ApiInputError(code) from None


def parse_int(text, code: str, *, default: int | None = None, low: int = 0, high: int = MAX_ID) -> int:
    if text is None or (isinstance(text, str) and not text.strip()):
        if default is None:
            raise ApiInputError(code)
        return default
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise ApiInputError(code) from None
    if not low <= value <= high:
        raise ApiInputError(code)
    return value


def page_params() -> tuple[int, int]:
    """`limit` (default 100, at most 500) and `offset` from the query string."""
    limit = parse_int(
        request.args.get("limit"), "invalid_limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT
    )
    offset = parse_int(request.args.get("offset"), "invalid_offset", default=0, low=0, high=MAX_OFFSET)
    return limit, offset


PAGE_QUERY = (
    ("limit", "integer", "Höchstens so viele Einträge (Standard 100, höchstens 500)"),
    ("offset", "integer", "So viele Einträge überspringen (Standard 0)"),
)


# --- request bodies ---------------------------------------------------------------------------


class IsoDateTimeField(DateTimeField):
    """A date-time in ISO 8601 with an offset; naive times are refused (they are ambiguous)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_instant(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(str(INVALID_START)) from None


class RideInputForm(Form):
    """A booking as JSON. `destination` may also be a place id (integer or {"place_id": n})."""

    rider_id = IntegerField(
        _l("Fahrgast (ID)"),
        validators=[NotBlank(_l("Bitte wählen Sie einen Fahrgast.")), NumberRange(min=1, max=MAX_ID)],
    )
    start = IsoDateTimeField(_l("Beginn (ISO 8601 mit Zeitzone)"), validators=[NotBlank(INVALID_START)])
    duration = IntegerField(_l("Dauer in Minuten"), validators=[NotBlank()])
    passengers = IntegerField(_l("Wie viele Personen fahren mit? (Standard 1)"), default=1)
    pickup = StringField(
        _l("Abholadresse (leer: die gespeicherte Adresse)"),
        validators=[Optional(), Length(max=300)],
        filters=[strip_filter],
    )
    destination = StringField(
        _l('Ziel: ID eines Orts aus dem Katalog (Zahl oder {"place_id": n}) oder freier Text'),
        validators=[NotBlank(NO_DESTINATION), Length(max=300)],
        filters=[strip_filter],
    )
    needs = MultiCheckboxField(
        _l("Für diese Fahrt (ohne Angabe: die gespeicherten des Fahrgasts)"), choices=need_choices()
    )
    needs_note = TextAreaField(
        _l("Hinweise für diese Fahrt"), validators=[Optional(), Length(max=500)], filters=[strip_filter]
    )
    notes = TextAreaField(
        _l("Nachricht an das Büro (freiwillig)"),
        validators=[Optional(), Length(max=500)],
        filters=[strip_filter],
    )


def destination_for_form(value) -> str:
    """What the form checks (presence, length) of the JSON `destination`: its text, or a stand-in
    for a place id (which place it is, is checked against the catalogue afterwards)."""
    if value is None or isinstance(value, str):
        return value or ""
    return "#place"


def split_destination(value) -> tuple[int | None, str]:
    """(place id, free text) from the JSON `destination`; ValueError for anything else."""
    if isinstance(value, dict) and set(value) == {"place_id"}:
        value = value["place_id"]
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("place_id must be an integer")
    if value is None:
        return None, ""
    if isinstance(value, bool):
        raise ValueError("not a destination")
    if isinstance(value, int):
        if not 1 <= value <= MAX_ID:
            raise ValueError("no such place")
        return value, ""
    if isinstance(value, str):
        return None, value
    raise ValueError("not a destination")


# --- response bodies --------------------------------------------------------------------------


def person_json(user) -> dict | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def rickshaw_brief(rickshaw) -> dict | None:
    return {"id": rickshaw.id, "name": rickshaw.name} if rickshaw is not None else None


def destination_json(ride) -> dict:
    place = ride.destination_place
    return {
        "place_id": place.id if place is not None else None,
        "name": ride.destination,
        "address": place.address if place is not None else "",
    }


def rider_json(rider) -> dict:
    return {
        "id": rider.id,
        "name": rider.name,
        "phone": rider.phone,
        "email": rider.email,
        "address": rider.address,
        "needs": rider.needs(),
        "needs_note": rider.needs_note,
        "consent": {"at": iso(rider.consent_at), "method": rider.consent_method},
    }


RIDER_FIELDS = {
    "id": "integer",
    "name": "string",
    "phone": "string",
    "email": "string",
    "address": "string",
    "needs": "array",
    "needs_note": "string",
    "consent": "object",
}


def ride_json(ride) -> dict:
    return {
        "id": ride.id,
        "status": ride.status,
        "start": iso(ride.start_at),
        "end": iso(ride.end_at),
        "duration": ride.duration_minutes,
        "passengers": ride.passengers,
        "rider_id": ride.rider_id,
        "rider": {"id": ride.rider.id, "name": ride.rider.name, "phone": ride.rider.phone},
        "pickup": ride.pickup,
        "destination": destination_json(ride),
        "needs": ride.needs(),
        "needs_note": ride.needs_note,
        "notes": ride.notes,
        "rickshaw": rickshaw_brief(ride.rickshaw),
        "driver": person_json(ride.driver),
        "booked_via": ride.booked_via,
        "cancel_reason": ride.cancel_reason,
        "km": ride.km,
        "needs_attention": ride.needs_attention,
    }


RIDE_FIELDS = {
    "id": "integer",
    "status": "string",
    "start": "string",
    "end": "string",
    "duration": "integer",
    "passengers": "integer",
    "rider_id": "integer",
    "rider": "object",
    "pickup": "string",
    "destination": "object",
    "needs": "array",
    "needs_note": "string",
    "notes": "string",
    "rickshaw": "object",
    "driver": "object",
    "booked_via": "string",
    "cancel_reason": "string",
    "km": "number",
    "needs_attention": "boolean",
}


def schedule_entry_json(ride) -> dict:
    """What a driver needs for a ride: when, whom (name, phone), where from and to, needs."""
    return {
        "id": ride.id,
        "status": ride.status,
        "start": iso(ride.start_at),
        "end": iso(ride.end_at),
        "duration": ride.duration_minutes,
        "passengers": ride.passengers,
        "rider": {"name": ride.rider.name, "phone": ride.rider.phone},
        "pickup": ride.pickup,
        "destination": destination_json(ride),
        "needs": ride.needs(),
        "needs_note": ride.needs_note,
        "rickshaw": rickshaw_brief(ride.rickshaw),
    }


def rickshaw_json(rickshaw) -> dict:
    return {
        "id": rickshaw.id,
        "name": rickshaw.name,
        "kind": rickshaw.kind,
        "seats": rickshaw.seats,
        "status": rickshaw.status,
        "odometer_km": rickshaw.odometer_km,
        "capacity_minutes": rickshaw.capacity_minutes,
        "service_interval_km": rickshaw.service_interval_km,
        "service_interval_days": rickshaw.service_interval_days,
    }


RICKSHAW_FIELDS = {
    "id": "integer",
    "name": "string",
    "kind": "string",
    "seats": "integer",
    "status": "string",
    "odometer_km": "integer",
    "capacity_minutes": "integer",
    "service_interval_km": "integer",
    "service_interval_days": "integer",
}


def form_error(form, **codes: str):
    """422 for a form bound to JSON, with every field's messages under `fields`. When the only
    field in error has a code of its own (e.g. start → invalid_start), that is the code."""
    fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    code = codes.get(next(iter(fields)), "validation_failed") if len(fields) == 1 else "validation_failed"
    return error_response(422, code, fields=fields)
