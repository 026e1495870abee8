"""German (translatable) messages for domain error codes, shared by pages and API."""

from __future__ import annotations

from rikscha.i18n import lazy_gettext as _l

MESSAGES = {
    "invalid_json": _l("Die Anfrage enthält kein gültiges JSON-Objekt."),
    "validation_failed": _l("Einige Angaben sind nicht gültig."),
    "not_found": _l("Nicht gefunden."),
    "unauthorized": _l("Bitte melden Sie sich an (Zugangsschlüssel fehlt oder ist ungültig)."),
    "forbidden": _l("Dafür fehlt Ihnen die Berechtigung."),
    "method_not_allowed": _l("Diese Methode ist hier nicht erlaubt."),
    "too_large": _l("Die Anfrage ist zu groß."),
    "rate_limited": _l("Zu viele Anfragen. Bitte warten Sie einen Moment."),
    "server_error": _l("Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später noch einmal."),
    "bad_request": _l("Die Anfrage ist ungültig."),
    "email_taken": _l("Diese E-Mail-Adresse ist schon vergeben."),
    "weak_password": _l("Das Passwort ist zu kurz."),
    "login_throttled": _l("Zu viele Fehlversuche. Bitte warten Sie 15 Minuten."),
    "invalid_credentials": _l("E-Mail-Adresse oder Passwort stimmen nicht."),
    "photo_too_large": _l("Das Foto ist zu groß. Bitte wählen Sie ein Foto mit höchstens 5 MB."),
    "photo_empty": _l("Die Datei ist leer."),
    "photo_wrong_type": _l("Bitte laden Sie ein Foto im Format JPEG, PNG oder WebP hoch."),
}


def message_for(code: str) -> str:
    message = MESSAGES.get(code)
    return str(message) if message is not None else code.replace("_", " ")


def error_message(error) -> str:
    """The German message for a domain error, its details (e.g. %(hours)s) filled in."""
    message = message_for(error.code)
    details = getattr(error, "details", None)
    if not details:
        return message
    try:
        return message % details
    except (KeyError, TypeError, ValueError):  # a message that does not use the details
        return message


def register_messages(messages: dict) -> None:
    """Features add the messages for their own error codes."""
    MESSAGES.update(messages)
