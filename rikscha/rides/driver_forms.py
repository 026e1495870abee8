"""Forms for availability windows, absences, qualifications and first aid."""

from __future__ import annotations

from flask import abort
from wtforms import SelectField, StringField, TimeField
from wtforms.validators import Length, Optional

from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.forms import DayField, Form, NotBlank, choices, strip_filter
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import error_message
from rikscha.rides.drivers import add_absence, add_weekly_window

WEEKDAY_LABELS = (
    _l("Montag"),
    _l("Dienstag"),
    _l("Mittwoch"),
    _l("Donnerstag"),
    _l("Freitag"),
    _l("Samstag"),
    _l("Sonntag"),
)
ABSENCE_REASONS = (("holiday", _l("Urlaub")), ("sick", _l("krank")), ("other", _l("anderer Grund")))


class AvailabilityForm(Form):
    weekday = SelectField(
        _l("Wochentag"), coerce=int, validators=[NotBlank()], choices=choices(enumerate(WEEKDAY_LABELS))
    )
    start_time = TimeField(_l("Von"), validators=[NotBlank(_l("Bitte geben Sie eine Uhrzeit an."))])
    end_time = TimeField(_l("Bis"), validators=[NotBlank(_l("Bitte geben Sie eine Uhrzeit an."))])


class AbsenceForm(Form):
    start_date = DayField(_l("Erster Tag"), validators=[NotBlank(_l("Bitte geben Sie ein Datum an."))])
    end_date = DayField(_l("Letzter Tag"), validators=[NotBlank(_l("Bitte geben Sie ein Datum an."))])
    reason = SelectField(_l("Grund"), choices=choices(ABSENCE_REASONS), validators=[NotBlank()])


class QualificationForm(Form):
    rickshaw_kind = StringField(
        _l("Rikscha-Typ"), validators=[NotBlank(), Length(max=80)], filters=[strip_filter]
    )
    instructed_on = DayField(_l("Eingewiesen am"), validators=[Optional()])


class FirstAidForm(Form):
    first_aid_valid_until = DayField(_l("Erste-Hilfe-Kurs gültig bis"), validators=[Optional()])


# Form → service glue shared by the driver's own pages and the office's driver pages.


def submit_window(form: AvailabilityForm, driver, *, by) -> bool:
    """Add the form's weekly window; on a rule error put the German message on its field."""
    try:
        add_weekly_window(
            driver, weekday=form.weekday.data, start=form.start_time.data, end=form.end_time.data, by=by
        )
    except DomainError as error:
        getattr(form, error.field or "start_time").errors.append(error_message(error))
        return False
    return True


def submit_absence(form: AbsenceForm, driver, *, by) -> bool:
    """Add the form's absence; on a rule error put the German message on its field."""
    try:
        add_absence(
            driver, start=form.start_date.data, end=form.end_date.data, reason=form.reason.data, by=by
        )
    except DomainError as error:
        getattr(form, error.field or "start_date").errors.append(error_message(error))
        return False
    return True


def drivers_record_or_404(model, record_id: int, driver):
    """A window or absence of this driver; another driver's id is as unknown as a missing one."""
    record = db.get_or_404(model, record_id)
    if record.driver_id != driver.id:
        abort(404)
    return record
