"""Error pages in German for people, JSON errors for the API; never a bare 500."""

from __future__ import annotations

import logging

from flask import current_app, flash, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from rikscha.api.errors import error_response
from rikscha.extensions import db

log = logging.getLogger(__name__)

_API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
_PAGES = {400, 401, 403, 404, 405, 413, 429, 500, 503}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if _wants_json():
        code = error.description if status == 400 and error.description == "invalid_json" else None
        return error_response(status, code or _API_CODES.get(status, "error"))
    if status == 401:
        from flask import redirect, url_for

        flash(_("Bitte melden Sie sich an, um diese Seite zu sehen."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    template = f"errors/{status}.html" if status in _PAGES else "errors/generic.html"
    return render_template(template, status=status), status


def handle_csrf_error(error: CSRFError):
    """Show the same form again with what was typed, instead of a dead end.

    The view runs again; its FlaskForm rejects the stale token by itself, so nothing is saved,
    and the re-rendered form carries a fresh token and the user's input.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or g.get("csrf_retry"):
        return render_template("errors/400.html", status=400), 400
    g.csrf_retry = True
    flash(
        _("Das Formular war zu lange geöffnet. Bitte prüfen Sie Ihre Angaben und senden Sie es noch einmal."),
        "error",
    )
    try:
        response = current_app.make_response(view(**(request.view_args or {})))
    except HTTPException as inner:
        return handle_http_error(inner)
    response.status_code = 400 if response.status_code == 200 else response.status_code
    return response


def handle_database_error(error: DBAPIError):
    """A lost server connection (restart, failover): the pool has dropped it, so try again."""
    db.session.rollback()
    if not error.connection_invalidated:
        return handle_unexpected(error)
    log.warning("Database connection lost on %s %s: %s", request.method, request.path, error.orig)
    response = current_app.make_response(handle_http_error(ServiceUnavailable()))
    response.headers["Retry-After"] = "1"
    return response


def handle_unexpected(error: Exception):
    db.session.rollback()
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_error(InternalServerError())


def register_error_handlers(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
