"""Templates' _(), gettext() and ngettext() (rikscha.i18n) give what Jinja's own newstyle
callables give: translated, formatted, escaped when the template escapes, in both languages."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from jinja2 import Environment

from rikscha.i18n import current_translations

TEMPLATES = [
    '{{ _("Abholung") }}',
    '{{ _("Fahrten von %(name)s", name=name) }}',
    '{{ gettext("Fahrten von %(name)s", name=name) }}',
    '{{ _("%(count)s Personen", count=2) }}',
    '{{ _("nicht im Katalog: 100 %% sicher") }}',
    '{{ _("nicht im Katalog: %(x)s", x=name) }}',
    '{{ _("<em>Rad & Tat</em>: %(name)s", name=name) }}',  # the text is trusted, the value escaped
    '{{ ngettext("%(num)s Platz", "%(num)s Plätze", 1) }}|{{ ngettext("%(num)s Platz", "%(num)s Plätze", 3) }}',
    '{{ ngettext("%(num)s Fahrt an diesem Tag.", "%(num)s Fahrten an diesem Tag.", n, num=n) }}',
    "{% trans %}Abholung{% endtrans %}",
    "{% trans count=n %}{{ count }} Platz{% pluralize %}{{ count }} Plätze{% endtrans %}",
]


def jinja_reference(autoescape: bool) -> Environment:
    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    environment.install_gettext_callables(
        gettext=lambda string: current_translations().ugettext(string),
        ngettext=lambda singular, plural, n: current_translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    return environment


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("autoescape", [True, False], ids=["html", "text"])
def test_same_output_as_jinjas_newstyle_gettext(app, language, autoescape):
    variables = {"name": "<Rosi & Co>", "n": 2}
    with app.test_request_context("/"), force_locale(language):
        reference = jinja_reference(autoescape)
        ours = app.jinja_env.overlay(autoescape=autoescape)
        for source in TEMPLATES:
            expected = reference.from_string(source).render(variables)
            assert ours.from_string(source).render(variables) == expected, source
        if language == "en":  # the catalog is used, not just the msgids
            assert ours.from_string('{{ _("Abholung") }}').render() == "Pick-up"
