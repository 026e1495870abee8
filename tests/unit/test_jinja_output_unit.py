"""Templates compiled to escape into plain strings render exactly what Jinja's own code renders."""

from __future__ import annotations

import enum
from decimal import Decimal

import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import DictLoader, Environment
from markupsafe import Markup

from rikscha.jinja_output import EscapeToStrCodeGenerator, escape_output, install


class Shown:
    """An object with its own HTML, as WTForms fields and Markup have."""

    def __init__(self, html: str):
        self.html = html

    def __html__(self) -> str:
        return self.html


class Colour(enum.Enum):
    RED = "<red>"


class Rank(enum.IntEnum):
    HIGH = 1


TEMPLATES = {
    "plain.html": '<p title="{{ a }}">{{ a }} &amp; {{ b }}</p>{{ a ~ b }}{{ missing }}',
    "macro.html": (
        "{% macro card(x, y) %}<li>{{ x }}|{{ y }}</li>{% endmacro %}"
        "<ul>{{ card(a, b) }}{% for item in [a, b] %}{{ card(item, loop.index) }}{% endfor %}</ul>"
    ),
    "blocks.html": (
        "{% set kept %}<b>{{ a }}</b>{% endset %}{{ kept }}{{ kept|length }}"
        "{% filter upper %}{{ b }}<i>{{ a }}</i>{% endfilter %}"
        "{% set ns = namespace(items=[]) %}{% do ns.items.append(a) %}{{ ns.items|join(', ') }}"
    ),
    "caller.html": (
        "{% macro frame() %}<div>{{ caller() }}</div>{% endmacro %}"
        "{% call frame() %}{{ a }}<br>{{ b }}{% endcall %}"
    ),
    "unescaped.html": "{% autoescape false %}{{ a }}{% endautoescape %}|{{ a }}|{{ a|safe }}|{{ a|e }}",
    "base.html": "<title>{% block title %}{% endblock %}</title>{% block body %}{{ a }}{% endblock %}",
    "child.html": (
        '{% extends "base.html" %}{% block title %}{{ b }}{% endblock %}'
        '{% block body %}{{ super() }}{% include "plain.html" %}{% endblock %}'
    ),
}

values = st.one_of(
    st.text(),
    st.sampled_from(["\"quoted\" <b> & 'single'", "", "%s", "&amp;"]),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text().map(Markup),
    st.text().map(Shown),
    st.sampled_from([Colour.RED, Rank.HIGH, Decimal("1.50"), ["<a>", 1], {"k": "<v>"}]),
)


def environments() -> tuple[Environment, Environment]:
    jinja = Environment(loader=DictLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.do"])
    ours = Environment(loader=DictLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.do"])
    install(ours)
    return jinja, ours


JINJA, OURS = environments()


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@given(a=values, b=values)
def test_same_html_as_jinja(name, a, b):
    expected = JINJA.get_template(name).render(a=a, b=b)
    assert OURS.get_template(name).render(a=a, b=b) == expected


@given(values)
def test_escape_output_is_markupsafe_escape_as_str(value):
    escaped = escape_output(value)
    assert escaped == markupsafe.escape(value)
    assert type(escaped) is str


def test_printed_values_go_through_escape_output():
    source = OURS.compile(TEMPLATES["plain.html"], raw=True)
    assert "rikscha_escape_output(" in source
    assert "escape(" not in source.replace("rikscha_escape_output(", "")


def test_the_app_compiles_its_templates_with_it(app):
    assert app.jinja_env.code_generator_class is EscapeToStrCodeGenerator
    with app.test_request_context():
        html = app.jinja_env.from_string("{{ value }}").render(value="<script>")
    assert html == "&lt;script&gt;"
