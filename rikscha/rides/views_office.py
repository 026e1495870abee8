"""Ride pages for the office (Koordination): phone booking, all rides, day plan, call list, setup."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from rikscha.audit.services import record_view
from rikscha.auth.roles import Role, roles_required
from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.forms import ActionForm
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import error_message, message_for
from rikscha.notifications.models import OutboxMessage
from rikscha.page_helpers import translated
from rikscha.rides import bp
from rikscha.rides.driver_forms import (
    ABSENCE_REASONS,
    WEEKDAY_LABELS,
    AbsenceForm,
    AvailabilityForm,
    FirstAidForm,
    drivers_record_or_404,
    submit_absence,
    submit_window,
)
from rikscha.rides.drivers import (
    absences,
    first_aid_valid_until,
    qualifications,
    remove_absence,
    remove_qualification,
    remove_weekly_window,
    require_driver,
    set_first_aid,
    set_qualification,
    weekly_windows,
)
from rikscha.rides.forms import (
    CANCEL_REASON_LABELS,
    CONSENT_LABELS,
    NEED_LABELS,
    CancelForm,
    RiderForm,
    RiderSearchForm,
    SlotQueryForm,
)
from rikscha.rides.labels import STATUS_LABELS
from rikscha.rides.models import DriverAbsence, DriverAvailability, Place, Ride, Rider
from rikscha.rides.office_forms import (
    DayForm,
    OfficeQualificationForm,
    OfficeRideFilterForm,
    PhoneBookingForm,
    PlaceForm,
    ReassignForm,
    RideDetailsForm,
    SettingsForm,
    WeatherCancelForm,
)
from rikscha.rides.office_services import (
    PLAN_GROUPINGS,
    RIDE_LIST_LIMIT,
    active_rides_between,
    create_place,
    day_plan,
    driver_overview,
    driver_problems,
    mark_call_done,
    notified_riders,
    pending_calls,
    places_query,
    reassignment_options,
    rickshaw_kinds,
    ride_history,
    ride_messages,
    rides_query,
    set_place_active,
    today_in,
    update_place,
    update_ride_details,
    update_settings,
)
from rikscha.rides.riders import create_rider, riders_query
from rikscha.rides.services import (
    RideRequest,
    available_slots,
    book_ride,
    cancel_ride,
    cancel_rides_between,
    reassign_ride,
)
from rikscha.rides.settings import current_rules, current_settings

SEARCH_LIMIT = 25
VIA_LABELS = {"phone": _l("am Telefon"), "online": _l("online"), "api": _l("über die Schnittstelle")}
ACTION_LABELS = {
    "create": _l("gebucht"),
    "update": _l("Angaben geändert"),
    "cancel": _l("abgesagt"),
    "reassign": _l("neu zugeteilt"),
    "move": _l("auf andere Rikscha verlegt"),
    "flag": _l("braucht Aufmerksamkeit"),
    "complete": _l("gefahren"),
    "no_show": _l("nicht erschienen"),
}
office_only = roles_required(Role.COORDINATOR)


def _render(template: str, **context):
    labels = {
        "status_labels": STATUS_LABELS,
        "need_labels": NEED_LABELS,
        "reason_labels": CANCEL_REASON_LABELS,
        "consent_labels": CONSENT_LABELS,
        "via_labels": VIA_LABELS,
        "action_labels": ACTION_LABELS,
        "weekday_labels": WEEKDAY_LABELS,
        "absence_labels": dict(ABSENCE_REASONS),
    }
    # A view may pass its own map instead (translated once, for a page that shows it in every row).
    return render_template(f"rides/office/{template}", **{**labels, **context})


def _attach(error: DomainError, *forms, default: str) -> None:
    """Put a domain error's German message on its field (in whichever form has it), else on `default`."""
    for form in forms:
        if error.field and error.field in form:
            form[error.field].errors.append(error_message(error))
            return
    forms[0][default].errors.append(error_message(error))


def _notice(counts: dict[str, int]) -> str:
    """Who hears of a change to one ride."""
    if counts["phone"]:
        return _("Bitte rufen Sie den Fahrgast an – der Anruf steht auf der Anrufliste.")
    if counts["email"]:
        return _("Der Fahrgast bekommt eine E-Mail.")
    return ""


def _active_places():
    return db.session.scalars(places_query(active_only=True)).all()


def _place(value: str | None) -> Place | None:
    return db.session.get(Place, int(value)) if value else None


# --- booking by phone --------------------------------------------------------------------------


@bp.route("/buero/buchen", methods=["GET", "POST"])
@office_only
def office_book():
    search = RiderSearchForm(request.args)
    q = (search.q.data or "") if search.validate() else ""
    found = db.session.scalars(riders_query(current_user, q).limit(SEARCH_LIMIT)).all() if q else []
    is_phone = sum(ch.isdigit() for ch in q) >= 3 and not any(ch.isalpha() for ch in q)
    form = (
        RiderForm()
        if request.method == "POST"
        else RiderForm(consent_method="phone", **({"phone": q} if is_phone else {"name": q}))
    )
    if form.validate_on_submit():
        rider = create_rider(
            name=form.name.data,
            phone=form.phone.data or "",
            email=form.email.data or "",
            address=form.address.data,
            needs=form.needs.data,
            needs_note=form.needs_note.data or "",
            consent_method=form.consent_method.data,
            by=current_user,
            now=utcnow(),
        )
        db.session.commit()
        flash(_("%(name)s ist angelegt. Jetzt die Fahrt buchen.", name=rider.name), "success")
        return redirect(url_for("rides.office_book_rider", rider_id=rider.id))
    return _render("book.html", search=search, riders=found, searched=bool(q), form=form)


def _free_slots(query: SlotQueryForm, now):
    """Free (start, end) pairs for the asked day, or None (not asked or invalid: errors on `query`)."""
    if not request.args or not query.validate():
        return None
    try:
        return available_slots(
            query.day.data, query.duration.data, query.passengers.data, now, privileged=True
        )
    except DomainError as error:
        _attach(error, query, default="day")
        return None


@bp.route("/buero/buchen/<int:rider_id>", methods=["GET", "POST"])
@office_only
def office_book_rider(rider_id: int):
    rider = db.get_or_404(Rider, rider_id)
    if rider.anonymised_at is not None:
        abort(404)
    record_view(current_user, "rider", rider.id, "phone booking")
    now = utcnow()
    query = SlotQueryForm(request.args, durations=current_rules().durations)
    slots = _free_slots(query, now)
    defaults = (
        {}
        if request.method == "POST"
        else {"pickup": rider.address, "needs": rider.needs(), "needs_note": rider.needs_note}
    )
    form = PhoneBookingForm(slots=slots or (), places=_active_places(), **defaults)
    if slots is not None and form.validate_on_submit():
        try:
            ride = book_ride(
                RideRequest(
                    rider=rider,
                    start=form.start_at,
                    duration=query.duration.data,
                    passengers=query.passengers.data,
                    pickup=form.pickup.data or "",
                    destination_place=_place(form.destination_place_id.data),
                    destination_text=form.destination_text.data or "",
                    needs=frozenset(form.needs.data or ()),
                    needs_note=form.needs_note.data or "",
                    notes=form.notes.data or "",
                ),
                by=current_user,
                via="phone",
                now=now,
                privileged=True,
            )
        except DomainError as error:
            _attach(error, form, query, default="start")
        else:
            db.session.commit()
            flash(_("Die Fahrt ist gebucht."), "success")
            return redirect(url_for("rides.office_confirmation", ride_id=ride.id))
    day = query.day.data if slots is not None else None
    return _render(
        "book_rider.html",
        rider=rider,
        query=query,
        slots=slots,
        form=form,
        day=day,
        neighbours=(day - timedelta(days=1), day + timedelta(days=1)) if day else (),
    )


@bp.route("/buero/fahrten/<int:ride_id>/bestaetigung")
@office_only
def office_confirmation(ride_id: int):
    ride = db.get_or_404(Ride, ride_id)
    return _render("confirmation.html", ride=ride, settings=current_settings())


# --- all rides -----------------------------------------------------------------------------------


@bp.route("/buero/fahrten")
@office_only
def office_rides():
    rules = current_rules()
    form = OfficeRideFilterForm(request.args)
    if "start" not in request.args:
        form.start.data = today_in(rules, utcnow())  # by default: today and later
    rides = []
    if form.validate():
        rides = db.session.scalars(
            rides_query(
                start_day=form.start.data, end_day=form.end.data, status=form.status.data or None, rules=rules
            ).limit(RIDE_LIST_LIMIT + 1)
        ).all()
    return _render(
        "rides.html", form=form, rides=rides[:RIDE_LIST_LIMIT], truncated=len(rides) > RIDE_LIST_LIMIT
    )


@bp.route("/buero/fahrten/<int:ride_id>")
@office_only
def office_ride(ride_id: int):
    ride = db.get_or_404(Ride, ride_id)
    record_view(current_user, "rider", ride.rider_id, f"ride={ride.id}")
    return _render("ride.html", ride=ride, history=ride_history(ride), messages=ride_messages(ride))


def _inactive_ride_redirect(ride: Ride):
    flash(message_for("invalid_transition"), "error")
    return redirect(url_for("rides.office_ride", ride_id=ride.id))


@bp.route("/buero/fahrten/<int:ride_id>/bearbeiten", methods=["GET", "POST"])
@office_only
def office_ride_edit(ride_id: int):
    ride = db.get_or_404(Ride, ride_id)
    if not ride.active:
        return _inactive_ride_redirect(ride)
    record_view(current_user, "rider", ride.rider_id, f"ride={ride.id}; edit")
    defaults = (
        {}
        if request.method == "POST"
        else {
            "pickup": ride.pickup,
            "destination_place_id": str(ride.destination_place_id or ""),
            "destination_text": ride.destination_text,
            "needs": ride.needs(),
            "needs_note": ride.needs_note,
            "notes": ride.notes,
        }
    )
    form = RideDetailsForm(places=_active_places(), current_place=ride.destination_place, **defaults)
    if form.validate_on_submit():
        update_ride_details(
            ride,
            pickup=form.pickup.data or "",
            destination_place=_place(form.destination_place_id.data),
            destination_text=form.destination_text.data or "",
            needs=form.needs.data or (),
            needs_note=form.needs_note.data or "",
            notes=form.notes.data or "",
            by=current_user,
            now=utcnow(),
        )
        db.session.commit()
        flash(_("Die Fahrt wurde geändert."), "success")
        return redirect(url_for("rides.office_ride", ride_id=ride.id))
    return _render("ride_edit.html", ride=ride, form=form)


# More free pairs than this are offered a rickshaw first, then its drivers: a large fleet and
# roster make thousands of pairs (400 kB of radio buttons on the benchmark's data).
PAIRS_IN_ONE_LIST = 40


def _pairs_of_one_rickshaw(form: ReassignForm, rickshaws) -> int | None:
    """The rickshaw whose pairs the page lists: that of the pair sent, or the one asked for (?rikscha=)."""
    asked = request.args.get("rikscha", type=int)
    if request.method == "POST" and form.pair.data:
        head = form.pair.data.split("-")[0]
        asked = int(head) if head.isascii() and head.isdigit() else None
    return asked if asked in rickshaws else None


@bp.route("/buero/fahrten/<int:ride_id>/zuteilen", methods=["GET", "POST"])
@office_only
def office_ride_reassign(ride_id: int):
    ride = db.get_or_404(Ride, ride_id)
    if not ride.active:
        return _inactive_ride_redirect(ride)
    current = f"{ride.rickshaw_id}-{ride.driver_id}"
    options = reassignment_options(ride)
    form = ReassignForm(options=options, **({} if request.method == "POST" else {"pair": current}))
    if form.validate_on_submit():
        if form.pair.data == current:
            flash(_("Die Zuteilung bleibt, wie sie ist."), "info")
            return redirect(url_for("rides.office_ride", ride_id=ride.id))
        try:
            reassign_ride(
                ride, rickshaw_id=form.rickshaw_id, driver_id=form.driver_id, by=current_user, now=utcnow()
            )
        except DomainError as error:
            _attach(error, form, default="pair")
        else:
            db.session.commit()
            flash(_("Die Fahrt wurde neu zugeteilt."), "success")
            return redirect(url_for("rides.office_ride", ride_id=ride.id))
    if len(options) <= PAIRS_IN_ONE_LIST:
        return _render("ride_reassign.html", ride=ride, form=form, current=current)
    drivers_free = Counter(rickshaw.id for rickshaw, _driver in options)
    rickshaw_id = _pairs_of_one_rickshaw(form, drivers_free)
    if rickshaw_id is None:
        rickshaws = list({rickshaw.id: rickshaw for rickshaw, _driver in options}.values())  # best first
        step = [(rickshaw, drivers_free[rickshaw.id]) for rickshaw in rickshaws]
        return _render("ride_reassign.html", ride=ride, form=form, current=current, rickshaw_step=step)
    form.pair.choices = [c for c in form.pair.choices if c.value.startswith(f"{rickshaw_id}-")]
    return _render("ride_reassign.html", ride=ride, form=form, current=current, one_rickshaw=True)


@bp.route("/buero/fahrten/<int:ride_id>/absagen", methods=["GET", "POST"])
@office_only
def office_ride_cancel(ride_id: int):
    ride = db.get_or_404(Ride, ride_id)
    if not ride.active:
        return _inactive_ride_redirect(ride)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancel_ride(
                ride,
                by=current_user,
                reason=form.reason.data,
                note=form.note.data or "",
                now=utcnow(),
                privileged=True,
            )
        except DomainError as error:
            _attach(error, form, default="reason")
        else:
            counts = notified_riders([ride], "cancellation")
            db.session.commit()
            flash(_("Die Fahrt wurde abgesagt.") + " " + _notice(counts), "success")
            return redirect(url_for("rides.office_ride", ride_id=ride.id))
    return _render("ride_cancel.html", ride=ride, form=form)


@bp.route("/buero/absagen", methods=["GET", "POST"])
@office_only
def office_cancel_window():
    """Cancel every ride in a time window ("Wetter"): GET asks and lists, POST (confirmed) cancels."""
    tz = current_rules().tz
    form = WeatherCancelForm(request.args)
    asked = bool(request.args) and form.validate()
    confirm = ActionForm()
    if asked and confirm.validate_on_submit():
        cancelled = cancel_rides_between(
            *form.window(tz),
            by=current_user,
            reason=form.reason.data,
            note=form.note.data or "",
            now=utcnow(),
        )
        counts = notified_riders(cancelled, "cancellation")
        db.session.commit()
        return _render("cancel_window_done.html", form=form, cancelled=cancelled, counts=counts)
    rides = active_rides_between(*form.window(tz)) if asked else []
    return _render("cancel_window.html", form=form, asked=asked, rides=rides, confirm=confirm)


# --- day plan and call list ----------------------------------------------------------------------


@bp.route("/buero/tagesplan")
@office_only
def office_day_plan():
    rules = current_rules()
    today = today_in(rules, utcnow())
    form = DayForm(request.args)
    day = form.tag.data if form.validate() and form.tag.data else today
    grouping = request.args.get("nach", PLAN_GROUPINGS[0])
    if grouping not in PLAN_GROUPINGS:
        grouping = PLAN_GROUPINGS[0]
    plan = day_plan(day, rules, grouping)
    return _render(
        "day_plan.html",
        form=form,
        plan=plan,
        today=today,
        neighbours=(day - timedelta(days=1), day + timedelta(days=1)),
        # Translated once, not in each of a busy day's 200 rows and 50 groups.
        status_labels=translated(STATUS_LABELS),
        need_labels=translated(NEED_LABELS),
        texts={
            "persons": _("%(count)s Personen"),
            "rickshaw_rides": _("Fahrten der Rikscha %(name)s"),
            "driver_rides": _("Fahrten von %(name)s"),
        },
        seat_labels={
            seats: ngettext("%(num)s Platz", "%(num)s Plätze", seats)
            for seats in {rickshaw.seats for rickshaw, _rides in plan.by_rickshaw}
        },
    )


@bp.route("/buero/anrufliste")
@office_only
def office_calls():
    return _render("calls.html", calls=pending_calls(utcnow()), done_form=ActionForm())


@bp.post("/buero/anrufliste/<int:message_id>/erledigt")
@office_only
def office_call_done(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    if message.channel != "phone":
        abort(404)
    if ActionForm().validate_on_submit():
        if mark_call_done(message, by=current_user, now=utcnow()):
            db.session.commit()
            flash(_("Anruf bei %(name)s ist erledigt.", name=message.recipient_name), "success")
        else:
            flash(_("Dieser Anruf war schon als erledigt markiert."), "info")
    return redirect(url_for("rides.office_calls"))


# --- settings and places -------------------------------------------------------------------------


@bp.route("/buero/einstellungen", methods=["GET", "POST"])
@office_only
def office_settings():
    settings = current_settings()
    form = SettingsForm()
    if request.method == "GET":
        form.fill_from(settings)
    if form.validate_on_submit():
        try:
            update_settings(
                opening_hours=form.opening_hours(),
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
            flash(error_message(error), "error")
        else:
            db.session.commit()
            flash(_("Die Einstellungen sind gespeichert."), "success")
            return redirect(url_for("rides.office_settings"))
    several = {
        int(day): windows for day, windows in (settings.opening_hours or {}).items() if len(windows) > 1
    }
    return _render("settings.html", form=form, several_windows=several)


@bp.route("/buero/ziele")
@office_only
def office_places():
    return _render("places.html", places=db.session.scalars(places_query()).all(), action=ActionForm())


@bp.route("/buero/ziele/neu", methods=["GET", "POST"])
@office_only
def office_place_new():
    form = PlaceForm()
    if form.validate_on_submit():
        try:
            create_place(
                name=form.name.data,
                address=form.address.data or "",
                notes=form.notes.data or "",
                by=current_user,
            )
        except DomainError as error:
            _attach(error, form, default="name")
        else:
            db.session.commit()
            flash(_("Das Ziel ist angelegt."), "success")
            return redirect(url_for("rides.office_places"))
    return _render("place_form.html", form=form, place=None)


@bp.route("/buero/ziele/<int:place_id>", methods=["GET", "POST"])
@office_only
def office_place_edit(place_id: int):
    place = db.get_or_404(Place, place_id)
    form = PlaceForm(obj=place if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            update_place(
                place,
                name=form.name.data,
                address=form.address.data or "",
                notes=form.notes.data or "",
                by=current_user,
            )
        except DomainError as error:
            _attach(error, form, default="name")
        else:
            db.session.commit()
            flash(_("Das Ziel ist gespeichert."), "success")
            return redirect(url_for("rides.office_places"))
    return _render("place_form.html", form=form, place=place, action=ActionForm())


def _set_place_active(place_id: int, active: bool):
    place = db.get_or_404(Place, place_id)
    if ActionForm().validate_on_submit():
        set_place_active(place, active, by=current_user)
        db.session.commit()
        flash(
            _("%(name)s wird wieder angeboten.", name=place.name)
            if active
            else _("%(name)s wird bei Buchungen nicht mehr angeboten.", name=place.name),
            "success",
        )
    return redirect(url_for("rides.office_places"))


@bp.post("/buero/ziele/<int:place_id>/deaktivieren")
@office_only
def office_place_deactivate(place_id: int):
    return _set_place_active(place_id, False)


@bp.post("/buero/ziele/<int:place_id>/aktivieren")
@office_only
def office_place_activate(place_id: int):
    return _set_place_active(place_id, True)


# --- drivers -------------------------------------------------------------------------------------


def _driver_or_404(user_id: int):
    try:
        return require_driver(user_id)
    except DomainError:
        abort(404)


def _driver_page(driver, **forms):
    """The driver's page; `forms` replaces the empty form that was just submitted with errors."""
    today = today_in(current_rules(), utcnow())
    kinds = rickshaw_kinds()
    quals, windows, first_aid = qualifications(driver), weekly_windows(driver), first_aid_valid_until(driver)
    forms = {
        "window_form": AvailabilityForm(formdata=None),
        "absence_form": AbsenceForm(formdata=None),
        "qualification_form": OfficeQualificationForm(formdata=None, kinds=kinds),
        "first_aid_form": FirstAidForm(formdata=None, first_aid_valid_until=first_aid),
        **forms,
    }
    return _render(
        "driver.html",
        driver=driver,
        windows=windows,
        absences=absences(driver, from_day=today),
        qualifications=quals,
        first_aid=first_aid,
        kinds=kinds,
        action=ActionForm(formdata=None),
        problems=driver_problems(driver, [q.rickshaw_kind for q in quals], first_aid, windows, today),
        **forms,
    )


def _back_to_driver(driver, anchor: str):
    db.session.commit()
    flash(_("Gespeichert."), "success")
    return redirect(url_for("rides.office_driver", user_id=driver.id, _anchor=anchor))


@bp.route("/buero/fahrerinnen")
@office_only
def office_drivers():
    summaries = driver_overview(today_in(current_rules(), utcnow()))
    return _render("drivers.html", summaries=summaries)


@bp.route("/buero/fahrerinnen/<int:user_id>")
@office_only
def office_driver(user_id: int):
    return _driver_page(_driver_or_404(user_id))


@bp.post("/buero/fahrerinnen/<int:user_id>/zeiten")
@office_only
def office_driver_window_add(user_id: int):
    driver = _driver_or_404(user_id)
    form = AvailabilityForm()
    if form.validate_on_submit() and submit_window(form, driver, by=current_user):
        return _back_to_driver(driver, "zeiten")
    return _driver_page(driver, window_form=form)


@bp.post("/buero/fahrerinnen/<int:user_id>/zeiten/<int:window_id>/loeschen")
@office_only
def office_driver_window_remove(user_id: int, window_id: int):
    driver = _driver_or_404(user_id)
    window = drivers_record_or_404(DriverAvailability, window_id, driver)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("rides.office_driver", user_id=driver.id))
    remove_weekly_window(window, by=current_user)
    return _back_to_driver(driver, "zeiten")


@bp.post("/buero/fahrerinnen/<int:user_id>/abwesenheiten")
@office_only
def office_driver_absence_add(user_id: int):
    driver = _driver_or_404(user_id)
    form = AbsenceForm()
    if form.validate_on_submit() and submit_absence(form, driver, by=current_user):
        return _back_to_driver(driver, "abwesenheiten")
    return _driver_page(driver, absence_form=form)


@bp.post("/buero/fahrerinnen/<int:user_id>/abwesenheiten/<int:absence_id>/loeschen")
@office_only
def office_driver_absence_remove(user_id: int, absence_id: int):
    driver = _driver_or_404(user_id)
    absence = drivers_record_or_404(DriverAbsence, absence_id, driver)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("rides.office_driver", user_id=driver.id))
    remove_absence(absence, by=current_user)
    return _back_to_driver(driver, "abwesenheiten")


@bp.post("/buero/fahrerinnen/<int:user_id>/einweisungen")
@office_only
def office_driver_qualification_set(user_id: int):
    driver = _driver_or_404(user_id)
    form = OfficeQualificationForm(kinds=rickshaw_kinds())
    if form.validate_on_submit():
        set_qualification(
            driver,
            rickshaw_kind=form.rickshaw_kind.data,
            instructed_on=form.instructed_on.data,
            by=current_user,
        )
        return _back_to_driver(driver, "einweisungen")
    return _driver_page(driver, qualification_form=form)


@bp.post("/buero/fahrerinnen/<int:user_id>/einweisungen/<path:rickshaw_kind>/loeschen")
@office_only
def office_driver_qualification_remove(user_id: int, rickshaw_kind: str):
    driver = _driver_or_404(user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("rides.office_driver", user_id=driver.id))
    remove_qualification(driver, rickshaw_kind, by=current_user)
    return _back_to_driver(driver, "einweisungen")


@bp.post("/buero/fahrerinnen/<int:user_id>/erste-hilfe")
@office_only
def office_driver_first_aid(user_id: int):
    driver = _driver_or_404(user_id)
    form = FirstAidForm()
    if form.validate_on_submit():
        set_first_aid(driver, valid_until=form.first_aid_valid_until.data, by=current_user)
        return _back_to_driver(driver, "erste-hilfe")
    return _driver_page(driver, first_aid_form=form)
