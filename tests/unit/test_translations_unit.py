"""Every string in the code and templates is in the English catalog, translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("rikscha/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}}
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
