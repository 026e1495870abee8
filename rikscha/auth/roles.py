"""Role names and the checks every view and API endpoint uses."""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_login import current_user

from rikscha.i18n import lazy_gettext as _l


class Role(StrEnum):
    RESIDENT = "resident"
    DRIVER = "driver"
    CARETAKER = "caretaker"
    COORDINATOR = "coordinator"


ROLE_LABELS = {
    Role.RESIDENT: _l("Bewohner:in"),
    Role.DRIVER: _l("Fahrer:in"),
    Role.CARETAKER: _l("Quartiershausmeister:in"),
    Role.COORDINATOR: _l("Koordination"),
}

ALL_ROLES = tuple(Role)


def roles_required(*roles: Role):
    """Allow the view to users holding any of `roles` (401 when anonymous, 403 otherwise).

    With no roles given, any logged-in user is allowed. The API blueprint installs its own
    bearer-token user before this runs, so the same decorator serves pages and API.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if roles and not current_user.has_any_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(roles)
        return wrapped

    return decorator


def public(view):
    """Mark a view as deliberately open to everyone (checked by the authorisation test)."""
    view.is_public = True
    return view
