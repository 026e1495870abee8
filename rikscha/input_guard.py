"""Requests carrying NUL characters are refused before any view sees them.

Nobody types a NUL (U+0000): it comes from broken clients or from probing. PostgreSQL's text
columns cannot hold it (the insert, or even a search, fails with an engine error), and SQLite
would store it for other tools to cut strings short at. So one check covers every way in – the
path, the query string, form fields and JSON bodies – instead of a rule on every field.
"""

from __future__ import annotations

from flask import render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _

from rikscha.api.errors import error_response
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import register_messages

NUL = "\x00"

register_messages(
    {
        "invalid_characters": _l(
            "Die Anfrage enthält ein unzulässiges Steuerzeichen (NUL) und wurde nicht verarbeitet."
        )
    }
)


def json_has_nul(value) -> bool:
    """Whether any string (key or value) in a parsed JSON document contains a NUL."""
    pending = [value]  # a loop, not recursion: the document may be nested arbitrarily deep
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _carries_nul() -> bool:
    if NUL in request.path:
        return True
    for fields in (request.args, request.form):  # parsed once: the views read the same objects
        for name, values in fields.lists():
            if NUL in name or any(NUL in value for value in values):
                return True
    return request.is_json and json_has_nul(request.get_json(silent=True))


def refuse_nul_characters():
    """before_request: a 400 with a German explanation (JSON for the API), or None to go on."""
    if not _carries_nul():
        return None
    if request.path.startswith("/api/"):
        return error_response(400, "invalid_characters")
    message = _(
        "Die Eingabe enthält ein unsichtbares Steuerzeichen, das nicht gespeichert werden kann. "
        "Bitte gehen Sie zurück und tippen Sie den Text noch einmal ein, statt ihn einzufügen."
    )
    return render_template("errors/400.html", status=400, message=message), 400


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a document nested too deeply to parse is invalid JSON (a 400).

    Python's parser gives up on a few thousand nested brackets with a RecursionError, which
    request.get_json would pass on as a 500; as a ValueError it is what any broken JSON is.
    """

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
