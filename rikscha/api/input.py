"""Binding JSON request bodies to the same WTForms forms the pages use."""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest


class InvalidJson(BadRequest):
    code = 400
    description = "invalid_json"


def json_body() -> dict:
    """The request's JSON object, or InvalidJson (400) for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidJson()
    return data


def bind(form_class, data: dict):
    """A form (without CSRF: bearer requests carry none) bound to a JSON object.

    Lists become repeated keys so that multi-value fields (roles) work as in HTML forms;
    booleans become the strings HTML checkboxes send.
    """
    pairs = []
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, bool):
                if item:
                    pairs.append((key, "y"))
            elif item is not None:
                pairs.append((key, str(item) if not isinstance(item, str) else item))
    return form_class(formdata=MultiDict(pairs), meta={"csrf": False})
