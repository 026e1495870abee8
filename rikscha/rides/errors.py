"""Domain errors of the rides feature, with stable codes (the API contract)."""

from __future__ import annotations

from rikscha.domain import Conflict, DomainError
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import register_messages


class RideConflict(Conflict):
    """409: slot_taken, rider_busy, no_capacity, too_late_to_cancel, invalid_transition."""


class RideRuleBroken(DomainError):
    """422: outside_hours, too_soon, too_far, in_past, closed_day, invalid_duration, …"""


RULE_FIELDS = {
    "invalid_duration": "duration",
    "invalid_passengers": "passengers",
    "in_past": "start",
    "too_soon": "start",
    "too_far": "start",
    "closed_day": "start",
    "outside_hours": "start",
}

register_messages(
    {
        "slot_taken": _l("Diese Zeit ist leider schon vergeben. Bitte wählen Sie eine andere Uhrzeit."),
        "rider_busy": _l("Für diese Person ist zu dieser Zeit schon eine Fahrt gebucht."),
        "no_capacity": _l("An diesem Tag ist keine Rikscha mehr frei. Bitte wählen Sie einen anderen Tag."),
        "outside_hours": _l(
            "Zu dieser Uhrzeit fahren wir nicht. Bitte wählen Sie eine Zeit innerhalb der Fahrzeiten."
        ),
        "closed_day": _l("An diesem Tag fahren wir nicht."),
        "too_soon": _l(
            "Fahrten müssen mindestens %(hours)s Stunden vorher gebucht werden. Bitte rufen Sie im Stadtteilbüro an."
        ),
        "too_far": _l("So weit im Voraus können wir noch nicht planen. Bitte wählen Sie einen früheren Tag."),
        "in_past": _l("Dieser Zeitpunkt liegt in der Vergangenheit."),
        "invalid_duration": _l("Diese Fahrtdauer ist nicht möglich."),
        "invalid_passengers": _l("Es können nur 1 oder 2 Personen mitfahren."),
        "too_late_to_cancel": _l(
            "Diese Fahrt beginnt bald. Bitte rufen Sie im Stadtteilbüro an, um sie abzusagen."
        ),
        "invalid_transition": _l("Das ist bei einer Fahrt in diesem Zustand nicht möglich."),
        "invalid_km": _l("Bitte geben Sie die gefahrenen Kilometer an (0 bis 200)."),
        "not_eligible": _l("Diese Rikscha oder diese Person kann die Fahrt nicht übernehmen."),
        "invalid_reason": _l("Bitte wählen Sie einen Grund."),
        "invalid_window": _l("Das Ende muss nach dem Anfang liegen."),
        "rider_anonymised": _l("Diese Person wurde anonymisiert und kann nicht mehr gebucht werden."),
        "consent_withdrawn": _l(
            "Diese Person hat ihr Einverständnis widerrufen und kann nicht gebucht werden."
        ),
    }
)
