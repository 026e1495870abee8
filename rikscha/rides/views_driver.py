"""The driver's pages: "Mein Plan", one ride (complete / no-show), the run sheet, own availability."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user

from rikscha.audit.services import record_view
from rikscha.auth.roles import Role, roles_required
from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.forms import ActionForm, DayField, Form, NotBlank
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import error_message, message_for, register_messages
from rikscha.page_helpers import translated, url_before_id
from rikscha.rides import bp
from rikscha.rides.driver_forms import (
    ABSENCE_REASONS,
    WEEKDAY_LABELS,
    AbsenceForm,
    AvailabilityForm,
    drivers_record_or_404,
    submit_absence,
    submit_window,
)
from rikscha.rides.drivers import (
    absences,
    remove_absence,
    remove_weekly_window,
    weekly_windows,
)
from rikscha.rides.feeds import DriverRide, driver_rides
from rikscha.rides.forms import NEED_LABELS, CompleteForm
from rikscha.rides.labels import STATUS_LABELS
from rikscha.rides.models import (
    ACTIVE_STATUSES,
    DriverAbsence,
    DriverAvailability,
    Ride,
    RideStatus,
)
from rikscha.rides.services import complete_ride, mark_no_show
from rikscha.rides.settings import office_phone, office_zone
from rikscha.scheduling import local_day_bounds

register_messages(
    {
        "not_started": _l("Diese Fahrt hat noch nicht begonnen. Sie können sie ab %(time)s Uhr abschließen."),
    }
)

# Rides that are not cancelled: what a driver drove, drives or should have driven.
_SHOWN = (*ACTIVE_STATUSES, RideStatus.COMPLETED.value, RideStatus.NO_SHOW.value)
# How far back "not yet finished" rides are still offered for completing.
_OPEN_BACK = timedelta(days=14)


class RunSheetForm(Form):
    """Which day the run sheet is for (GET)."""

    class Meta:
        csrf = False

    tag = DayField(_l("Tag"), validators=[NotBlank(_l("Bitte geben Sie ein gültiges Datum an."))])


def _today(now: datetime) -> date:
    return now.astimezone(office_zone()).date()


# The ride cards' and facts' texts, translated once per page instead of once per card.
RIDE_TEXTS = {
    "pickup": _l("Abholung"),
    "map": _l("Auf der Karte zeigen"),
    "rider": _l("Fahrgast"),
    "persons": _l("Personen"),
    "destination": _l("Ziel"),
    "notes": _l("Hinweise"),
    "no_needs": _l("keine besonderen"),
    "rickshaw": _l("Rikscha"),
    "time_span": _l("%(start)s–%(end)s Uhr"),
    "finish": _l("Fahrt abschließen"),
    "open": _l("Fahrt öffnen"),
}


def _page(template: str, **context):
    return render_template(
        template,
        need_labels=translated(NEED_LABELS),
        status_labels=translated(STATUS_LABELS),
        ride_texts=translated(RIDE_TEXTS),
        ride_url=url_before_id("rides.driver_ride", "ride_id"),
        driver_office_phone=office_phone(),
        **context,
    )


def render_plan():
    """Mein Plan: today and the next six days, plus started rides not yet finished.

    A rolling week: on a Saturday the driver must already see Monday's rides.

    The driver's start page (home.driver, /fahrer) renders this.
    """
    now = utcnow()
    tz, today = office_zone(), _today(now)
    today_start = local_day_bounds(today, tz).start
    week_end = local_day_bounds(today + timedelta(days=7), tz).start
    rides = driver_rides(
        current_user, today_start, week_end, statuses=_SHOWN, unfinished_from=today_start - _OPEN_BACK
    )
    days: dict[date, list[DriverRide]] = defaultdict(list)
    unfinished = []
    for ride in rides:
        if ride.start_at < today_start:
            unfinished.append(ride)
            continue
        day = ride.start_at.astimezone(tz).date()
        # Finished rides only for today; later days show what is still to drive.
        if ride.active or day == today:
            days[day].append(ride)
    return _page(
        "rides/driver/plan.html", days=sorted(days.items()), unfinished=unfinished, today=today, now=now
    )


def _own_ride(ride_id: int) -> Ride:
    ride = db.get_or_404(Ride, ride_id)
    if ride.driver_id != current_user.id:
        abort(404)
    return ride


def _render_ride(ride: Ride, *, complete_form: CompleteForm | None = None, status: int = 200):
    now = utcnow()
    can_finish = ride.status == RideStatus.CONFIRMED.value and ride.start_at <= now
    return _page(
        "rides/driver/ride.html",
        ride=ride,
        facts=DriverRide.of(ride),
        can_finish=can_finish,
        now=now,
        complete_form=complete_form or CompleteForm(formdata=None),
        no_show_form=ActionForm(),
    ), status


def _error_text(error: DomainError, ride: Ride, now: datetime) -> str:
    if error.code == "invalid_transition" and ride.active and ride.start_at > now:
        return message_for("not_started") % {"time": format_time(ride.start_at, "HH:mm")}
    return error_message(error)


@bp.get("/mein-plan/fahrten/<int:ride_id>")
@roles_required(Role.DRIVER)
def driver_ride(ride_id: int):
    ride = _own_ride(ride_id)
    record_view(current_user, "rider", ride.rider_id, f"ride={ride.id}; driver")
    return _render_ride(ride)


@bp.post("/mein-plan/fahrten/<int:ride_id>/erledigt")
@roles_required(Role.DRIVER)
def driver_complete(ride_id: int):
    ride = _own_ride(ride_id)
    form = CompleteForm()
    if not form.validate_on_submit():
        return _render_ride(ride, complete_form=form, status=422)
    now = utcnow()
    try:
        complete_ride(ride, by=current_user, km=float(form.km.data), now=now)
    except DomainError as error:
        if error.field == "km":
            form.km.errors.append(_error_text(error, ride, now))
        else:
            flash(_error_text(error, ride, now), "error")
        return _render_ride(ride, complete_form=form, status=error.status)
    db.session.commit()
    flash(
        _(
            "Die Fahrt mit %(name)s ist als erledigt gespeichert (%(km)s km). Danke!",
            name=ride.rider.name,
            km=f"{ride.km:g}",
        ),
        "success",
    )
    return redirect(url_for("home.driver"))


@bp.post("/mein-plan/fahrten/<int:ride_id>/nicht-erschienen")
@roles_required(Role.DRIVER)
def driver_no_show(ride_id: int):
    ride = _own_ride(ride_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("rides.driver_ride", ride_id=ride.id))
    now = utcnow()
    try:
        mark_no_show(ride, by=current_user, now=now)
    except DomainError as error:
        flash(_error_text(error, ride, now), "error")
        return _render_ride(ride, status=error.status)
    db.session.commit()
    flash(_("Gespeichert: %(name)s ist nicht erschienen.", name=ride.rider.name), "success")
    return redirect(url_for("home.driver"))


@bp.get("/mein-plan/laufzettel")
@roles_required(Role.DRIVER)
def driver_run_sheet():
    now = utcnow()
    form = (
        RunSheetForm(request.args) if "tag" in request.args else RunSheetForm(formdata=None, tag=_today(now))
    )
    rides, status = [], 200
    if form.validate():
        bounds = local_day_bounds(form.tag.data, office_zone())
        rides = driver_rides(current_user, bounds.start, bounds.end, statuses=_SHOWN)
    else:
        status = 422
    return _page("rides/driver/run_sheet.html", form=form, rides=rides), status


def _render_availability(*, window_form=None, absence_form=None, status: int = 200):
    today = _today(utcnow())
    by_weekday = defaultdict(list)
    for window in weekly_windows(current_user):
        by_weekday[window.weekday].append(window)
    weekdays = [(label, by_weekday[number]) for number, label in enumerate(WEEKDAY_LABELS)]
    return _page(
        "rides/driver/availability.html",
        weekdays=weekdays,
        absences=absences(current_user, from_day=today),
        reason_labels=dict(ABSENCE_REASONS),
        window_form=window_form or AvailabilityForm(formdata=None),
        absence_form=absence_form or AbsenceForm(formdata=None),
    ), status


@bp.get("/mein-plan/verfuegbarkeit")
@roles_required(Role.DRIVER)
def driver_availability():
    return _render_availability()


@bp.post("/mein-plan/verfuegbarkeit/zeiten")
@roles_required(Role.DRIVER)
def driver_window_add():
    form = AvailabilityForm()
    if form.validate_on_submit() and submit_window(form, current_user, by=current_user):
        db.session.commit()
        flash(_("Die Zeit ist eingetragen."), "success")
        return redirect(url_for("rides.driver_availability"))
    return _render_availability(window_form=form, status=422)


@bp.post("/mein-plan/verfuegbarkeit/zeiten/<int:window_id>/loeschen")
@roles_required(Role.DRIVER)
def driver_window_remove(window_id: int):
    window = drivers_record_or_404(DriverAvailability, window_id, current_user)
    if ActionForm().validate_on_submit():
        remove_weekly_window(window, by=current_user)
        db.session.commit()
        flash(_("Die Zeit ist gelöscht."), "success")
    return redirect(url_for("rides.driver_availability"))


@bp.post("/mein-plan/verfuegbarkeit/abwesenheiten")
@roles_required(Role.DRIVER)
def driver_absence_add():
    form = AbsenceForm()
    if form.validate_on_submit() and submit_absence(form, current_user, by=current_user):
        db.session.commit()
        flash(
            _("Die Abwesenheit ist eingetragen. Schon gebuchte Fahrten an diesen Tagen klärt das Büro."),
            "success",
        )
        return redirect(url_for("rides.driver_availability"))
    return _render_availability(absence_form=form, status=422)


@bp.post("/mein-plan/verfuegbarkeit/abwesenheiten/<int:absence_id>/loeschen")
@roles_required(Role.DRIVER)
def driver_absence_remove(absence_id: int):
    absence = drivers_record_or_404(DriverAbsence, absence_id, current_user)
    if ActionForm().validate_on_submit():
        remove_absence(absence, by=current_user)
        db.session.commit()
        flash(_("Die Abwesenheit ist gelöscht."), "success")
    return redirect(url_for("rides.driver_availability"))
