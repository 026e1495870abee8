"""Forms of the fleet pages and the fleet API: rickshaws, stations, blocks, maintenance, charging, defects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_wtf.file import FileField
from wtforms import (
    DateTimeField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, StopValidation, ValidationError
from wtforms.widgets import DateTimeLocalInput, TextInput

from rikscha.fleet.models import DefectSeverity, MaintenanceKind, RickshawStatus, StationKind
from rikscha.forms import Form, MultiCheckboxField, NotBlank, choices, strip_filter
from rikscha.i18n import lazy_gettext as _l
from rikscha.rides.settings import office_zone

STATUS_LABELS = {
    RickshawStatus.IN_SERVICE.value: _l("im Einsatz"),
    RickshawStatus.GROUNDED.value: _l("stillgelegt (nicht fahren)"),
    RickshawStatus.RETIRED.value: _l("außer Dienst gestellt"),
}
STATION_KIND_LABELS = {
    StationKind.SERVICE.value: _l("Service (Wartung und Reparatur)"),
    StationKind.RENTAL.value: _l("Verleih"),
    StationKind.CHARGING.value: _l("Laden"),
}
MAINTENANCE_LABELS = {
    MaintenanceKind.INSPECTION.value: _l("Inspektion"),
    MaintenanceKind.REPAIR.value: _l("Reparatur"),
    MaintenanceKind.TYRES.value: _l("Reifen"),
    MaintenanceKind.BRAKES.value: _l("Bremsen"),
    MaintenanceKind.BATTERY.value: _l("Akku"),
    MaintenanceKind.CLEANING.value: _l("Reinigung"),
    MaintenanceKind.OTHER.value: _l("Sonstiges"),
}
SEVERITY_LABELS = {
    DefectSeverity.MINOR.value: _l("Kleiner Mangel – die Rikscha kann weiter fahren"),
    DefectSeverity.GROUNDING.value: _l("Nicht sicher – nicht mehr fahren"),
}
SERVICE_STATE_LABELS = {"ok": _l("in Ordnung"), "due": _l("fällig"), "overdue": _l("überfällig")}

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


# --- building blocks ----------------------------------------------------------------------------


def local_input(moment: datetime | None) -> str:
    """An aware datetime as the value of a datetime-local input (office time, minutes)."""
    return moment.astimezone(office_zone()).strftime(LOCAL_FORMAT) if moment else ""


class Needed:
    """Required for typed fields: empty input gets our German message, unreadable input keeps the
    field's own message (and no second one)."""

    field_flags = {"required": True}

    def __init__(self, message=None):
        self.message = message or _l("Bitte füllen Sie dieses Feld aus.")

    def __call__(self, form, field):
        raw = field.raw_data[0] if field.raw_data else ""
        if field.data is None and not str(raw).strip():
            field.errors[:] = []
            raise StopValidation(self.message)
        if field.data is None:
            raise StopValidation()


class Between:
    """A number range with a German message; unreadable input (None) is left to the field."""

    def __init__(self, minimum=None, maximum=None, message=None):
        self.minimum, self.maximum, self.message = minimum, maximum, message

    def __call__(self, form, field):
        if field.data is None:
            return
        if (self.minimum is not None and field.data < self.minimum) or (
            self.maximum is not None and field.data > self.maximum
        ):
            raise ValidationError(self.message)


_NEEDS_OFFSET = _l("Bitte geben Sie den Zeitpunkt mit Zeitzone an, z. B. 2026-12-02T10:00:00+01:00.")


class LocalDateTimeField(DateTimeField):
    """Date and time: `2026-12-02T10:00` from a datetime-local input means office time; an ISO 8601
    value with offset is taken as it is (the API asks for one: `require_offset`). `data` is an
    aware UTC datetime."""

    widget = DateTimeLocalInput()

    def __init__(self, label=None, validators=None, require_offset=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.require_offset = require_offset

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return local_input(self.data)

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.data = None
            raise ValueError(
                _l("Bitte geben Sie Datum und Uhrzeit an (Tag, Monat, Jahr, Stunde, Minute).")
            ) from None
        if moment.tzinfo is None and self.require_offset:
            self.data = None
            raise ValueError(_NEEDS_OFFSET)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=office_zone())
        if not 1900 <= moment.year <= 9000:  # no overflow in time-zone arithmetic
            self.data = None
            raise ValueError(_l("Bitte geben Sie Datum und Uhrzeit an (Tag, Monat, Jahr, Stunde, Minute)."))
        self.data = moment.astimezone(ZoneInfo("UTC"))


class CommaDecimalField(DecimalField):
    """A decimal that also accepts the German comma (12,50): a text input (a number input would
    refuse the comma in some browsers); pages add inputmode="decimal" for the phone keyboard."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = Decimal(str(valuelist[0]).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            self.data = None
            raise ValueError(_l("Bitte geben Sie eine Zahl ein, z. B. 12,50.")) from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Bitte geben Sie eine Zahl ein, z. B. 12,50."))


def optional_int(value):
    """Select values: "" (nothing chosen) → None, digits → int."""
    if value in (None, ""):
        return None
    return int(value)


_NOT_OFFERED = _l("Bitte wählen Sie nur aus den angebotenen Möglichkeiten.")


class PickField(SelectField):
    """A select of records (id → label); nothing chosen ("") is None."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(
            label,
            validators,
            coerce=optional_int,
            invalid_value_message=_NOT_OFFERED,
            invalid_choice_message=_NOT_OFFERED,
            **kwargs,
        )


def ChoiceField(label=None, validators=None, **kwargs) -> RadioField:  # noqa: N802 - used like a field class
    """Radio buttons with German messages for values that are not offered (a plain RadioField,
    so that the form macro renders it as a fieldset)."""
    return RadioField(
        label, validators, invalid_value_message=_NOT_OFFERED, invalid_choice_message=_NOT_OFFERED, **kwargs
    )


_PLEASE_CHOOSE = _l("– bitte wählen –")


def record_choices(records, empty=None):
    """Choices for a PickField: an empty option, then one per record (by name)."""
    return choices([("", empty or _PLEASE_CHOOSE)] + [(record.id, record.name) for record in records])


# --- rickshaws, battery packs, stations, blocks ------------------------------------------------


class RickshawEditForm(Form):
    name = StringField(_l("Name"), validators=[NotBlank(), Length(max=80)], filters=[strip_filter])
    kind = StringField(
        _l("Typ"),
        validators=[NotBlank(), Length(max=80)],
        filters=[strip_filter],
        description=_l(
            "Zum Beispiel „Cruiser“ oder „Cargo“. Fahrerinnen und Fahrer werden auf einen Typ eingewiesen."
        ),
    )
    seats = ChoiceField(
        _l("Sitzplätze"),
        coerce=int,
        default=2,
        validators=[Needed()],
        choices=choices(((1, _l("1 Platz")), (2, _l("2 Plätze")))),
    )
    home_station_id = PickField(_l("Heimatstation"), validators=[Optional()])
    odometer_km = IntegerField(
        _l("Kilometerstand"),
        default=0,
        validators=[Needed(), Between(0, 10_000_000, _l("Bitte eine Zahl ab 0."))],
        description=_l("Der Kilometerstand kann nicht kleiner werden."),
    )
    status = ChoiceField(
        _l("Zustand"),
        default=RickshawStatus.IN_SERVICE.value,
        validators=[Needed()],
        choices=choices(STATUS_LABELS.items()),
        description=_l(
            "Stilllegen oder außer Dienst stellen verlegt die kommenden Fahrten auf andere Rikschas."
        ),
    )
    capacity_minutes = IntegerField(
        _l("Fahrzeit pro Akkuladung (Minuten)"),
        default=240,
        validators=[Needed(), Between(1, 1440, _l("Bitte eine Zahl von 1 bis 1440."))],
        description=_l("So viele Minuten Fahrten können an einem Tag auf diese Rikscha gebucht werden."),
    )
    service_interval_km = IntegerField(
        _l("Wartung alle … Kilometer"),
        validators=[Optional(), Between(1, 100_000, _l("Bitte eine Zahl ab 1."))],
        description=_l("Leer lassen, wenn es keine Kilometer-Grenze gibt."),
    )
    service_interval_days = IntegerField(
        _l("Wartung alle … Tage"),
        validators=[Optional(), Between(1, 3650, _l("Bitte eine Zahl von 1 bis 3650."))],
        description=_l("Leer lassen, wenn es keine zeitliche Grenze gibt."),
    )


class BatteryPackForm(Form):
    label = StringField(
        _l("Bezeichnung des Akkus"),
        validators=[NotBlank(), Length(max=40)],
        filters=[strip_filter],
        description=_l("Zum Beispiel „Akku A“ oder die Nummer auf dem Akku."),
    )


class StationForm(Form):
    name = StringField(_l("Name"), validators=[NotBlank(), Length(max=120)], filters=[strip_filter])
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=300)], filters=[strip_filter])
    kinds = MultiCheckboxField(
        _l("Was gibt es an dieser Station?"),
        choices=choices(STATION_KIND_LABELS.items()),
        validators=[NotBlank(_l("Bitte wählen Sie mindestens eine Art."))],
    )
    chargers = IntegerField(
        _l("Anzahl Ladeplätze"),
        default=0,
        validators=[Needed(), Between(0, 50, _l("Bitte eine Zahl von 0 bis 50."))],
        description=_l("So viele Rikschas oder Akkus können hier gleichzeitig laden."),
    )
    opening_notes = TextAreaField(
        _l("Öffnungszeiten und Hinweise"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
    )

    def validate_chargers(self, field):
        if (
            field.data is not None
            and field.data < 1
            and StationKind.CHARGING.value in (self.kinds.data or ())
        ):
            raise ValidationError(_l("Eine Station zum Laden braucht mindestens einen Ladeplatz."))


class BlockForm(Form):
    start = LocalDateTimeField(_l("Von"), validators=[Needed()])
    end = LocalDateTimeField(_l("Bis"), validators=[Needed()])
    reason = StringField(
        _l("Grund"),
        validators=[NotBlank(), Length(max=200)],
        filters=[strip_filter],
        description=_l("Zum Beispiel „Inspektion in der Werkstatt“."),
    )

    def validate_end(self, field):
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError(_l("Das Ende muss nach dem Beginn liegen."))


# --- caretakers' and drivers' quick forms ------------------------------------------------------


class MaintenanceForm(Form):
    rickshaw_id = PickField(_l("Rikscha"), validators=[Needed(_l("Bitte wählen Sie eine Rikscha."))])
    kind = ChoiceField(
        _l("Art der Arbeit"),
        default=MaintenanceKind.INSPECTION.value,
        choices=choices(MAINTENANCE_LABELS.items()),
        validators=[Needed(_l("Bitte wählen Sie die Art."))],
        description=_l("Eine Inspektion setzt die Wartungsfristen zurück."),
    )
    performed_at = LocalDateTimeField(_l("Wann"), validators=[Needed()])
    odometer_km = IntegerField(
        _l("Kilometerstand"),
        validators=[Needed(), Between(0, 10_000_000, _l("Bitte eine Zahl ab 0."))],
    )
    description = TextAreaField(
        _l("Was wurde gemacht?"),
        validators=[NotBlank(), Length(max=2000)],
        filters=[strip_filter],
    )
    parts = StringField(
        _l("Teile (freiwillig)"),
        validators=[Optional(), Length(max=300)],
        filters=[strip_filter],
    )
    cost = CommaDecimalField(
        _l("Kosten in Euro (freiwillig)"),
        places=2,
        validators=[Optional(), Between(0, Decimal("99999999"), _l("Die Kosten können nicht negativ sein."))],
    )
    station_id = PickField(_l("Station"), validators=[Optional()])


class ChargingForm(Form):
    rickshaw_id = PickField(_l("Rikscha"), validators=[Needed(_l("Bitte wählen Sie eine Rikscha."))])
    battery_pack_id = PickField(
        _l("Wechselakku"),
        validators=[Optional()],
        description=_l("Nur bei Rikschas mit herausnehmbarem Akku."),
    )
    station_id = PickField(_l("Station"), validators=[Needed(_l("Bitte wählen Sie eine Station."))])
    start = LocalDateTimeField(_l("Beginn"), validators=[Needed()])
    end = LocalDateTimeField(_l("Ende"), validators=[Needed()])
    soc_before = IntegerField(
        _l("Ladestand vorher (%)"),
        validators=[Needed(), Between(0, 100, _l("Der Ladestand muss zwischen 0 und 100 Prozent liegen."))],
    )
    soc_after = IntegerField(
        _l("Ladestand nachher (%)"),
        validators=[Needed(), Between(0, 100, _l("Der Ladestand muss zwischen 0 und 100 Prozent liegen."))],
    )
    energy_kwh = CommaDecimalField(
        _l("Energie in kWh (freiwillig)"),
        places=2,
        validators=[Optional(), Between(0, Decimal("9999"), _l("Die Energiemenge kann nicht negativ sein."))],
        description=_l("Wenn das Ladegerät es anzeigt."),
    )


class DefectForm(Form):
    rickshaw_id = PickField(_l("Rikscha"), validators=[Needed(_l("Bitte wählen Sie eine Rikscha."))])
    description = TextAreaField(
        _l("Was ist kaputt oder auffällig?"),
        validators=[NotBlank(), Length(max=2000)],
        filters=[strip_filter],
    )
    severity = ChoiceField(
        _l("Wie schlimm ist es?"),
        choices=choices(SEVERITY_LABELS.items()),
        validators=[Needed(_l("Bitte geben Sie an, ob die Rikscha noch fahren kann."))],
        description=_l("„Nicht mehr fahren“ legt die Rikscha sofort still; ihre Fahrten werden umgelegt."),
    )
    photo = FileField(
        _l("Foto (freiwillig)"),
        description=_l("JPEG, PNG oder WebP, höchstens 5 MB."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )


class ClearDefectForm(Form):
    note = TextAreaField(
        _l("Was wurde repariert?"),
        validators=[NotBlank(), Length(max=500)],
        filters=[strip_filter],
    )


# --- the API binds the same forms; the rickshaw comes from the URL there ----------------------


def _api_time(label):
    return LocalDateTimeField(label, validators=[Needed()], require_offset=True)


class BlockApiForm(BlockForm):
    start = _api_time(_l("Von (ISO 8601 mit Zeitzone)"))
    end = _api_time(_l("Bis (ISO 8601 mit Zeitzone)"))


class MaintenanceApiForm(MaintenanceForm):
    rickshaw_id = None
    performed_at = _api_time(_l("Wann (ISO 8601 mit Zeitzone)"))


class ChargingApiForm(ChargingForm):
    rickshaw_id = None
    start = _api_time(_l("Beginn (ISO 8601 mit Zeitzone)"))
    end = _api_time(_l("Ende (ISO 8601 mit Zeitzone)"))


class DefectApiForm(DefectForm):
    rickshaw_id = None
    photo = None
