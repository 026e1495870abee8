"""Forms for riders and rides, shared by the pages and the API."""

from __future__ import annotations

from wtforms import (
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Email, Length, NumberRange, Optional, ValidationError

from rikscha.forms import DayField, Form, MultiCheckboxField, NotBlank, choices, strip_filter
from rikscha.i18n import lazy_gettext as _l
from rikscha.rides.models import NEED_FIELDS, CancelReason, ConsentMethod

NEED_LABELS = {
    "rollator": _l("Rollator oder Gehhilfe mitnehmen"),
    "help_getting_in": _l("Braucht Hilfe beim Einsteigen"),
    "wheelchair_transfer": _l("Umsetzen aus dem Rollstuhl"),
    "blanket": _l("Decke gewünscht"),
    "companion": _l("Mit Begleitperson"),
}
CANCEL_REASON_LABELS = {
    CancelReason.WEATHER: _l("Wetter"),
    CancelReason.RIDER: _l("Wunsch des Fahrgasts"),
    CancelReason.ILLNESS: _l("Krankheit"),
    CancelReason.VEHICLE: _l("Fahrzeug"),
    CancelReason.OTHER: _l("Anderer Grund"),
}
CONSENT_LABELS = {
    ConsentMethod.ONLINE: _l("online"),
    ConsentMethod.PHONE: _l("am Telefon"),
    ConsentMethod.PAPER: _l("auf Papier"),
}


def need_choices():
    return choices((name, NEED_LABELS[name]) for name in NEED_FIELDS)


class RiderForm(Form):
    name = StringField(_l("Name"), validators=[NotBlank(), Length(max=120)], filters=[strip_filter])
    phone = TelField(
        _l("Telefon"),
        validators=[Optional(), Length(max=40)],
        filters=[strip_filter],
        description=_l("Damit die Fahrerin oder der Fahrer und das Büro anrufen können."),
    )
    email = EmailField(
        _l("E-Mail-Adresse (freiwillig)"),
        validators=[
            Optional(),
            Email(message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")),
            Length(max=254),
        ],
        filters=[strip_filter],
        description=_l("Für Bestätigungen. Ohne E-Mail ruft das Büro bei Änderungen an."),
    )
    address = StringField(
        _l("Abholadresse"),
        validators=[NotBlank(), Length(max=300)],
        filters=[strip_filter],
        description=_l("Straße, Hausnummer, Ort – hier holen wir in der Regel ab."),
    )
    needs = MultiCheckboxField(_l("Was soll die Fahrerin oder der Fahrer wissen?"), choices=need_choices())
    needs_note = TextAreaField(
        _l("Weitere Hinweise für die Fahrt (freiwillig)"),
        validators=[Optional(), Length(max=500)],
        filters=[strip_filter],
        description=_l("Nur, was für die Fahrt wichtig ist. Keine Diagnosen."),
    )
    consent_method = RadioField(
        _l("Einverständnis zur Speicherung wurde gegeben"),
        choices=choices((m.value, CONSENT_LABELS[m]) for m in ConsentMethod),
        default=ConsentMethod.ONLINE.value,
        validators=[NotBlank(_l("Bitte geben Sie an, wie das Einverständnis gegeben wurde."))],
    )


class BookingForm(Form):
    """One ride. `start` is the ISO start time of a free slot (the slot list offers them)."""

    rider_id = IntegerField(_l("Fahrgast"), validators=[NotBlank(_l("Bitte wählen Sie einen Fahrgast."))])
    day = DayField(_l("Tag"), validators=[NotBlank(_l("Bitte wählen Sie einen Tag."))])
    duration = SelectField(_l("Dauer"), coerce=int, validators=[NotBlank()])
    passengers = RadioField(
        _l("Wie viele Personen fahren mit?"),
        coerce=int,
        default=1,
        choices=choices(((1, _l("1 Person")), (2, _l("2 Personen")))),
        validators=[NotBlank()],
    )
    start = StringField(_l("Uhrzeit"), validators=[NotBlank(_l("Bitte wählen Sie eine Uhrzeit."))])
    pickup = StringField(
        _l("Abholadresse"),
        validators=[Optional(), Length(max=300)],
        filters=[strip_filter],
        description=_l("Leer lassen für die gespeicherte Adresse."),
    )
    # Stripped: Optional() lets a value of only spaces through as "none chosen", and it must read so.
    destination_place_id = SelectField(
        _l("Ziel aus der Liste"), coerce=str, validators=[Optional()], filters=[strip_filter]
    )
    # No Optional() here: it would end the chain on an empty field before the inline
    # validate_destination_text runs, and "list or free text" would never be checked.
    destination_text = StringField(
        _l("Oder ein anderes Ziel"),
        validators=[Length(max=300)],
        filters=[strip_filter],
    )
    needs = MultiCheckboxField(_l("Für diese Fahrt"), choices=need_choices())
    needs_note = TextAreaField(
        _l("Hinweise für diese Fahrt"), validators=[Optional(), Length(max=500)], filters=[strip_filter]
    )
    notes = TextAreaField(
        _l("Nachricht an das Büro (freiwillig)"),
        validators=[Optional(), Length(max=500)],
        filters=[strip_filter],
    )

    def __init__(self, *args, durations=(30, 60, 90, 120), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.duration.choices = choices((m, _l("%(minutes)s Minuten", minutes=m)) for m in durations)
        self.destination_place_id.choices = choices(
            [("", _l("– bitte wählen –"))] + [(str(p.id), p.name) for p in places]
        )

    def validate_destination_text(self, field):
        if not field.data and not self.destination_place_id.data:
            raise ValidationError(_l("Bitte wählen Sie ein Ziel aus der Liste oder schreiben Sie eines auf."))


class SlotQueryForm(Form):
    """Which day, how long, how many: the question the free-times list answers (GET)."""

    class Meta:
        csrf = False

    day = DayField(_l("Tag"), validators=[NotBlank(_l("Bitte wählen Sie einen Tag."))])
    duration = SelectField(_l("Dauer"), coerce=int, validators=[NotBlank()])
    passengers = RadioField(
        _l("Wie viele Personen fahren mit?"),
        coerce=int,
        default=1,
        choices=choices(((1, _l("1 Person")), (2, _l("2 Personen")))),
        validators=[NotBlank()],
    )

    def __init__(self, *args, durations=(30, 60, 90, 120), **kwargs):
        super().__init__(*args, **kwargs)
        self.duration.choices = choices((m, _l("%(minutes)s Minuten", minutes=m)) for m in durations)


class CancelForm(Form):
    reason = RadioField(
        _l("Grund der Absage"),
        choices=choices((r.value, CANCEL_REASON_LABELS[r]) for r in CancelReason),
        default=CancelReason.RIDER.value,
        validators=[NotBlank(_l("Bitte wählen Sie einen Grund."))],
    )
    note = StringField(
        _l("Bemerkung (freiwillig)"), validators=[Optional(), Length(max=300)], filters=[strip_filter]
    )


class CompleteForm(Form):
    km = DecimalField(
        _l("Gefahrene Kilometer"),
        places=1,
        validators=[
            NotBlank(_l("Bitte geben Sie die Kilometer an.")),
            NumberRange(min=0, max=200, message=_l("Bitte eine Zahl von 0 bis 200.")),
        ],
    )


class RiderSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(
        _l("Name oder Telefonnummer"), validators=[Optional(), Length(max=100)], filters=[strip_filter]
    )


class RideFilterForm(Form):
    class Meta:
        csrf = False

    start = DayField(_l("Von"), validators=[Optional()])
    end = DayField(_l("Bis"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        validators=[Optional()],
        choices=choices(
            [
                ("", _l("alle")),
                ("confirmed", _l("bestätigt")),
                ("requested", _l("angefragt")),
                ("completed", _l("erledigt")),
                ("cancelled", _l("abgesagt")),
                ("no_show", _l("nicht erschienen")),
            ]
        ),
    )
