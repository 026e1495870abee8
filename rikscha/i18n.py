"""Language choice and German-first formatting of dates and times in the office's zone."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, session
from flask_babel import format_date, format_datetime, format_time, get_timezone
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["RIKSCHA_TIMEZONE"]


def register_filters(app) -> None:
    """Jinja filters: `datetime`, `date`, `time`, `weekday_date` in the office's zone and language."""

    # Named styles ("full", "long", "medium", "short") follow the language: "Samstag, 21. November
    # 2026" in German, "Saturday, November 21, 2026" in English.
    @app.template_filter("datetime")
    def _datetime(value: datetime | None, fmt: str | None = None) -> str:
        if not value:
            return ""
        if fmt is None:
            return f"{format_datetime(value, 'EEEE')}, {format_date(value.astimezone(get_timezone()), 'long')}, " \
                   f"{format_time(value, 'HH:mm')}"
        return format_datetime(value, fmt)

    @app.template_filter("date")
    def _date(value: date | datetime | None, fmt: str = "full") -> str:
        if value is None:
            return ""
        # Flask-Babel turns a datetime into the office's zone before taking its date.
        return format_date(value, fmt)

    @app.template_filter("time")
    def _time(value: datetime | None, fmt: str = "HH:mm") -> str:
        if not value:
            return ""
        if fmt == "HH:mm":
            # The same in every language, and called for every row of long lists (day plan):
            # skip Babel's pattern machinery, which costs far more than the conversion.
            return value.astimezone(get_timezone()).strftime("%H:%M")
        return format_time(value, fmt)
