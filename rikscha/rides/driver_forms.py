"""Forms for availability windows, absences, qualifications and first aid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TimeField
from wtforms.validators import Length, Optional

from rikscha.forms import NotBlank, choices, strip_filter

WEEKDAY_LABELS = (_l("Montag"), _l("Dienstag"), _l("Mittwoch"), _l("Donnerstag"), _l("Freitag"),
                  _l("Samstag"), _l("Sonntag"))
ABSENCE_REASONS = (("holiday", _l("Urlaub")), ("sick", _l("krank")), ("other", _l("anderer Grund")))


class AvailabilityForm(FlaskForm):
    weekday = SelectField(_l("Wochentag"), coerce=int, validators=[NotBlank()],
                          choices=choices(enumerate(WEEKDAY_LABELS)))
    start_time = TimeField(_l("Von"), validators=[NotBlank(_l("Bitte geben Sie eine Uhrzeit an."))])
    end_time = TimeField(_l("Bis"), validators=[NotBlank(_l("Bitte geben Sie eine Uhrzeit an."))])


class AbsenceForm(FlaskForm):
    start_date = DateField(_l("Erster Tag"), validators=[NotBlank(_l("Bitte geben Sie ein Datum an."))])
    end_date = DateField(_l("Letzter Tag"), validators=[NotBlank(_l("Bitte geben Sie ein Datum an."))])
    reason = SelectField(_l("Grund"), choices=choices(ABSENCE_REASONS), validators=[NotBlank()])


class QualificationForm(FlaskForm):
    rickshaw_kind = StringField(_l("Rikscha-Typ"), validators=[NotBlank(), Length(max=80)], filters=[strip_filter])
    instructed_on = DateField(_l("Eingewiesen am"), validators=[Optional()])


class FirstAidForm(FlaskForm):
    first_aid_valid_until = DateField(_l("Erste-Hilfe-Kurs gültig bis"), validators=[Optional()])
