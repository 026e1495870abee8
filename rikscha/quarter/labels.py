"""German labels for the quarter's kinds, categories, states and priorities."""

from __future__ import annotations

from rikscha.i18n import lazy_gettext as _l

AREA_KIND_LABELS = {
    "playground": _l("Spielplatz"),
    "park": _l("Park oder Grünfläche"),
    "flowerbed": _l("Beet oder Hochbeet"),
    "square": _l("Platz"),
    "other": _l("Sonstiges"),
}

CATEGORY_LABELS = {
    "cleanliness": _l("Sauberkeit"),
    "green_care": _l("Grünpflege"),
    "repair": _l("Reparatur"),
    "inspection": _l("Kontrolle"),
    "event": _l("Veranstaltung"),
    "other": _l("Sonstiges"),
}

# What residents choose from when they report something (in their words).
REPORT_CATEGORY_LABELS = {
    "repair": _l("Etwas ist kaputt oder gefährlich"),
    "cleanliness": _l("Müll oder Verschmutzung"),
    "green_care": _l("Pflanzen, Bäume, Rasen"),
    "other": _l("Etwas anderes"),
}

TASK_STATUS_LABELS = {
    "open": _l("offen"),
    "in_progress": _l("in Arbeit"),
    "done": _l("erledigt"),
    "cancelled": _l("abgesagt"),
}

REPORT_STATUS_LABELS = {
    "received": _l("eingegangen"),
    "in_progress": _l("in Arbeit"),
    "done": _l("erledigt"),
}

PRIORITY_LABELS = {
    "low": _l("niedrig"),
    "normal": _l("normal"),
    "high": _l("hoch"),
}

FREQ_LABELS = {
    "weekly": _l("wöchentlich"),
    "monthly": _l("monatlich"),
    "yearly": _l("jährlich"),
}

WEEKDAY_LABELS = (
    _l("Montag"),
    _l("Dienstag"),
    _l("Mittwoch"),
    _l("Donnerstag"),
    _l("Freitag"),
    _l("Samstag"),
    _l("Sonntag"),
)

MONTH_LABELS = (
    _l("Januar"),
    _l("Februar"),
    _l("März"),
    _l("April"),
    _l("Mai"),
    _l("Juni"),
    _l("Juli"),
    _l("August"),
    _l("September"),
    _l("Oktober"),
    _l("November"),
    _l("Dezember"),
)

BUCKET_LABELS = {
    "overdue": _l("Überfällig"),
    "today": _l("Heute"),
    "week": _l("Diese Woche"),
    "undated": _l("Ohne Termin"),
    "later": _l("Später"),
}

VIA_LABELS = {
    "web": _l("Online-Formular"),
    "phone": _l("Telefon (Büro)"),
    "api": _l("Schnittstelle"),
    "caretaker": _l("Quartiershausmeister:in"),
}

ACTION_LABELS = {
    "start": _l("Beginnen"),
    "done": _l("Erledigt"),
    "cancel": _l("Absagen"),
    "reopen": _l("Wieder öffnen"),
}


def describe_recurrence(freq: str, interval: int, weekdays, month_day: int | None, month: int | None) -> str:
    """A round's rhythm in words, e.g. "jede Woche: Montag, Donnerstag" or "alle 2 Monate am 31."."""
    from flask_babel import gettext as _

    if freq == "weekly":
        days = ", ".join(str(WEEKDAY_LABELS[d]) for d in sorted(weekdays or ()))
        if interval == 1:
            return _("jede Woche: %(days)s", days=days)
        return _("alle %(n)s Wochen: %(days)s", n=interval, days=days)
    if freq == "monthly":
        if interval == 1:
            return _("jeden Monat am %(day)s.", day=month_day)
        return _("alle %(n)s Monate am %(day)s.", n=interval, day=month_day)
    month_name = str(MONTH_LABELS[(month or 1) - 1])
    if interval == 1:
        return _("jedes Jahr am %(day)s. %(month)s", day=month_day, month=month_name)
    return _("alle %(n)s Jahre am %(day)s. %(month)s", n=interval, day=month_day, month=month_name)
