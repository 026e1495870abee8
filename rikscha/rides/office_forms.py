"""Forms of the office's ride pages and of the setup API (settings, places, phone booking, drivers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import format_time
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from rikscha.forms import DayField, Form, MultiCheckboxField, NotBlank, choices, strip_filter
from rikscha.i18n import lazy_gettext as _l
from rikscha.rides.driver_forms import ABSENCE_REASONS, WEEKDAY_LABELS, QualificationForm
from rikscha.rides.forms import CANCEL_REASON_LABELS, BookingForm, RideFilterForm
from rikscha.rides.models import CancelReason

DURATION_CHOICES = (30, 45, 60, 90, 120, 150, 180)
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
NOT_A_TIME = _l("Bitte geben Sie eine Uhrzeit wie 09:30 an.")
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
_WHOLE_NUMBER = _l("Bitte geben Sie eine ganze Zahl an.")


def _range(low: int, high: int) -> NumberRange:
    return NumberRange(
        min=low, max=high, message=_l("Bitte eine Zahl von %(low)s bis %(high)s.", low=low, high=high)
    )


def parse_day(text: str) -> date | None:
    """A date typed as 24.12.2026 or 2026-12-24; None if it is neither."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse_closed_days(text: str) -> tuple[list[date], list[str]]:
    """The dates of a textarea (one a line, commas allowed), sorted and unique, and the problems."""
    days, problems = set(), []
    entries = [entry.strip() for line in (text or "").splitlines() for entry in line.split(",")]
    for entry in filter(None, entries):
        day = parse_day(entry)
        if day is None:
            problems.append(str(_l("„%(entry)s“ ist kein Datum (bitte TT.MM.JJJJ).", entry=entry[:20])))
        else:
            days.add(day)
    if len(days) > 400:
        problems.append(str(_l("Bitte höchstens 400 Tage eintragen.")))
    return sorted(days), problems


def _clock(value) -> time | None:
    if not isinstance(value, str):
        return None
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).time()
        except ValueError:
            continue
    return None


def check_opening_hours(data) -> tuple[dict[str, list[list[str]]], str | None]:
    """Opening hours as the API sends them ({"0": [["09:00", "18:00"]], …}), normalised; or a problem.

    Weekday 0 is Monday; a weekday that is missing or has an empty list is closed.
    """
    if not isinstance(data, dict):
        return {}, str(_l("Bitte die Öffnungszeiten als Objekt je Wochentag angeben."))
    result: dict[str, list[list[str]]] = {}
    for key, windows in data.items():
        if str(key) not in {str(n) for n in range(7)}:
            return {}, str(_l("Wochentage sind 0 (Montag) bis 6 (Sonntag)."))
        if not isinstance(windows, list):
            return {}, str(_l("Bitte je Wochentag eine Liste von Zeitfenstern angeben."))
        parsed = []
        for window in windows:
            start, end = (
                (_clock(window[0]), _clock(window[1]))
                if isinstance(window, list) and len(window) == 2
                else (None, None)
            )
            if start is None or end is None:
                return {}, str(_l('Zeitfenster bitte als ["09:00", "18:00"] angeben.'))
            if end <= start:
                return {}, str(_l("Das Ende muss nach dem Anfang liegen."))
            parsed.append((start, end))
        parsed.sort()
        if any(later[0] < earlier[1] for earlier, later in zip(parsed, parsed[1:], strict=False)):
            return {}, str(_l("Die Zeitfenster eines Tages dürfen sich nicht überschneiden."))
        if parsed:
            result[str(key)] = [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in parsed]
    return dict(sorted(result.items())), None


class SettingsRulesForm(Form):
    """Everything of the booking settings except the opening hours (shared by the page and the API)."""

    closed_days = TextAreaField(
        _l("Geschlossene Tage"),
        validators=[Length(max=8000)],
        description=_l("Ein Datum pro Zeile, z. B. 24.12.2026. An diesen Tagen wird nicht gefahren."),
    )
    lead_time_hours = IntegerField(
        _l("Vorlauf für Online-Buchungen (Stunden)"),
        validators=[NotBlank(_WHOLE_NUMBER), _range(0, 336)],
        description=_l(
            "So lange vorher muss online gebucht werden. Das Büro darf auch kurzfristiger buchen."
        ),
    )
    horizon_days = IntegerField(
        _l("Buchbar im Voraus (Tage)"),
        validators=[NotBlank(_WHOLE_NUMBER), _range(1, 365)],
        description=_l("So viele Tage im Voraus kann gebucht werden."),
    )
    durations = MultiCheckboxField(
        _l("Mögliche Fahrtdauern"),
        coerce=int,
        choices=choices((m, _l("%(minutes)s Minuten", minutes=m)) for m in DURATION_CHOICES),
        validators=[NotBlank(_l("Bitte wählen Sie mindestens eine Dauer."))],
    )
    buffer_minutes = IntegerField(
        _l("Puffer vor und nach jeder Fahrt (Minuten)"),
        validators=[NotBlank(_WHOLE_NUMBER), _range(0, 120)],
        description=_l("Zeit für den Weg von der Station zur Abholung und zurück."),
    )
    cancel_cutoff_hours = IntegerField(
        _l("Online absagen bis (Stunden vor der Fahrt)"),
        validators=[NotBlank(_WHOLE_NUMBER), _range(0, 168)],
        description=_l("Danach sagen Fahrgäste telefonisch im Büro ab."),
    )
    office_phone = TelField(
        _l("Telefonnummer des Büros"),
        validators=[NotBlank(), Length(max=40)],
        filters=[strip_filter],
    )
    block_overdue_rickshaws = BooleanField(
        _l("Rikschas mit überfälliger Wartung nicht mehr buchen"),
        description=_l("Sonst bleiben sie buchbar und werden in der Flottenübersicht rot markiert."),
    )

    def validate_closed_days(self, field):
        days, problems = parse_closed_days(field.data)
        if problems:
            raise ValidationError(" ".join(problems))
        self.closed_day_list = days


class SettingsForm(SettingsRulesForm):
    """The settings page: the rules plus one opening window (from/to) per weekday; empty = closed."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for weekday in range(7):
            opens, closes = self[f"opens_{weekday}"], self[f"closes_{weekday}"]
            if opens.errors or closes.errors:
                continue
            if (opens.data is None) != (closes.data is None):
                empty = opens if opens.data is None else closes
                empty.errors.append(_l("Bitte beide Uhrzeiten angeben oder beide leer lassen (geschlossen)."))
                valid = False
            elif opens.data is not None and closes.data <= opens.data:
                closes.errors.append(_l("Das Ende muss nach dem Anfang liegen."))
                valid = False
        return valid

    def weekday_fields(self):
        return [(WEEKDAY_LABELS[n], self[f"opens_{n}"], self[f"closes_{n}"]) for n in range(7)]

    def opening_hours(self) -> dict[str, list[list[str]]]:
        return {
            str(n): [[self[f"opens_{n}"].data.strftime("%H:%M"), self[f"closes_{n}"].data.strftime("%H:%M")]]
            for n in range(7)
            if self[f"opens_{n}"].data is not None
        }

    def fill_from(self, settings) -> None:
        """Show stored settings (GET): the first window of each weekday, dates in German."""
        for n in range(7):
            windows = (settings.opening_hours or {}).get(str(n)) or []
            self[f"opens_{n}"].data = _clock(windows[0][0]) if windows else None
            self[f"closes_{n}"].data = _clock(windows[0][1]) if windows else None
        self.closed_days.data = "\n".join(
            date.fromisoformat(d).strftime("%d.%m.%Y") for d in settings.closed_days or []
        )
        for name in (
            "lead_time_hours",
            "horizon_days",
            "buffer_minutes",
            "cancel_cutoff_hours",
            "office_phone",
            "block_overdue_rickshaws",
        ):
            self[name].data = getattr(settings, name)
        self.durations.data = [int(m) for m in settings.durations or []]


for _weekday, _label in enumerate(WEEKDAY_LABELS):
    setattr(
        SettingsForm,
        f"opens_{_weekday}",
        TimeField(
            _l("%(day)s von", day=_label),
            format=TIME_FORMATS,
            invalid_value_message=NOT_A_TIME,
            validators=[Optional()],
        ),
    )
    setattr(
        SettingsForm,
        f"closes_{_weekday}",
        TimeField(
            _l("%(day)s bis", day=_label),
            format=TIME_FORMATS,
            invalid_value_message=NOT_A_TIME,
            validators=[Optional()],
        ),
    )


class PlaceForm(Form):
    name = StringField(_l("Name des Ziels"), validators=[NotBlank(), Length(max=120)], filters=[strip_filter])
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=300)], filters=[strip_filter])
    notes = TextAreaField(
        _l("Hinweise (freiwillig)"),
        validators=[Optional(), Length(max=1000)],
        filters=[strip_filter],
        description=_l("Zum Beispiel: stufenloser Eingang, wo die Rikscha halten kann."),
    )


def _same_as(unbound):
    """A fresh copy of another form's field declaration (so it sorts where it is declared here)."""
    return unbound.field_class(*unbound.args, **unbound.kwargs)


def _places_choices(places, current=None):
    offered = list(places)
    if current is not None and all(p.id != current.id for p in offered):
        offered.append(current)  # an inactive place stays selectable on rides that already go there
    return choices([("", _l("– bitte wählen –"))] + [(str(p.id), p.name) for p in offered])


class PhoneBookingForm(Form):
    """The second half of a phone booking: a free time plus pickup, destination and needs.

    Day, duration and party size come from the slot query (GET) above it; the fields below
    are BookingForm's own, so both booking pages validate alike.
    """

    start = RadioField(
        _l("Freie Uhrzeiten"),
        validate_choice=False,
        validators=[NotBlank(_l("Bitte wählen Sie eine Uhrzeit."))],
    )
    pickup = _same_as(BookingForm.pickup)
    destination_place_id = _same_as(BookingForm.destination_place_id)
    destination_text = _same_as(BookingForm.destination_text)
    needs = _same_as(BookingForm.needs)
    needs_note = _same_as(BookingForm.needs_note)
    notes = TextAreaField(
        _l("Notiz für das Büro (freiwillig)"),
        validators=[Optional(), Length(max=500)],
        filters=[strip_filter],
    )

    validate_destination_text = BookingForm.validate_destination_text

    def __init__(self, *args, slots=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.start.choices = choices(
            (start.isoformat(), f"{format_time(start, 'HH:mm')} – {format_time(end, 'HH:mm')}")
            for start, end in slots
        )
        self.destination_place_id.choices = _places_choices(places)

    def validate_start(self, field):
        if not field.data:
            return  # NotBlank has said so
        try:
            moment = datetime.fromisoformat(field.data)
        except (TypeError, ValueError):
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ValidationError(_l("Bitte wählen Sie eine Uhrzeit."))
        self.start_at = moment


class RideDetailsForm(Form):
    """What the office may change on a booked ride (the time is changed by cancelling and rebooking)."""

    pickup = _same_as(BookingForm.pickup)
    destination_place_id = _same_as(BookingForm.destination_place_id)
    destination_text = _same_as(BookingForm.destination_text)
    needs = _same_as(BookingForm.needs)
    needs_note = _same_as(BookingForm.needs_note)
    notes = TextAreaField(
        _l("Notiz für das Büro"), validators=[Optional(), Length(max=500)], filters=[strip_filter]
    )

    validate_destination_text = BookingForm.validate_destination_text

    def __init__(self, *args, places=(), current_place=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.destination_place_id.choices = _places_choices(places, current_place)


class ReassignForm(Form):
    pair = RadioField(
        _l("Rikscha und Fahrer:in"),
        validate_choice=False,
        validators=[NotBlank(_l("Bitte wählen Sie eine Rikscha mit Fahrer:in."))],
    )

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pair.choices = choices(
            (f"{rickshaw.id}-{driver.id}", f"{rickshaw.name} ({rickshaw.kind}) – {driver.name}")
            for rickshaw, driver in options
        )

    def validate_pair(self, field):
        if not field.data:
            return  # NotBlank has said so
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Diese Kombination ist nicht mehr frei. Bitte wählen Sie eine andere."))
        rickshaw_id, driver_id = field.data.split("-")
        self.rickshaw_id, self.driver_id = int(rickshaw_id), int(driver_id)


class OfficeRideFilterForm(RideFilterForm):
    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("Das Ende darf nicht vor dem Anfang liegen."))


class WeatherCancelForm(Form):
    """A window of one day in which every ride is cancelled (asked with GET, confirmed with POST)."""

    class Meta:
        csrf = False  # filling it in only shows the affected rides; the cancelling POST has its own token

    day = DayField(_l("Tag"), validators=[NotBlank(_l("Bitte wählen Sie einen Tag."))])
    start_time = TimeField(
        _l("Von"),
        format=TIME_FORMATS,
        invalid_value_message=NOT_A_TIME,
        validators=[NotBlank(_l("Bitte geben Sie eine Uhrzeit an."))],
    )
    end_time = TimeField(
        _l("Bis"),
        format=TIME_FORMATS,
        invalid_value_message=NOT_A_TIME,
        validators=[NotBlank(_l("Bitte geben Sie eine Uhrzeit an."))],
        description=_l("Abgesagt werden alle Fahrten, die in dieser Zeit beginnen."),
    )
    reason = RadioField(
        _l("Grund der Absage"),
        default=CancelReason.WEATHER.value,
        choices=choices((r.value, CANCEL_REASON_LABELS[r]) for r in CancelReason),
        validators=[NotBlank(_l("Bitte wählen Sie einen Grund."))],
    )
    note = StringField(
        _l("Bemerkung für die Fahrgäste (freiwillig)"),
        validators=[Optional(), Length(max=300)],
        filters=[strip_filter],
        description=_l("Zum Beispiel: Unwetterwarnung des Wetterdienstes."),
    )

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError(_l("Das Ende muss nach dem Anfang liegen."))

    def window(self, tz) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.day.data, self.start_time.data, tzinfo=tz).astimezone(UTC),
            datetime.combine(self.day.data, self.end_time.data, tzinfo=tz).astimezone(UTC),
        )


class DayForm(Form):
    class Meta:
        csrf = False

    tag = DayField(_l("Tag"), validators=[Optional()])


class OfficeQualificationForm(QualificationForm):
    """Instructed on one of the rickshaw types the fleet actually has."""

    rickshaw_kind = SelectField(_l("Rikscha-Typ"), validators=[NotBlank(_l("Bitte wählen Sie einen Typ."))])

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rickshaw_kind.choices = choices((kind, kind) for kind in kinds)


# --- API bodies ---------------------------------------------------------------------------------


class DriverAvailabilityApiForm(Form):
    """Either a weekly window (weekday, start, end) or a dated absence (absence_from, absence_to, reason)."""

    weekday = IntegerField(_l("Wochentag (0 = Montag … 6 = Sonntag)"), validators=[Optional(), _range(0, 6)])
    start = TimeField(
        _l("Von (HH:MM)"), format=TIME_FORMATS, invalid_value_message=NOT_A_TIME, validators=[Optional()]
    )
    end = TimeField(
        _l("Bis (HH:MM)"), format=TIME_FORMATS, invalid_value_message=NOT_A_TIME, validators=[Optional()]
    )
    absence_from = DayField(_l("Abwesend ab (JJJJ-MM-TT)"), validators=[Optional()])
    absence_to = DayField(_l("Abwesend bis einschließlich (JJJJ-MM-TT)"), validators=[Optional()])
    reason = SelectField(
        _l("Grund der Abwesenheit"), choices=choices(ABSENCE_REASONS), validators=[Optional()]
    )

    @property
    def is_absence(self) -> bool:
        return self.absence_from.raw_data is not None and bool(self.absence_from.raw_data)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        required = ("absence_from", "absence_to") if self.is_absence else ("weekday", "start", "end")
        for name in required:
            if self[name].data is None and not self[name].errors:
                self[name].errors.append(_l("Bitte füllen Sie dieses Feld aus."))
                valid = False
        return valid


class DriverQualificationApiForm(QualificationForm):
    first_aid_valid_until = DayField(_l("Erste-Hilfe-Kurs gültig bis"), validators=[Optional()])
