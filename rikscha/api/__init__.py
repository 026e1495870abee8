"""JSON API under /api/v1/: bearer tokens, JSON errors, an OpenAPI document."""

from flask import Blueprint, g, request
from flask_login import AnonymousUserMixin

from rikscha.auth.services import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def authenticate_bearer():
    """The API knows only bearer tokens: a browser's session cookie is ignored (so no CSRF)."""
    header = request.headers.get("Authorization", "")
    user = None
    if header[:7].lower() == "bearer ":
        user = user_for_token(header[7:].strip())
    # Flask-Login reads the request's user from g._login_user when it is set.
    g._login_user = user or AnonymousUserMixin()


from rikscha.api import fleet, openapi, quarter, rickshaws, rides, rides_setup, users  # noqa: E402,F401
