"""Every string in the code and templates is in the English catalog, translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract as extract_jinja2

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("rikscha/**.py", "python"), ("templates/**.html", "jinja2")]
# As in babel.cfg: the app's Jinja extensions, without which Babel skips a template silently.
TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.do"}


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS, options_map={"templates/**.html": TEMPLATE_OPTIONS}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_an_english_translation():
    with open(ROOT / "translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
    missing = sorted(m for m in _source_messages() if not translated.get(m))
    assert not missing, (
        f"{len(missing)} strings lack an English translation (make translations-update): {missing[:15]}"
    )
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert not fuzzy, f"fuzzy translations need review: {fuzzy[:10]}"


def test_every_template_that_translates_is_extracted():
    """A template Babel cannot parse yields no messages and no error (as forms.html did)."""
    silent = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        if '_("' not in template.read_text(encoding="utf-8"):
            continue
        with open(template, "rb") as handle:
            if not list(extract_jinja2(handle, KEYWORDS, [], TEMPLATE_OPTIONS)):
                silent.append(str(template.relative_to(ROOT)))
    assert not silent, f"Babel extracts nothing from: {silent}"
