"""Our html_params and render_option render exactly what WTForms' own do, for any input."""

from __future__ import annotations

import wtforms.widgets.core
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import Form, SelectField
from wtforms.fields.choices import Choice

from rikscha.forms import WTFORMS_HTML_PARAMS as wtforms_html_params
from rikscha.forms import WTFORMS_RENDER_OPTION as wtforms_render_option
from rikscha.forms import choices, html_params, render_option
from rikscha.i18n import lazy_gettext

keys = st.sampled_from(
    ["id", "name", "class_", "for_", "data_role_x", "aria_describedby", "value", "a&b", 'q"']
)
values = st.one_of(
    st.booleans(),
    st.integers(),
    st.text(),
    st.text().map(Markup),
    st.sampled_from(['a "quoted" <b>', Markup('<i class="x">'), "&amp;", ""]),
)


@given(st.dictionaries(keys, values, max_size=6))
def test_same_output_as_wtforms(attributes):
    ours = html_params(**attributes)
    assert ours == wtforms_html_params(**attributes)
    assert isinstance(ours, Markup)


def test_known_examples():
    assert html_params(name="text1", id="f", class_="text") == 'class="text" id="f" name="text1"'
    assert html_params(checked=True, readonly=False, name="t", abc="hello") == 'abc="hello" checked name="t"'
    assert html_params(value='say "hi" & <go>') == 'value="say &#34;hi&#34; &amp; &lt;go&gt;"'


def test_the_app_renders_with_it(app):
    assert wtforms.widgets.core.html_params is html_params
    assert wtforms_html_params is not html_params


option_values = st.one_of(st.booleans(), st.integers(), st.text(), st.text().map(Markup), st.just(""))
option_labels = st.one_of(st.none(), st.text(), st.text().map(Markup), st.just(lazy_gettext("Pflichtfeld")))


@given(
    option_values,
    option_labels,
    st.booleans(),
    st.one_of(st.none(), st.dictionaries(keys, values, max_size=2)),
    st.dictionaries(keys, values, max_size=2),
)
def test_options_as_wtforms_renders_them(value, label, selected, render_kw, extra):
    choice = Choice(value, label, selected, render_kw)
    ours = render_option(None, choice, **extra)
    assert ours == wtforms_render_option(choice, **extra)
    assert isinstance(ours, Markup)


def test_the_app_renders_select_fields_with_it(app):
    class PlaceForm(Form):
        place = SelectField(choices=choices([("", "– bitte wählen –"), ("7", 'Café "Eck" & Co')]))

    with app.test_request_context():
        html = PlaceForm(data={"place": "7"}).place()
    assert html == (
        '<select id="place" name="place"><option value="">– bitte wählen –</option>'
        '<option selected value="7">Café &#34;Eck&#34; &amp; Co</option></select>'
    )
    assert wtforms.widgets.core.Select.render_option.__func__ is render_option
    dispatch = vars(wtforms.widgets.core.Select)["_dispatch_render_option"].__func__
    assert hasattr(dispatch, "cache_info") and not hasattr(dispatch.__wrapped__, "cache_info")  # once
