"""German labels for ride states, for templates."""

from __future__ import annotations

from rikscha.i18n import lazy_gettext as _l

STATUS_LABELS = {
    "requested": _l("angefragt"),
    "confirmed": _l("bestätigt"),
    "completed": _l("erledigt"),
    "cancelled": _l("abgesagt"),
    "no_show": _l("nicht erschienen"),
}
