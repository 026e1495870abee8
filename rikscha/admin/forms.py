"""Forms for managing users."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, IntegerField, SearchField, StringField, TelField
from wtforms.validators import Email, Length, NumberRange, Optional

from rikscha.auth.roles import ALL_ROLES, ROLE_LABELS
from rikscha.forms import DayField, Form, MultiCheckboxField, NotBlank, choices, strip_filter
from rikscha.i18n import lazy_gettext as _l
from rikscha.limits import MAX_ID


class UserSearchForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(
        _l("Name, E-Mail oder Telefon"), validators=[Optional(), Length(max=100)], filters=[strip_filter]
    )


class UserForm(Form):
    name = StringField(_l("Name"), validators=[NotBlank(), Length(max=120)], filters=[strip_filter])
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[
            NotBlank(),
            Email(message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")),
            Length(max=254),
        ],
        filters=[strip_filter],
    )
    phone = TelField(_l("Telefon"), validators=[Optional(), Length(max=40)], filters=[strip_filter])
    roles = MultiCheckboxField(
        _l("Rollen"),
        choices=choices((role.value, ROLE_LABELS[role]) for role in ALL_ROLES),
        validators=[NotBlank(_l("Bitte wählen Sie mindestens eine Rolle."))],
    )
    active = BooleanField(_l("Konto ist aktiv"), default=True)


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    entity = StringField(
        _l("Art des Eintrags"),
        validators=[Optional(), Length(max=40)],
        filters=[strip_filter],
        description=_l("z. B. ride, rider, user, rickshaw, defect, task"),
    )
    entity_id = IntegerField(
        _l("Nummer"),
        validators=[Optional(), NumberRange(min=1, max=MAX_ID, message=_l("Diese Nummer gibt es nicht."))],
    )
    actor = StringField(
        _l("Wer (Name oder E-Mail)"), validators=[Optional(), Length(max=100)], filters=[strip_filter]
    )
    start = DayField(_l("Von"), validators=[Optional()])
    end = DayField(_l("Bis"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)], default=1)
