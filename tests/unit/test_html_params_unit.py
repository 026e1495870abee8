"""Our html_params renders exactly what WTForms' own does, for any attributes."""

from __future__ import annotations

import wtforms.widgets.core
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from rikscha.forms import WTFORMS_HTML_PARAMS as wtforms_html_params
from rikscha.forms import html_params

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
