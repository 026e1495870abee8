"""Templates' _(), gettext() and ngettext() (rikscha.i18n) give what Jinja's own newstyle
callables give: translated, formatted, escaped when the template escapes, in both languages.
Days, times and phone links as the filters write them."""

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


def test_days_follow_the_language_also_when_it_is_forced_mid_request(app):
    from datetime import date

    from rikscha.i18n import current_locale_name, format_day

    day = date(2026, 12, 3)
    with app.test_request_context("/"):
        assert current_locale_name() == "de" and format_day(day, "long") == "3. Dezember 2026"
        with force_locale("en"):
            assert current_locale_name() == "en" and format_day(day, "long") == "December 3, 2026"
        assert current_locale_name() == "de" and format_day(day, "long") == "3. Dezember 2026"


def test_times_and_phone_links(app):
    from datetime import UTC, datetime

    from rikscha.i18n import clock_time

    with app.test_request_context("/"):
        render = app.jinja_env.from_string
        winter, summer = datetime(2026, 12, 3, 8, 5, tzinfo=UTC), datetime(2026, 7, 3, 23, 59, tzinfo=UTC)
        assert render("{{ a|time }}|{{ b|time }}").render(a=winter, b=summer) == "09:05|01:59"
        assert clock_time(datetime(2026, 1, 1, 0, 7)) == "00:07"
        assert render("{{ p|tel }}|{{ q|tel }}").render(p=" 0341 123\t45 ", q=None) == "034112345|"
        assert render("{{ p|tel }}").render(p="<0341>") == "&lt;0341&gt;"
