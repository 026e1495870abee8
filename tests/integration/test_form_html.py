"""render_field gives the markup the templates' `field` macro built in Jinja, for every kind of field.

The macro as it was before render_field replaced its body is kept here as the reference: the same
elements, attributes and text, whitespace between tags aside.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)

from rikscha.form_html import render_field
from rikscha.forms import MultiCheckboxField, choices
from rikscha.i18n import lazy_gettext

REFERENCE_MACRO = """
{% macro field(f, autocomplete=None, inputmode=None, class_=None) %}
{% set hint_id = f.id ~ '-hint' %}
{% set error_id = f.id ~ '-error' %}
{% set described = [] %}
{% if f.description %}{% do described.append(hint_id) %}{% endif %}
{% if f.errors %}{% do described.append(error_id) %}{% endif %}
{% set attrs = {} %}
{% if described %}{% do attrs.update({'aria-describedby': described|join(' ')}) %}{% endif %}
{% if f.errors %}{% do attrs.update({'aria-invalid': 'true'}) %}{% endif %}
{% if autocomplete %}{% do attrs.update({'autocomplete': autocomplete}) %}{% endif %}
{% if inputmode %}{% do attrs.update({'inputmode': inputmode}) %}{% endif %}
{% if f.flags.required %}{% do attrs.update({'required': True, 'aria-required': 'true'}) %}{% endif %}
{% if f.type in ('BooleanField',) %}
<div class="field field-check {{ class_ or '' }}{% if f.errors %} has-error{% endif %}">
  {% if f.errors %}<p class="field-error" id="{{ error_id }}">{{ f.errors|join(' ') }}</p>{% endif %}
  <div class="check-row">{{ f(**attrs) }} {{ f.label() }}</div>
  {% if f.description %}<p class="hint" id="{{ hint_id }}">{{ f.description }}</p>{% endif %}
</div>
{% elif f.type in ('MultiCheckboxField', 'RadioField') %}
<fieldset class="field field-choices {{ class_ or '' }}{% if f.errors %} has-error{% endif %}"
          {% if described %}aria-describedby="{{ described|join(' ') }}"{% endif %}>
  <legend>{{ f.label.text }}{% if f.flags.required %} <span class="required-mark">({{ _("Pflichtfeld") }})</span>{% endif %}</legend>
  {% if f.description %}<p class="hint" id="{{ hint_id }}">{{ f.description }}</p>{% endif %}
  {% if f.errors %}<p class="field-error" id="{{ error_id }}">{{ f.errors|join(' ') }}</p>{% endif %}
  <ul class="choices">
  {% for option in f %}
    <li class="check-row">{{ option() }} {{ option.label() }}</li>
  {% endfor %}
  </ul>
</fieldset>
{% elif f.type in ('HiddenField', 'CSRFTokenField') %}
{{ f() }}
{% else %}
<div class="field {{ class_ or '' }}{% if f.errors %} has-error{% endif %}">
  {{ f.label() }}{% if f.flags.required %} <span class="required-mark">({{ _("Pflichtfeld") }})</span>{% endif %}
  {% if f.description %}<p class="hint" id="{{ hint_id }}">{{ f.description }}</p>{% endif %}
  {% if f.errors %}<p class="field-error" id="{{ error_id }}">{{ f.errors|join(' ') }}</p>{% endif %}
  {{ f(**attrs) }}
</div>
{% endif %}
{% endmacro %}
"""

FIELD_KINDS = ("text", "select", "textarea", "number", "check", "checks", "radio", "hidden")


def _form_class():
    from flask_wtf import FlaskForm

    class EveryKind(FlaskForm):
        text = StringField("Name <&>")
        select = SelectField("Ziel", choices=choices([("", "– bitte wählen –"), ("1", 'Café "Eck"')]))
        textarea = TextAreaField("Hinweise")
        number = IntegerField("Anzahl")
        check = BooleanField("Einverstanden")
        checks = MultiCheckboxField(
            "Bedarf", choices=choices([("rollator", "Rollator"), ("blind", "Sehhilfe")])
        )
        radio = RadioField("Personen", choices=choices([("1", "1 Person"), ("2", "2 Personen")]))
        hidden = HiddenField()

    return EveryKind


def normalized(html) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).replace(" >", ">").strip()


texts = st.one_of(
    st.just(""), st.text(max_size=12), st.sampled_from(['a "b" <c> & d', lazy_gettext("Pflichtfeld")])
)


@pytest.fixture
def both(app):
    """(reference, ours): render one field of a fresh form both ways, in a request of the app."""
    reference = app.jinja_env.from_string(
        REFERENCE_MACRO + "{{ field(f, autocomplete=a, inputmode=i, class_=c) }}"
    )
    form_class = _form_class()

    def render(
        kind, *, errors=(), description="", required=False, autocomplete=None, inputmode=None, class_=None
    ):
        with app.test_request_context():
            form = form_class(formdata=None, data={"select": "1", "checks": ["blind"], "radio": "2"})
            field = form[kind]
            field.errors = list(errors)
            field.description = description
            field.flags.required = required
            expected = reference.render(f=field, a=autocomplete, i=inputmode, c=class_)
            ours = render_field(field, autocomplete, inputmode, class_)
        return normalized(expected), normalized(ours), ours

    return render


@pytest.mark.parametrize("kind", FIELD_KINDS)
def test_each_kind_plain_and_with_everything(both, kind):
    expected, ours, raw = both(kind)
    assert ours == expected
    assert isinstance(raw, Markup)
    expected, ours, _raw = both(
        kind,
        errors=["Bitte füllen Sie dieses Feld aus.", lazy_gettext("Pflichtfeld")],
        description="Leer lassen <für> die Adresse",
        required=True,
        autocomplete="off",
        inputmode="numeric",
        class_="slot-grid",
    )
    assert ours == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(FIELD_KINDS),
    errors=st.lists(texts, max_size=2),
    description=texts,
    required=st.booleans(),
    autocomplete=st.one_of(st.none(), st.sampled_from(["off", "tel", 'x"y'])),
    inputmode=st.one_of(st.none(), st.just("numeric")),
    class_=st.one_of(st.none(), texts),
)
def test_any_combination_as_the_macro(
    both, kind, errors, description, required, autocomplete, inputmode, class_
):
    expected, ours, _raw = both(
        kind,
        errors=errors,
        description=description,
        required=required,
        autocomplete=autocomplete,
        inputmode=inputmode,
        class_=class_,
    )
    assert ours == expected
