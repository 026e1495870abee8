"""Turning failures into the API's JSON error shape."""

from __future__ import annotations

from flask import jsonify

from rikscha.messages import message_for


def error_response(status: int, code: str, message: str | None = None, **extra):
    body = {"error": {"code": code, "message": message or message_for(code), **extra}}
    return jsonify(body), status


def form_error_response(form):
    """422 with every field's messages, for a form bound to JSON input."""
    fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return error_response(422, "validation_failed", fields=fields)
