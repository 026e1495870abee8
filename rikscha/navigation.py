"""The main menu per role; features add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from rikscha.auth.roles import Role
from rikscha.i18n import lazy_gettext as _l

_URLS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: frozenset

    @property
    def url(self) -> str:
        # Menu links take no arguments, so they only change with the mount point (SCRIPT_NAME).
        key = (request.script_root, self.endpoint)
        if key not in _URLS:
            _URLS[key] = url_for(self.endpoint)
        return _URLS[key]

    @property
    def current(self) -> bool:
        return request.endpoint == self.endpoint


MENU = (
    NavItem("home.coordinator", _l("Übersicht"), frozenset({Role.COORDINATOR})),
    NavItem("rides.office_rides", _l("Fahrten"), frozenset({Role.COORDINATOR})),
    NavItem("rides.office_day_plan", _l("Tagesplan"), frozenset({Role.COORDINATOR})),
    NavItem("rides.office_calls", _l("Anrufliste"), frozenset({Role.COORDINATOR})),
    NavItem("home.driver", _l("Mein Plan"), frozenset({Role.DRIVER})),
    NavItem("home.caretaker", _l("Meine Aufgaben"), frozenset({Role.CARETAKER})),
    NavItem("fleet.overview", _l("Flotte"), frozenset({Role.COORDINATOR, Role.CARETAKER, Role.DRIVER})),
    NavItem("fleet.defect_new", _l("Mangel melden"), frozenset({Role.DRIVER})),
    NavItem("rides.resident_home", _l("Meine Fahrten"), frozenset({Role.RESIDENT})),
    NavItem("rides.resident_book", _l("Fahrt buchen"), frozenset({Role.RESIDENT})),
    NavItem("rides.resident_riders", _l("Meine Fahrgäste"), frozenset({Role.RESIDENT})),
    NavItem("quarter.tasks_index", _l("Quartier"), frozenset({Role.COORDINATOR})),
    NavItem("quarter.reports_index", _l("Meldungen"), frozenset({Role.COORDINATOR})),
    NavItem("reports.index", _l("Berichte"), frozenset({Role.COORDINATOR})),
    NavItem("quarter.my_reports", _l("Meine Meldungen"), frozenset({Role.RESIDENT})),
    NavItem("admin.users", _l("Personen"), frozenset({Role.COORDINATOR})),
    NavItem("admin.audit", _l("Protokoll"), frozenset({Role.COORDINATOR})),
    NavItem("admin.privacy_index", _l("Datenschutz"), frozenset({Role.COORDINATOR})),
    NavItem("rides.office_settings", _l("Einstellungen"), frozenset({Role.COORDINATOR})),
    NavItem("auth.profile", _l("Mein Konto"), frozenset(Role)),
)


def navigation_for(user) -> list[NavItem]:
    if not user or not user.is_authenticated:
        return []
    roles = set(user.roles)  # read once: `user` is often the current_user proxy, costly per access
    return [item for item in MENU if not roles.isdisjoint(item.roles)]
