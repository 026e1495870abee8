"""API for the office's setup: drivers' availability and qualifications, and the booking settings."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from rikscha.api.errors import error_response, form_error_response
from rikscha.api.input import bind, json_body
from rikscha.api.registry import api_route
from rikscha.auth.roles import Role
from rikscha.domain import DomainError, NotFound
from rikscha.extensions import db
from rikscha.messages import error_message, message_for
from rikscha.rides.drivers import (
    add_absence,
    add_weekly_window,
    first_aid_valid_until,
    require_driver,
    set_first_aid,
    set_qualification,
)
from rikscha.rides.office_forms import (
    DriverAvailabilityApiForm,
    DriverQualificationApiForm,
    SettingsRulesForm,
    check_opening_hours,
)
from rikscha.rides.office_services import update_settings
from rikscha.rides.settings import current_settings

COORDINATOR = (Role.COORDINATOR,)
# Service field names → the names this API uses for them.
_API_FIELDS = {
    "start_time": "start",
    "end_time": "end",
    "start_date": "absence_from",
    "end_date": "absence_to",
}
_SCALAR_SETTINGS = (
    "lead_time_hours",
    "horizon_days",
    "durations",
    "buffer_minutes",
    "cancel_cutoff_hours",
    "office_phone",
    "block_overdue_rickshaws",
)
SETTINGS_SCHEMA = {
    "opening_hours": "object",
    "closed_days": "array",
    "lead_time_hours": "integer",
    "horizon_days": "integer",
    "durations": "array",
    "buffer_minutes": "integer",
    "cancel_cutoff_hours": "integer",
    "office_phone": "string",
    "block_overdue_rickshaws": "boolean",
    "updated_at": "string",
}


def _domain_error(error: DomainError):
    text = error_message(error)
    extra = {"fields": {_API_FIELDS.get(error.field, error.field): [text]}} if error.field else {}
    return error_response(error.status, error.code, text, **extra)


def _driver_or_error(user_id: int):
    """(driver, None) or (None, an error response): 404 for nobody, 422 not_a_driver."""
    try:
        return require_driver(user_id), None
    except NotFound:
        return None, error_response(404, "not_found")
    except DomainError as error:
        return None, _domain_error(error)


def _day(value):
    return value.isoformat() if value else None


@api_route(
    "/drivers/<int:user_id>/availability",
    "POST",
    summary="Add a driver's weekly window {weekday, start, end} or a dated absence "
    "{absence_from, absence_to, reason}",
    roles=COORDINATOR,
    form=DriverAvailabilityApiForm,
    tag="drivers",
    responses={
        201: {
            "id": "integer",
            "driver_id": "integer",
            "type": "string",
            "weekday": "integer",
            "start": "string",
            "end": "string",
            "absence_from": "string",
            "absence_to": "string",
            "reason": "string",
        }
    },
)
def driver_availability_create(user_id: int):
    driver, problem = _driver_or_error(user_id)
    if problem:
        return problem
    form = bind(DriverAvailabilityApiForm, json_body())
    if not form.validate():
        return form_error_response(form)
    try:
        if form.is_absence:
            absence = add_absence(
                driver,
                start=form.absence_from.data,
                end=form.absence_to.data,
                reason=form.reason.data or "other",
                by=current_user,
            )
        else:
            window = add_weekly_window(
                driver, weekday=form.weekday.data, start=form.start.data, end=form.end.data, by=current_user
            )
    except DomainError as error:
        return _domain_error(error)
    db.session.commit()
    if form.is_absence:
        body = {
            "id": absence.id,
            "driver_id": driver.id,
            "type": "absence",
            "absence_from": _day(absence.start_date),
            "absence_to": _day(absence.end_date),
            "reason": absence.reason,
        }
    else:
        body = {
            "id": window.id,
            "driver_id": driver.id,
            "type": "weekly",
            "weekday": window.weekday,
            "start": window.start_time.strftime("%H:%M"),
            "end": window.end_time.strftime("%H:%M"),
        }
    return jsonify(body), 201


@api_route(
    "/drivers/<int:user_id>/qualifications",
    "POST",
    summary="Record that a driver was instructed on a rickshaw type (and, optionally, first aid validity)",
    roles=COORDINATOR,
    form=DriverQualificationApiForm,
    tag="drivers",
    responses={
        201: {
            "driver_id": "integer",
            "rickshaw_kind": "string",
            "instructed_on": "string",
            "first_aid_valid_until": "string",
        }
    },
)
def driver_qualification_create(user_id: int):
    driver, problem = _driver_or_error(user_id)
    if problem:
        return problem
    data = json_body()
    form = bind(DriverQualificationApiForm, data)
    if not form.validate():
        return form_error_response(form)
    row = set_qualification(
        driver, rickshaw_kind=form.rickshaw_kind.data, instructed_on=form.instructed_on.data, by=current_user
    )
    if "first_aid_valid_until" in data:
        set_first_aid(driver, valid_until=form.first_aid_valid_until.data, by=current_user)
    db.session.commit()
    return jsonify(
        {
            "driver_id": driver.id,
            "rickshaw_kind": row.rickshaw_kind,
            "instructed_on": _day(row.instructed_on),
            "first_aid_valid_until": _day(first_aid_valid_until(driver)),
        }
    ), 201


def settings_json(settings) -> dict:
    return {
        "opening_hours": {
            str(k): [list(w) for w in v] for k, v in sorted((settings.opening_hours or {}).items())
        },
        "closed_days": list(settings.closed_days or []),
        "lead_time_hours": settings.lead_time_hours,
        "horizon_days": settings.horizon_days,
        "durations": [int(m) for m in settings.durations or []],
        "buffer_minutes": settings.buffer_minutes,
        "cancel_cutoff_hours": settings.cancel_cutoff_hours,
        "office_phone": settings.office_phone,
        "block_overdue_rickshaws": bool(settings.block_overdue_rickshaws),
        "updated_at": settings.updated_at.isoformat() if settings.updated_at else None,
    }


@api_route(
    "/settings",
    "GET",
    summary="The booking settings",
    roles=COORDINATOR,
    tag="settings",
    responses={200: SETTINGS_SCHEMA},
)
def settings_show():
    return jsonify(settings_json(current_settings()))


@api_route(
    "/settings",
    "PUT",
    summary="Change the booking settings; fields left out keep their values. opening_hours: "
    '{"0": [["09:00", "18:00"]], …} (0 = Monday, missing = closed); closed_days: ISO dates',
    roles=COORDINATOR,
    tag="settings",
    responses={200: SETTINGS_SCHEMA},
)
def settings_update():
    data = {**settings_json(current_settings()), **json_body()}
    errors: dict[str, list[str]] = {}
    hours, problem = check_opening_hours(data["opening_hours"])
    if problem:
        errors["opening_hours"] = [problem]
    closed = data["closed_days"]
    if not isinstance(closed, list) or not all(isinstance(day, str) for day in closed):
        errors["closed_days"] = [message_for("closed_days_list")]
        closed = []
    form = bind(
        SettingsRulesForm,
        {**{name: data[name] for name in _SCALAR_SETTINGS}, "closed_days": "\n".join(closed)},
    )
    if not form.validate():
        errors.update({name: [str(m) for m in messages] for name, messages in form.errors.items()})
    if errors:
        return error_response(422, "validation_failed", fields=errors)
    try:
        settings = update_settings(
            opening_hours=hours,
            closed_days=form.closed_day_list,
            lead_time_hours=form.lead_time_hours.data,
            horizon_days=form.horizon_days.data,
            durations=form.durations.data,
            buffer_minutes=form.buffer_minutes.data,
            cancel_cutoff_hours=form.cancel_cutoff_hours.data,
            office_phone=form.office_phone.data,
            block_overdue_rickshaws=form.block_overdue_rickshaws.data,
            by=current_user,
        )
    except DomainError as error:
        return _domain_error(error)
    db.session.commit()
    return jsonify(settings_json(settings))
