"""Form building blocks shared by all features."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from rikscha.i18n import lazy_gettext as _l


class ActionForm(FlaskForm):
    """A form with no fields: a button that changes state still needs a CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # WTForms' own message for this case has no German translation.
        allowed = {choice.value for choice in self.choices}
        if any(value not in allowed for value in self.data or ()):
            raise ValidationError(_l("Bitte wählen Sie nur aus den angebotenen Möglichkeiten."))


class NotBlank:
    """Like DataRequired, but with our German message and stripping whitespace first."""

    def __init__(self, message=None):
        self.message = message or _l("Bitte füllen Sie dieses Feld aus.")
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        data = field.data
        blank_text = isinstance(data, str) and not data.strip()
        if data is None or data is False or data == [] or blank_text:
            field.errors[:] = []
            raise ValidationError(self.message)


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choice objects."""
    return [SelectChoice(value, label) for value, label in pairs]
