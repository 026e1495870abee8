"""Forms for login, registration and the profile page."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField, TelField
from wtforms.validators import Email, EqualTo, Length, Optional

from rikscha.auth.services import MIN_PASSWORD_LENGTH
from rikscha.forms import Form, NotBlank, choices, strip_filter
from rikscha.i18n import lazy_gettext as _l

LANGUAGE_CHOICES = [("de", "Deutsch"), ("en", "English")]

_email_validators = [
    NotBlank(),
    Email(message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.")),
    Length(max=254),
]
_new_password_validators = [
    NotBlank(),
    Length(
        min=MIN_PASSWORD_LENGTH,
        max=200,
        message=_l("Das Passwort muss mindestens %(min)d Zeichen lang sein.", min=MIN_PASSWORD_LENGTH),
    ),
]


class LoginForm(Form):
    email = EmailField(_l("E-Mail-Adresse"), validators=[NotBlank()], filters=[strip_filter])
    password = PasswordField(_l("Passwort"), validators=[NotBlank()])
    next = HiddenField()


class RegisterForm(Form):
    name = StringField(_l("Ihr Name"), validators=[NotBlank(), Length(max=120)], filters=[strip_filter])
    email = EmailField(_l("E-Mail-Adresse"), validators=_email_validators, filters=[strip_filter])
    phone = TelField(
        _l("Telefon (freiwillig)"),
        validators=[Optional(), Length(max=40)],
        filters=[strip_filter],
        description=_l("Damit das Stadtteilbüro Sie bei Änderungen anrufen kann."),
    )
    password = PasswordField(
        _l("Passwort"),
        validators=_new_password_validators,
        description=_l("Mindestens %(min)d Zeichen.", min=MIN_PASSWORD_LENGTH),
    )
    password_repeat = PasswordField(
        _l("Passwort wiederholen"),
        validators=[
            NotBlank(),
            EqualTo("password", message=_l("Die beiden Passwörter stimmen nicht überein.")),
        ],
    )
    consent = BooleanField(
        _l("Ich bin einverstanden, dass das Stadtteilbüro meine Angaben speichert, um Fahrten zu planen."),
        validators=[NotBlank(_l("Ohne Ihr Einverständnis können wir kein Konto anlegen."))],
    )


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Bisheriges Passwort"), validators=[NotBlank()])
    password = PasswordField(
        _l("Neues Passwort"),
        validators=_new_password_validators,
        description=_l("Mindestens %(min)d Zeichen.", min=MIN_PASSWORD_LENGTH),
    )
    password_repeat = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[
            NotBlank(),
            EqualTo("password", message=_l("Die beiden Passwörter stimmen nicht überein.")),
        ],
    )


class LanguageForm(Form):
    language = RadioField(_l("Sprache"), choices=choices(LANGUAGE_CHOICES), validators=[NotBlank()])
    next = HiddenField()


class TokenForm(Form):
    label = StringField(
        _l("Wofür ist der Schlüssel?"),
        validators=[NotBlank(), Length(max=80)],
        filters=[strip_filter],
        description=_l("Zum Beispiel: Tabelle im Büro"),
    )
