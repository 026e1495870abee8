"""Ride pages for residents: their riders, the booking wizard, their rides, cancelling."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from rikscha.audit.services import record_view
from rikscha.auth.roles import Role, roles_required
from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.limits import is_id
from rikscha.messages import error_message
from rikscha.rides import bp
from rikscha.rides.forms import (
    CANCEL_REASON_LABELS,
    NEED_LABELS,
    BookingForm,
    CancelForm,
    RiderForm,
    SlotQueryForm,
)
from rikscha.rides.labels import STATUS_LABELS
from rikscha.rides.managed_rides import managed_ride_lists
from rikscha.rides.models import CancelReason, Place, Ride, Rider
from rikscha.rides.riders import (
    can_see_ride,
    create_rider,
    is_office,
    riders_query,
    update_rider,
    visible_rider,
)
from rikscha.rides.services import (
    RideRequest,
    available_slots,
    book_ride,
    can_cancel_online,
    cancel_ride,
    cancellation_deadline,
    local_day,
)
from rikscha.rides.settings import current_rules, office_phone
from rikscha.scheduling import opening_windows

# Weather and vehicle are the office's reasons; residents cancel for themselves.
RESIDENT_CANCEL_REASONS = (CancelReason.RIDER, CancelReason.ILLNESS, CancelReason.WEATHER, CancelReason.OTHER)


# --- helpers -----------------------------------------------------------------------------------


def _my_rider_or_404(rider_id) -> Rider:
    if not is_id(rider_id):  # from the query string or a form: anything at all
        abort(404)
    rider = visible_rider(current_user, rider_id)
    if rider is None:
        abort(404)
    return rider


def _my_ride_or_404(ride_id: int) -> Ride:
    ride = db.get_or_404(Ride, ride_id)
    if not can_see_ride(current_user, ride):
        abort(404)
    return ride


def _rider_form(**kwargs) -> RiderForm:
    form = RiderForm(**kwargs)
    # Residents give their consent online by saving the form; the choice is the office's.
    del form.consent_method
    return form


def _day_limits(rules, now: datetime) -> tuple[date, date]:
    return local_day(now + rules.lead_time, rules), local_day(now + rules.horizon, rules)


def _day_problem(day: date, rules, now: datetime) -> DomainError | None:
    """Why nothing can be booked on `day` at all (before looking at rickshaws and drivers)."""
    windows = opening_windows(day, rules)
    if day < local_day(now, rules):
        return DomainError("in_past")
    if day > _day_limits(rules, now)[1]:
        return DomainError("too_far")
    if not windows:
        return DomainError("closed_day")
    if windows[-1].end <= now + rules.lead_time:
        return DomainError("too_soon", hours=int(rules.lead_time.total_seconds() // 3600))
    return None


def _next_open_days(day: date, rules, now: datetime, count: int = 3) -> list[date]:
    first, last = _day_limits(rules, now)
    candidate, found = max(day + timedelta(days=1), first), []
    while candidate <= last and len(found) < count:
        if opening_windows(candidate, rules):
            found.append(candidate)
        candidate += timedelta(days=1)
    return found


def _query_form(rules, now: datetime, formdata=None) -> SlotQueryForm:
    form = SlotQueryForm(formdata, durations=rules.durations)
    first, last = _day_limits(rules, now)
    form.day.render_kw = {"min": first.isoformat(), "max": last.isoformat()}
    form.day.description = _(
        "Online buchbar vom %(first)s bis zum %(last)s. Für kurzfristige Fahrten rufen Sie bitte im "
        "Stadtteilbüro an.",
        first=format_date(first, "d. MMMM"),
        last=format_date(last, "d. MMMM y"),
    )
    if formdata is None or "day" not in formdata:
        form.day.data = form.day.data or first
    if formdata is None or "duration" not in formdata:
        form.duration.data = 60 if 60 in rules.durations else rules.durations[0]
    return form


def _arg_int(name: str):
    return request.args.get(name, type=int)


def _choices(rider: Rider, form) -> dict:
    """The wizard's state so far, as URL query arguments."""
    return {
        "rider_id": rider.id,
        "day": form.day.data.isoformat(),
        "duration": form.duration.data,
        "passengers": form.passengers.data,
    }


def _parse_start(text: str | None) -> datetime | None:
    try:
        start = datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return start.astimezone(UTC) if start.tzinfo else None


# The destination choices need ids and names only: plain rows of a statement built once.
_ACTIVE_PLACES = select(Place.id, Place.name).where(Place.active.is_(True)).order_by(Place.name)


def _booking_form(rules, **data) -> BookingForm:
    places = db.session.connection().execute(_ACTIVE_PLACES).all()
    return BookingForm(durations=rules.durations, places=places, **data)


# --- "Meine Fahrten" (the resident's start page) -------------------------------------------------


@bp.get("/bewohner")
@roles_required(Role.RESIDENT)
def resident_home():
    lists = managed_ride_lists(current_user.id, office=is_office(current_user), now=utcnow())
    # Listed rides are rides of riders the user manages: then there is no need to ask.
    has_riders = bool(lists.upcoming or lists.past) or (
        db.session.scalar(riders_query(current_user).with_only_columns(Rider.id).limit(1)) is not None
    )
    return render_template(
        "rides/resident/home.html",
        upcoming=lists.upcoming,
        past=lists.past,
        has_riders=has_riders,
        status_labels=STATUS_LABELS,
    )


# --- "Meine Fahrgäste" -------------------------------------------------------------------------


@bp.get("/fahrgaeste")
@roles_required(Role.RESIDENT)
def resident_riders():
    riders = db.session.scalars(riders_query(current_user)).all()
    return render_template("rides/resident/riders.html", riders=riders, need_labels=NEED_LABELS)


@bp.route("/fahrgaeste/neu", methods=["GET", "POST"])
@roles_required(Role.RESIDENT)
def resident_rider_new():
    form = _rider_form()
    if form.validate_on_submit():
        rider = create_rider(
            name=form.name.data,
            phone=form.phone.data,
            email=form.email.data,
            address=form.address.data,
            needs=form.needs.data,
            needs_note=form.needs_note.data,
            consent_method="online",
            by=current_user,
            now=utcnow(),
        )
        db.session.commit()
        flash(_("%(name)s wurde gespeichert.", name=rider.name), "success")
        if request.args.get("weiter") == "buchen":
            return redirect(url_for("rides.resident_book_day", rider_id=rider.id))
        return redirect(url_for("rides.resident_riders"))
    return render_template("rides/resident/rider_form.html", form=form, rider=None)


@bp.route("/fahrgaeste/<int:rider_id>", methods=["GET", "POST"])
@roles_required(Role.RESIDENT)
def resident_rider_edit(rider_id: int):
    rider = _my_rider_or_404(rider_id)
    record_view(current_user, "rider", rider.id, "rider form")
    form = _rider_form(obj=rider)
    if request.method == "GET":
        form.needs.data = rider.needs()
    if form.validate_on_submit():
        update_rider(
            rider,
            name=form.name.data,
            phone=form.phone.data,
            email=form.email.data,
            address=form.address.data,
            needs=form.needs.data,
            needs_note=form.needs_note.data,
            by=current_user,
        )
        db.session.commit()
        flash(_("Die Angaben zu %(name)s wurden gespeichert.", name=rider.name), "success")
        return redirect(url_for("rides.resident_riders"))
    return render_template("rides/resident/rider_form.html", form=form, rider=rider)


# --- Booking wizard: rider → day → free time → details (POST books) ------------------------------


@bp.get("/fahrten/buchen")
@roles_required(Role.RESIDENT)
def resident_book():
    riders = db.session.scalars(riders_query(current_user)).all()
    if len(riders) == 1:
        return redirect(url_for("rides.resident_book_day", rider_id=riders[0].id))
    return render_template("rides/resident/book_rider.html", riders=riders)


@bp.get("/fahrten/buchen/tag")
@roles_required(Role.RESIDENT)
def resident_book_day():
    rider = _my_rider_or_404(_arg_int("rider_id"))
    form = _query_form(current_rules(), utcnow(), request.args)
    return render_template("rides/resident/book_day.html", rider=rider, form=form)


@bp.get("/fahrten/buchen/uhrzeit")
@roles_required(Role.RESIDENT)
def resident_book_slots():
    rider = _my_rider_or_404(_arg_int("rider_id"))
    rules, now = current_rules(), utcnow()
    form = _query_form(rules, now, request.args)
    if not form.validate():
        return render_template("rides/resident/book_day.html", rider=rider, form=form)
    error = _day_problem(form.day.data, rules, now)
    if error is None:
        try:
            slots = available_slots(form.day.data, form.duration.data, form.passengers.data, now)
        except DomainError as broken:
            error = broken
    if error is not None:
        getattr(form, error.field or "day", form.day).errors.append(error_message(error))
        return render_template("rides/resident/book_day.html", rider=rider, form=form)
    return render_template(
        "rides/resident/book_slots.html",
        rider=rider,
        form=form,
        slots=slots,
        choices=_choices(rider, form),
        next_days=_next_open_days(form.day.data, rules, now),
    )


@bp.route("/fahrten/buchen/angaben", methods=["GET", "POST"])
@roles_required(Role.RESIDENT)
def resident_book_details():
    if request.method == "POST":
        return _book()
    rider = _my_rider_or_404(_arg_int("rider_id"))
    rules = current_rules()
    query = SlotQueryForm(request.args, durations=rules.durations)
    start = _parse_start(request.args.get("start"))
    if not query.validate() or start is None:
        return redirect(url_for("rides.resident_book_day", **request.args))
    form = _booking_form(
        rules,
        rider_id=rider.id,
        day=query.day.data,
        duration=query.duration.data,
        passengers=query.passengers.data,
        start=request.args["start"],
        pickup=rider.address,
        needs=rider.needs(),
        needs_note=rider.needs_note,
    )
    return _details_page(rider, form, start)


def _details_page(rider: Rider, form: BookingForm, start: datetime):
    return render_template(
        "rides/resident/book_details.html",
        rider=rider,
        form=form,
        start=start,
        end=start + timedelta(minutes=form.duration.data),
        choices=_choices(rider, form),
    )


def _book():
    """The last step (POST): book, or show what is wrong."""
    rules = current_rules()
    form = _booking_form(rules)
    form.validate_on_submit()
    rider = _my_rider_or_404(form.rider_id.data)
    start = _parse_start(form.start.data)
    carried = ("rider_id", "day", "duration", "passengers", "start")
    if start is None or any(form[name].errors for name in carried):
        flash(_("Bitte wählen Sie Tag und Uhrzeit noch einmal."), "error")
        return redirect(url_for("rides.resident_book_day", rider_id=rider.id))
    if form.errors:
        return _details_page(rider, form, start)
    place = (
        db.session.get(Place, int(form.destination_place_id.data)) if form.destination_place_id.data else None
    )
    ride_request = RideRequest(
        rider=rider,
        start=start,
        duration=form.duration.data,
        passengers=form.passengers.data,
        pickup=form.pickup.data or rider.address,
        destination_place=place,
        destination_text="" if place else form.destination_text.data,
        needs=frozenset(form.needs.data),
        needs_note=form.needs_note.data or "",
        notes=form.notes.data or "",
    )
    try:
        ride = book_ride(ride_request, by=current_user, via="online", now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(url_for("rides.resident_book_slots", **_choices(rider, form)))
    db.session.commit()
    return redirect(url_for("rides.resident_ride_confirmation", ride_id=ride.id))


# --- One ride: confirmation, detail, cancelling ------------------------------------------------


@bp.get("/fahrten/<int:ride_id>/bestaetigung")
@roles_required(Role.RESIDENT)
def resident_ride_confirmation(ride_id: int):
    ride = _my_ride_or_404(ride_id)
    record_view(current_user, "rider", ride.rider_id, f"ride={ride.id}; confirmation")
    emailed = bool(ride.rider.email or any(manager.email for manager in ride.rider.managers))
    return render_template(
        "rides/resident/confirmation.html",
        ride=ride,
        emailed=emailed,
        phone=office_phone(),
        need_labels=NEED_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.get("/fahrten/<int:ride_id>")
@roles_required(Role.RESIDENT)
def resident_ride(ride_id: int):
    ride = _my_ride_or_404(ride_id)
    record_view(current_user, "rider", ride.rider_id, f"ride={ride.id}")
    return _ride_page(ride, _cancel_form())


@bp.post("/fahrten/<int:ride_id>/absagen")
@roles_required(Role.RESIDENT)
def resident_ride_cancel(ride_id: int):
    ride = _my_ride_or_404(ride_id)
    form = _cancel_form()
    if not form.validate_on_submit():
        return _ride_page(ride, form)
    try:
        cancel_ride(ride, by=current_user, reason=form.reason.data, note=form.note.data or "", now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error_message(error), "error")
    else:
        db.session.commit()
        flash(_("Die Fahrt wurde abgesagt."), "success")
    return redirect(url_for("rides.resident_ride", ride_id=ride_id))


def _cancel_form() -> CancelForm:
    form = CancelForm()
    form.reason.choices = [
        choice for choice in form.reason.choices if choice.value in RESIDENT_CANCEL_REASONS
    ]
    return form


def _ride_page(ride: Ride, form: CancelForm):
    now = utcnow()
    return render_template(
        "rides/resident/ride.html",
        ride=ride,
        form=form,
        now=now,
        can_cancel=can_cancel_online(ride, now),
        deadline=cancellation_deadline(ride),
        phone=office_phone(),
        need_labels=NEED_LABELS,
        status_labels=STATUS_LABELS,
        reason_labels=CANCEL_REASON_LABELS,
    )
