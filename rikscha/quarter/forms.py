"""Forms for areas, tasks, rounds, work logs and problem reports (pages and API)."""

from __future__ import annotations

from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from rikscha.forms import DayField, Form, MultiCheckboxField, NotBlank, choices, strip_filter
from rikscha.i18n import lazy_gettext as _l
from rikscha.limits import MAX_ID
from rikscha.quarter.labels import (
    AREA_KIND_LABELS,
    CATEGORY_LABELS,
    FREQ_LABELS,
    MONTH_LABELS,
    PRIORITY_LABELS,
    REPORT_CATEGORY_LABELS,
    REPORT_STATUS_LABELS,
    TASK_STATUS_LABELS,
    WEEKDAY_LABELS,
)
from rikscha.quarter.rules import checklist_problem, parse_checklist
from rikscha.scheduling import Recurrence

PHOTO_HINT = _l("JPEG, PNG oder WebP, höchstens 5 MB. Standortdaten im Foto werden entfernt.")
CHECKLIST_MESSAGES = {
    "checklist_too_long": _l("Eine Checkliste kann höchstens 30 Punkte haben."),
    "checklist_item_too_long": _l("Ein Punkt der Checkliste darf höchstens 200 Zeichen lang sein."),
}


class CommaFloatField(FloatField):
    """A number that may be typed with a German decimal comma (51,34)."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
        super().process_formdata(valuelist)


def _caretaker_choices():
    from rikscha.quarter.services import caretaker_names

    return choices((str(person_id), name) for person_id, name in caretaker_names())


def _area_choices(placeholder):
    """Active areas; with an empty first choice on pages (the API's forms have none)."""
    from rikscha.quarter.services import area_names

    found = choices((str(area_id), name) for area_id, name in area_names(active_only=True))
    return choices([("", placeholder)]) + found if placeholder is not None else found


def _validate_checklist(field):
    if (code := checklist_problem(parse_checklist(field.data))) is not None:
        raise ValidationError(CHECKLIST_MESSAGES[code])


def _stop_if_unreadable(form, field):
    """A number that could not be read already carries WTForms' (German) message; add no second one."""
    if field.data is None:
        raise StopValidation()


def choice_values(field) -> set[str]:
    return {choice.value for choice in field.choices}


def int_or_none(value) -> int | None:
    """A number from a form or the query string (an id, a month): None if empty, not a whole number
    or beyond MAX_ID – no record has such an id, and the database could not even compare it."""
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 <= number <= MAX_ID else None


class AreaForm(Form):
    name = StringField(_l("Name"), validators=[NotBlank(), Length(max=120)], filters=[strip_filter])
    kind = SelectField(_l("Art"), choices=choices(AREA_KIND_LABELS.items()), default="playground")
    description = TextAreaField(
        _l("Beschreibung"), validators=[Optional(), Length(max=2000)], filters=[strip_filter]
    )
    location = StringField(
        _l("Lage"),
        validators=[Optional(), Length(max=300)],
        filters=[strip_filter],
        description=_l("Wie man hinfindet, z. B. „Lindenstraße, hinter der Schule“."),
    )
    latitude = CommaFloatField(
        _l("Breitengrad (freiwillig)"),
        validators=[
            Optional(),
            _stop_if_unreadable,
            NumberRange(-90, 90, message=_l("Bitte eine Zahl zwischen -90 und 90.")),
        ],
        description=_l("Zum Beispiel 51,3397"),
    )
    longitude = CommaFloatField(
        _l("Längengrad (freiwillig)"),
        validators=[
            Optional(),
            _stop_if_unreadable,
            NumberRange(-180, 180, message=_l("Bitte eine Zahl zwischen -180 und 180.")),
        ],
        description=_l("Zum Beispiel 12,3731"),
    )
    caretakers = MultiCheckboxField(_l("Zuständige Quartiershausmeister:innen"))
    active = BooleanField(_l("Revier wird betreut"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.caretakers.choices = _caretaker_choices()

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.latitude.data is None) != (self.longitude.data is None):
            self.longitude.errors.append(_l("Bitte geben Sie beide Koordinaten an oder keine."))
            return False
        return True


class TaskForm(Form):
    area_placeholder = _l("Bitte wählen")

    area_id = SelectField(_l("Revier"), validators=[NotBlank(_l("Bitte wählen Sie ein Revier."))])
    title = StringField(_l("Titel"), validators=[NotBlank(), Length(max=200)], filters=[strip_filter])
    description = TextAreaField(
        _l("Beschreibung"), validators=[Optional(), Length(max=4000)], filters=[strip_filter]
    )
    category = SelectField(_l("Kategorie"), choices=choices(CATEGORY_LABELS.items()), default="other")
    priority = SelectField(_l("Dringlichkeit"), choices=choices(PRIORITY_LABELS.items()), default="normal")
    due_date = DayField(_l("Fällig am"), validators=[Optional()])
    assignees = MultiCheckboxField(_l("Zugeteilt an"))
    checklist = TextAreaField(
        _l("Checkliste (freiwillig)"), filters=[strip_filter], description=_l("Ein Punkt pro Zeile.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area_id.choices = _area_choices(self.area_placeholder)
        self.assignees.choices = _caretaker_choices()

    def validate_checklist(self, field):
        _validate_checklist(field)


class ReportTaskForm(TaskForm):
    message = TextAreaField(
        _l("Nachricht an die meldende Person (freiwillig)"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
        description=_l("Erscheint auf der Statusseite der Meldung."),
    )


class TaskFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    area = SelectField(_l("Revier"), validators=[Optional()])
    caretaker = SelectField(_l("Quartiershausmeister:in"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=choices(
            [("active", _l("offen und in Arbeit")), *TASK_STATUS_LABELS.items(), ("all", _l("alle"))]
        ),
        default="active",
        validators=[Optional()],
    )
    overdue = BooleanField(_l("Nur überfällige"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = _area_choices(_l("Alle Reviere"))
        self.caretaker.choices = choices([("", _l("Alle"))]) + _caretaker_choices()


class TaskActionForm(Form):
    """One button per status change; only the allowed ones are shown."""

    start = SubmitField(_l("Beginnen"))
    done = SubmitField(_l("Erledigt"))
    cancel = SubmitField(_l("Absagen"))
    reopen = SubmitField(_l("Wieder öffnen"))

    def chosen_action(self) -> str | None:
        return next(
            (name for name in ("start", "done", "cancel", "reopen") if getattr(self, name).data), None
        )


class ChecklistForm(Form):
    items = MultiCheckboxField(_l("Checkliste"))

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task is not None:
            self.items.choices = choices((str(item.id), item.text) for item in task.checklist)


class WorkLogForm(Form):
    minutes = IntegerField(
        _l("Arbeitszeit in Minuten"),
        validators=[
            InputRequired(_l("Bitte geben Sie die Arbeitszeit in Minuten an.")),
            _stop_if_unreadable,
            NumberRange(1, 1440, message=_l("Bitte geben Sie die Arbeitszeit in Minuten an (1 bis 1440).")),
        ],
    )
    note = TextAreaField(
        _l("Was wurde gemacht? (freiwillig)"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
    )
    photos = MultipleFileField(
        _l("Fotos (freiwillig, höchstens 3)"),
        description=PHOTO_HINT,
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )

    def validate_photos(self, field):
        from rikscha.quarter.photos import chosen

        if len(chosen(field.data)) > 3:
            raise ValidationError(_l("Bitte wählen Sie höchstens 3 Fotos."))


class RoundForm(Form):
    area_id = SelectField(_l("Revier"), validators=[NotBlank(_l("Bitte wählen Sie ein Revier."))])
    title = StringField(_l("Titel"), validators=[NotBlank(), Length(max=200)], filters=[strip_filter])
    description = TextAreaField(
        _l("Beschreibung"), validators=[Optional(), Length(max=4000)], filters=[strip_filter]
    )
    category = SelectField(_l("Kategorie"), choices=choices(CATEGORY_LABELS.items()), default="inspection")
    priority = SelectField(_l("Dringlichkeit"), choices=choices(PRIORITY_LABELS.items()), default="normal")
    freq = RadioField(
        _l("Rhythmus"),
        choices=choices(FREQ_LABELS.items()),
        default="weekly",
        validators=[NotBlank(_l("Bitte wählen Sie einen Rhythmus."))],
    )
    interval = IntegerField(
        _l("Alle wie viele Wochen, Monate oder Jahre?"),
        default=1,
        validators=[
            InputRequired(_l("Bitte eine Zahl von 1 bis 52.")),
            _stop_if_unreadable,
            NumberRange(1, 52, message=_l("Bitte eine Zahl von 1 bis 52.")),
        ],
        description=_l("1 = jede Woche (jeden Monat, jedes Jahr), 2 = jede zweite …"),
    )
    weekdays = MultiCheckboxField(
        _l("An welchen Wochentagen? (bei wöchentlich)"),
        choices=choices((str(i), label) for i, label in enumerate(WEEKDAY_LABELS)),
    )
    month_day = IntegerField(
        _l("Am wievielten Tag des Monats? (bei monatlich und jährlich)"),
        validators=[
            Optional(),
            _stop_if_unreadable,
            NumberRange(1, 31, message=_l("Bitte eine Zahl von 1 bis 31.")),
        ],
        description=_l("Gibt es den Tag in einem Monat nicht (z. B. 31.), gilt der letzte Tag des Monats."),
    )
    month = SelectField(
        _l("In welchem Monat? (bei jährlich)"),
        validators=[Optional()],
        choices=choices(
            [("", _l("Bitte wählen"))] + [(str(i + 1), label) for i, label in enumerate(MONTH_LABELS)]
        ),
    )
    anchor = DayField(_l("Beginnt am"), validators=[NotBlank(_l("Bitte geben Sie ein Datum an."))])
    checklist = TextAreaField(
        _l("Checkliste"), filters=[strip_filter], description=_l("Ein Punkt pro Zeile.")
    )
    assignees = MultiCheckboxField(_l("Zugeteilt an"))
    active = BooleanField(_l("Runde ist aktiv"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area_id.choices = _area_choices(_l("Bitte wählen"))
        self.assignees.choices = _caretaker_choices()

    def validate_checklist(self, field):
        _validate_checklist(field)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        freq, month = self.freq.data, int_or_none(self.month.data)
        if freq == "weekly" and not self.weekdays.data:
            self.weekdays.errors.append(_l("Bitte wählen Sie mindestens einen Wochentag."))
            return False
        if freq in ("monthly", "yearly") and self.month_day.data is None:
            self.month_day.errors.append(_l("Bitte geben Sie den Tag des Monats an."))
            return False
        if freq == "yearly" and month is None:
            self.month.errors.append(_l("Bitte wählen Sie einen Monat."))
            return False
        try:
            Recurrence(
                freq=freq,
                interval=self.interval.data,
                weekdays=tuple(int(d) for d in self.weekdays.data) if freq == "weekly" else (),
                month_day=self.month_day.data if freq != "weekly" else None,
                month=month if freq == "yearly" else None,
            )
        except (ValueError, TypeError):
            self.month_day.errors.append(_l("Diesen Tag gibt es in diesem Monat nicht."))
            return False
        return True


class ReportForm(Form):
    """What everyone fills in; logged-in people are known, so no contact fields."""

    area_placeholder = _l("Anderer Ort (bitte unten beschreiben)")

    category = RadioField(
        _l("Worum geht es?"),
        choices=choices(REPORT_CATEGORY_LABELS.items()),
        validators=[NotBlank(_l("Bitte wählen Sie aus, worum es geht."))],
    )
    area_id = SelectField(
        _l("Wo?"),
        description=_l("Wählen Sie einen Ort aus der Liste oder beschreiben Sie ihn im nächsten Feld."),
    )
    location = StringField(
        _l("Ort genauer beschreiben"),
        validators=[Optional(), Length(max=300)],
        filters=[strip_filter],
        description=_l("Zum Beispiel Straße und Hausnummer oder „an der großen Rutsche“."),
    )
    text = TextAreaField(
        _l("Was ist los?"),
        validators=[NotBlank(_l("Bitte beschreiben Sie kurz, was los ist.")), Length(max=2000)],
        filters=[strip_filter],
    )
    photo = FileField(
        _l("Foto (freiwillig)"),
        description=PHOTO_HINT,
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area_id.choices = _area_choices(self.area_placeholder)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.area_id.data and not self.location.data and not self.location.errors:
            self.location.errors.append(
                _l("Bitte wählen Sie einen Ort aus der Liste oder beschreiben Sie ihn.")
            )
            return False
        return valid


class ContactReportForm(ReportForm):
    contact_name = StringField(
        _l("Ihr Name (freiwillig)"), validators=[Optional(), Length(max=120)], filters=[strip_filter]
    )
    contact_phone = TelField(
        _l("Telefon (freiwillig)"), validators=[Optional(), Length(max=40)], filters=[strip_filter]
    )
    contact_email = EmailField(
        _l("E-Mail-Adresse (freiwillig)"),
        validators=[
            Optional(),
            Email(message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")),
            Length(max=254),
        ],
        filters=[strip_filter],
    )


class PublicReportForm(ContactReportForm):
    """The anonymous form: a honeypot hidden by CSS and the signed time the form was handed out."""

    website = StringField(_l("Bitte lassen Sie dieses Feld leer"), filters=[strip_filter])
    started = HiddenField()


class ReportFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        default="open",
        validators=[Optional()],
        choices=choices(
            [("open", _l("noch nicht erledigt")), *REPORT_STATUS_LABELS.items(), ("all", _l("alle"))]
        ),
    )


class MergeForm(Form):
    original = SelectField(
        _l("Ist ein Duplikat von"), validators=[NotBlank(_l("Bitte wählen Sie eine Meldung."))]
    )
    merge_message = TextAreaField(
        _l("Nachricht an die meldende Person (freiwillig)"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
    )


class RespondForm(Form):
    message = TextAreaField(
        _l("Nachricht an die meldende Person"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
        description=_l("Erscheint auf der Statusseite der Meldung."),
    )
    save = SubmitField(_l("Nachricht speichern"))
    close = SubmitField(_l("Speichern und Meldung abschließen"))

    def validate_message(self, field):
        if self.close.data and not field.data:
            raise ValidationError(_l("Bitte schreiben Sie eine Nachricht an die meldende Person."))


# The API's versions: no empty "please choose" entry (a missing value is simply left out).
class ApiTaskForm(TaskForm):
    area_placeholder = None


class ApiReportTaskForm(ReportTaskForm):
    area_placeholder = None


class ApiReportForm(ContactReportForm):
    area_placeholder = None
    area_id = SelectField(_l("Revier (id), wenn bekannt"), validators=[Optional()])
