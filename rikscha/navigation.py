"""The main menu per role; features add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l

from rikscha.auth.roles import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: frozenset

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def current(self) -> bool:
        return request.endpoint == self.endpoint


MENU = (
    NavItem("home.coordinator", _l("Übersicht"), frozenset({Role.COORDINATOR})),
    NavItem("home.driver", _l("Mein Plan"), frozenset({Role.DRIVER})),
    NavItem("home.caretaker", _l("Meine Aufgaben"), frozenset({Role.CARETAKER})),
    NavItem("home.resident", _l("Meine Fahrten"), frozenset({Role.RESIDENT})),
    NavItem("admin.users", _l("Personen"), frozenset({Role.COORDINATOR})),
    NavItem("auth.profile", _l("Mein Konto"), frozenset(Role)),
)


def navigation_for(user) -> list[NavItem]:
    if not user or not user.is_authenticated:
        return []
    return [item for item in MENU if user.has_any_role(*item.roles)]
