"""Forms for the fleet (rickshaws), shared by the pages and the API."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from rikscha.fleet.models import RickshawStatus
from rikscha.forms import Form, NotBlank, choices, strip_filter
from rikscha.i18n import lazy_gettext as _l

RICKSHAW_STATUS_LABELS = {
    RickshawStatus.IN_SERVICE: _l("im Einsatz"),
    RickshawStatus.GROUNDED: _l("stillgelegt"),
    RickshawStatus.RETIRED: _l("ausgemustert"),
}

# Upper bounds keep values inside the database's integer columns.
MAX_ODOMETER_KM = 1_000_000
MAX_INTERVAL_KM = 100_000
MAX_INTERVAL_DAYS = 3_650


class RickshawForm(Form):
    name = StringField(_l("Name"), validators=[NotBlank(), Length(max=80)], filters=[strip_filter])
    kind = StringField(
        _l("Typ"),
        validators=[NotBlank(), Length(max=80)],
        filters=[strip_filter],
        description=_l("Das Modell, auf das Fahrerinnen und Fahrer eingewiesen werden, z. B. „Cruiser“."),
    )
    seats = IntegerField(
        _l("Sitzplätze"),
        default=2,
        validators=[NotBlank(), NumberRange(min=1, max=2, message=_l("Bitte 1 oder 2."))],
    )
    status = SelectField(
        _l("Status"),
        choices=choices((s.value, RICKSHAW_STATUS_LABELS[s]) for s in RickshawStatus),
        default=RickshawStatus.IN_SERVICE.value,
        validators=[NotBlank()],
    )
    odometer_km = IntegerField(
        _l("Kilometerstand"),
        default=0,
        validators=[
            NotBlank(),
            NumberRange(min=0, max=MAX_ODOMETER_KM, message=_l("Bitte eine Zahl ab 0.")),
        ],
    )
    capacity_minutes = IntegerField(
        _l("Fahrminuten pro Tag mit einer Akkuladung"),
        default=240,
        validators=[
            NotBlank(),
            NumberRange(min=1, max=24 * 60, message=_l("Bitte eine Zahl von 1 bis 1440.")),
        ],
    )
    service_interval_km = IntegerField(
        _l("Wartung alle … Kilometer (freiwillig)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_INTERVAL_KM, message=_l("Bitte eine Zahl größer als 0.")),
        ],
    )
    service_interval_days = IntegerField(
        _l("Wartung alle … Tage (freiwillig)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_INTERVAL_DAYS, message=_l("Bitte eine Zahl größer als 0.")),
        ],
    )
