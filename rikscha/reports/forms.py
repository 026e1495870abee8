"""The period chooser of the reports and the volunteer statement (GET forms: no CSRF, nothing changes)."""

from __future__ import annotations

from datetime import date

from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from rikscha.forms import DayField, Form, NotBlank, choices
from rikscha.i18n import lazy_gettext as _l
from rikscha.reports import periods

KIND_LABELS = {
    "month": _l("Monat"),
    "quarter": _l("Quartal"),
    "year": _l("Jahr"),
    "custom": _l("Von – bis"),
}
MONTH_LABELS = (
    _l("Januar"), _l("Februar"), _l("März"), _l("April"), _l("Mai"), _l("Juni"),
    _l("Juli"), _l("August"), _l("September"), _l("Oktober"), _l("November"), _l("Dezember"),
)  # fmt: skip
FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodForm(Form):
    class Meta:
        csrf = False

    art = SelectField(_l("Zeitraum"), choices=choices(KIND_LABELS.items()), default="month")
    jahr = IntegerField(
        _l("Jahr"),
        validators=[
            Optional(),
            NumberRange(FIRST_YEAR, LAST_YEAR, _l("Bitte ein Jahr zwischen 2000 und 2100.")),
        ],
        description=_l("Für Monat, Quartal und Jahr."),
    )
    monat = SelectField(
        _l("Monat"), choices=choices((str(n), label) for n, label in enumerate(MONTH_LABELS, 1)), default="1"
    )
    quartal = SelectField(
        _l("Quartal"), choices=choices((str(n), _l("%(n)s. Quartal", n=n)) for n in range(1, 5)), default="1"
    )
    von = DayField(_l("Von (erster Tag)"), validators=[Optional()], description=_l("Nur für „Von – bis“."))
    bis = DayField(_l("Bis (letzter Tag)"), validators=[Optional()], description=_l("Nur für „Von – bis“."))

    @classmethod
    def defaults(cls, period: periods.Period) -> dict:
        """The form's values that select `period` (for the first visit)."""
        return {
            "art": period.kind,
            "jahr": period.first.year,
            "monat": str(period.first.month),
            "quartal": str(period.quarter),
            "von": period.first,
            "bis": period.last,
        }

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.art.data == "custom":
            if not self.von.data:
                self.von.errors.append(_l("Bitte den ersten Tag angeben."))
            if not self.bis.data:
                self.bis.errors.append(_l("Bitte den letzten Tag angeben."))
            if self.von.data and self.bis.data:
                if self.bis.data < self.von.data:
                    self.bis.errors.append(_l("Der letzte Tag darf nicht vor dem ersten liegen."))
                elif (self.bis.data - self.von.data).days >= periods.MAX_CUSTOM_DAYS:
                    self.bis.errors.append(_l("Bitte höchstens drei Jahre auf einmal."))
                elif not (
                    date(FIRST_YEAR, 1, 1) <= self.von.data and self.bis.data <= date(LAST_YEAR, 12, 31)
                ):
                    self.bis.errors.append(_l("Bitte Tage zwischen 2000 und 2100."))
            return not (self.von.errors or self.bis.errors)
        if self.jahr.data is None:
            self.jahr.errors.append(_l("Bitte das Jahr angeben."))
            return False
        return True

    def period(self) -> periods.Period:
        """The chosen period (call after validate())."""
        kind = self.art.data
        if kind == "custom":
            return periods.custom(self.von.data, self.bis.data)
        if kind == "year":
            return periods.year(self.jahr.data)
        if kind == "quarter":
            return periods.quarter(self.jahr.data, int(self.quartal.data))
        return periods.month(self.jahr.data, int(self.monat.data))


class VolunteerForm(PeriodForm):
    person = SelectField(_l("Person"), coerce=int, validators=[NotBlank(_l("Bitte wählen Sie eine Person."))])

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.person.choices = [(0, _l("– bitte wählen –"))] + [(p.id, p.name) for p in people]

    def validate_person(self, field):
        if not field.data:
            raise ValidationError(_l("Bitte wählen Sie eine Person."))
