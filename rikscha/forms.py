"""Form building blocks shared by all features."""

from __future__ import annotations

from functools import cache, lru_cache

from babel.support import Translations
from flask import current_app, has_request_context
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError
from wtforms.widgets import core as widget_core

from rikscha.i18n import current_locale_name
from rikscha.i18n import lazy_gettext as _l
from rikscha.jinja_output import escape_output
from rikscha.limits import FIRST_DAY, LAST_DAY

DAY_OUT_OF_RANGE = _l("Bitte geben Sie ein Datum zwischen 1900 und 9000 an.")


@cache
def wtforms_catalog(language: str) -> Translations:
    """WTForms' own messages ("Keine gültige Auswahl") in `language`, read once per process."""
    return Translations.load(messages_path(), [language], domain="wtforms")


class _WTFormsMessages:
    """WTForms' messages in the request's language (untranslated outside a request)."""

    @staticmethod
    def _catalog() -> Translations | None:
        return wtforms_catalog(current_locale_name()) if has_request_context() else None

    def gettext(self, string: str) -> str:
        catalog = self._catalog()
        return string if catalog is None else catalog.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalog = self._catalog()
        if catalog is None:
            return singular if n == 1 else plural
        return catalog.ngettext(singular, plural, n)


WTFORMS_MESSAGES = _WTFormsMessages()


class Form(FlaskForm):
    """The base of every form of the app.

    Flask-WTF reads and parses WTForms' message catalog anew for each request that needs one of
    its messages (0.35 ms; a CSRF field's default label is one). The catalog is the same for every
    request in one language, so it is read once per process and language.
    """

    class Meta:
        def get_translations(self, form):
            if current_app.config.get("WTF_I18N_ENABLED", True):
                return WTFORMS_MESSAGES
            return super().get_translations(form)


class ActionForm(Form):
    """A form with no fields: a button that changes state still needs a CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # WTForms' own message for this case has no German translation.
        allowed = {choice.value for choice in self.choices}
        if any(value not in allowed for value in self.data or ()):
            raise ValidationError(_l("Bitte wählen Sie nur aus den angebotenen Möglichkeiten."))


class DayField(DateField):
    """A date field for days the app can compute with: 1900 to 9000.

    Browsers' date inputs accept years such as 0001 or 275760; turning such a day into UTC bounds
    overflows. Such a day is refused like any invalid value, with a message naming the range.
    """

    def pre_validate(self, form):
        if self.data is not None and not FIRST_DAY <= self.data <= LAST_DAY:
            raise ValidationError(DAY_OUT_OF_RANGE)


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


def valid_data(field):
    """The field's value once validated, or None if it was refused (for filters that still show a list)."""
    return None if field.errors else field.data


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choice objects."""
    return [SelectChoice(value, label) for value, label in pairs]


# Markup values keep their quotes: WTForms writes them as &quot; (plain text's become &#34;).
_QUOTE, _QUOTE_ENTITY = '"', "&quot;"
WTFORMS_HTML_PARAMS = widget_core.html_params  # the library's own, kept for comparison


def html_params(**kwargs) -> Markup:
    """WTForms' html_params, output for output, without Markup.format.

    WTForms formats every attribute through string.Formatter with escaping, about 3 µs each; a
    form page renders hundreds (the booking form's place list alone has 41 options). Same rules:
    sorted keys, `class_` → `class`, `data_`/`aria_` → hyphens, True → bare name, False → left out.
    """
    params = []
    for key, value in sorted(kwargs.items()):
        name = _attribute_name(key)
        if value is True:
            params.append(name)
        elif value is not False:
            params.append(f'{name}="{escape_output(value).replace(_QUOTE, _QUOTE_ENTITY)}"')
    return Markup(" ".join(params))


@lru_cache(maxsize=256)
def _attribute_name(key: str) -> str:
    return escape_output(widget_core.clean_key(key))


WTFORMS_RENDER_OPTION = widget_core.Select.render_option  # the library's own, kept for comparison


def render_option(_widget_class, choice, **kwargs) -> Markup:
    """WTForms' Select.render_option, output for output, without html_params for a plain option.

    A plain option (no extra attributes) has at most two: `selected` and `value`, in that order
    once sorted. The booking form's place list renders 41 of them on every request.
    """
    if kwargs or choice.render_kw:
        return WTFORMS_RENDER_OPTION(choice, **kwargs)
    value = choice.value
    if isinstance(value, bool):
        value = str(value)
    selected = "selected " if choice.selected else ""
    value_text = escape_output(value).replace(_QUOTE, _QUOTE_ENTITY)
    return Markup(
        f'<option {selected}value="{value_text}">{escape_output(choice.label or choice.value)}</option>'
    )


def use_fast_html_params() -> None:
    """Let every WTForms widget render its attributes with html_params above, and select fields
    their options with render_option (called at startup)."""
    widget_core.html_params = html_params
    widgets.html_params = html_params  # labels call it through this name
    for widget in (widget_core.Input, widget_core.Button):
        if "html_params" in vars(widget):
            widget.html_params = staticmethod(html_params)
    widget_core.Select.render_option = classmethod(render_option)
    # WTForms 3.3 inspects render_option's signature on every select it renders (inspect.signature,
    # 20-30 µs, as long as rendering fifteen options); the answer depends on the class only. A
    # WTForms without that private helper is left as it is.
    dispatch = vars(widget_core.Select).get("_dispatch_render_option")
    if isinstance(dispatch, classmethod) and not hasattr(dispatch.__func__, "cache_info"):
        widget_core.Select._dispatch_render_option = classmethod(cache(dispatch.__func__))
