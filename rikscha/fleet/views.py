"""Fleet pages: overview, rickshaws, stations, blocks, and the quick forms used at the stations."""

from __future__ import annotations

import mimetypes
from datetime import date, datetime, timedelta

from babel import dates as babel_dates
from flask import abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import format_decimal, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from rikscha.audit.services import record_event
from rikscha.auth.roles import Role, roles_required
from rikscha.database import utcnow
from rikscha.domain import Conflict, DomainError
from rikscha.extensions import db
from rikscha.fleet import bp, queries
from rikscha.fleet.fleet_forms import (
    MAINTENANCE_LABELS,
    SERVICE_STATE_LABELS,
    SEVERITY_LABELS,
    STATION_KIND_LABELS,
    STATUS_LABELS,
    BatteryPackForm,
    BlockForm,
    ChargingForm,
    ClearDefectForm,
    DefectForm,
    MaintenanceForm,
    RickshawEditForm,
    StationForm,
    office_zone,
    record_choices,
)
from rikscha.fleet.models import BatteryPack, DefectReport, Rickshaw, RickshawStatus, Station
from rikscha.fleet.services import (
    add_battery_pack,
    clear_defect,
    log_charging,
    log_maintenance,
    plan_block,
    report_defect,
    save_rickshaw,
    save_station,
    service_for,
)
from rikscha.forms import ActionForm, choices
from rikscha.i18n import clock_time, format_day
from rikscha.messages import error_message
from rikscha.page_helpers import translated, url_before_id
from rikscha.rides.labels import STATUS_LABELS as RIDE_STATUS_LABELS
from rikscha.uploads import delete_photo, photo_path, store_photo

STAFF = (Role.DRIVER, Role.CARETAKER, Role.COORDINATOR)
CARE = (Role.CARETAKER, Role.COORDINATOR)
OFFICE = (Role.COORDINATOR,)
# What the quick forms remember between visits (the caretaker's station and last rickshaw).
LAST_STATION, LAST_RICKSHAW, OUTCOME = "fleet_station", "fleet_rickshaw", "fleet_outcome"
# A charging session is logged when it ends; the form suggests it began this long before.
DEFAULT_CHARGE = timedelta(hours=2)


# --- helpers ------------------------------------------------------------------------------------


def show_error(form, error: DomainError, default_field: str) -> None:
    field = getattr(form, error.field or "", None) or getattr(form, default_field)
    field.errors = [*field.errors, error_message(error)]


def _today():
    return utcnow().astimezone(office_zone()).date()


def _remember(rickshaw_id: int | None = None, station_id: int | None = None) -> None:
    if rickshaw_id:
        session[LAST_RICKSHAW] = rickshaw_id
    if station_id:
        session[LAST_STATION] = station_id


def _defaults(**values) -> dict:
    """Suggested values for a quick form: only when it is first shown, never over what was sent.

    The rickshaw is `?rikscha=<id>` from a link, else the one this person picked last; the
    station is the one they used last.
    """
    if request.method != "GET":
        return {}
    rickshaw_id = request.args.get("rikscha", type=int) or session.get(LAST_RICKSHAW)
    return {"rickshaw_id": rickshaw_id, "station_id": session.get(LAST_STATION), **values}


def _keep_outcome(kind: str, rickshaw: Rickshaw, moved, flagged) -> None:
    session[OUTCOME] = {
        "kind": kind,
        "rickshaw": rickshaw.name,
        "rickshaw_id": rickshaw.id,
        "moved": [ride.id for ride in moved],
        "flagged": [ride.id for ride in flagged],
    }


def _rickshaw_choices(form, rickshaws) -> None:
    form.rickshaw_id.choices = record_choices(rickshaws)


def _service_texts() -> dict[str, Markup]:
    """The service line's texts with a number or date, translated once for all cards.

    The template fills them in with |format; Markup, like the template's _(), so that only the
    filled-in value is escaped.
    """
    return {
        "km_left": Markup(_("noch %(km)s km")),
        "km_over": Markup(_("%(km)s km darüber")),
        "until": Markup(_("bis %(date)s")),
        "since": Markup(_("seit %(date)s")),
    }


class _LocalDates:
    """The `date` and `datetime` filters' results, with the locale and time zone looked up once.

    Flask-Babel looks both up again on every call; with two dates on each of fifty cards that
    costs more than the formatting. Cards repeat the same few days, which rikscha.i18n.format_day
    formats once. `date` takes dates only (the filter also converts datetimes).
    """

    def __init__(self) -> None:
        self.locale, self.zone = get_locale(), get_timezone()

    def date(self, value: date, fmt: str = "full") -> str:
        return format_day(value, fmt)

    def datetime(self, value: datetime, fmt: str) -> str:
        if not fmt.endswith("HH:mm"):
            return babel_dates.format_datetime(value, fmt, tzinfo=self.zone, locale=self.locale)
        # "d. MMMM, HH:mm": the day part through Babel (once per day), the clock time directly.
        local = value.astimezone(self.zone)
        return self.date(local.date(), fmt[: -len("HH:mm")]) + clock_time(local)


@bp.app_template_filter("fleet_number")
def fleet_number(value, digits: int = 2) -> str:
    """A decimal in the page's language (12,50 in German)."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "0" * digits)


@bp.app_context_processor
def _fleet_template_helpers():
    return {
        "fleet_status_labels": STATUS_LABELS,
        "service_state_labels": SERVICE_STATE_LABELS,
    }


# --- overview and history -----------------------------------------------------------------------


@bp.route("/")
@roles_required(*STAFF)
def overview():
    now = utcnow()
    office = current_user.has_role(Role.COORDINATOR)
    return render_template(
        "fleet/overview.html",
        cards=queries.fleet_cards(_today()),
        defects=queries.open_defects(),
        flagged=queries.flagged_rides(now, with_driver=False) if office else [],
        moved=queries.recently_moved_rides(now, with_driver=False) if office else [],
        status_labels=translated(STATUS_LABELS),
        service_labels=translated(SERVICE_STATE_LABELS),
        service_texts=_service_texts(),
        history_url=url_before_id("fleet.rickshaw_history", "rickshaw_id"),
        dates=_LocalDates(),
    )


@bp.route("/rikschas/<int:rickshaw_id>")
@roles_required(*STAFF)
def rickshaw_history(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    # An older page is asked for by the link under the timeline; anything else shows the newest.
    cursor = queries.HistoryCursor.from_query(request.args.get("vor"), request.args.get("km"))
    history = queries.rickshaw_history(rickshaw, utcnow(), cursor=cursor)
    home = db.session.get(Station, rickshaw.home_station_id) if rickshaw.home_station_id else None
    return render_template(
        "fleet/history.html",
        rickshaw=rickshaw,
        history=history,
        cursor=cursor,
        page_size=queries.HISTORY_PAGE,
        home=home,
        service=service_for(rickshaw, history.last_inspection, _today()),
        chart=queries.odometer_chart(history.odometer),
        ride_labels=RIDE_STATUS_LABELS,
        maintenance_labels=MAINTENANCE_LABELS,
        severity_labels=SEVERITY_LABELS,
    )


@bp.route("/ergebnis")
@roles_required(*STAFF)
def outcome():
    data = session.get(OUTCOME) or {}
    return render_template(
        "fleet/outcome.html",
        data=data,
        moved=queries.rides_by_ids(data.get("moved")),
        flagged=queries.rides_by_ids(data.get("flagged")),
    )


@bp.route("/fotos/<name>")
@roles_required(*STAFF)
def photo(name: str):
    path = photo_path(name)
    if path is None:
        abort(404)
    mimetype = mimetypes.types_map.get(path.suffix, "application/octet-stream")
    response = send_file(path, mimetype=mimetype, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- rickshaws (coordinators) -------------------------------------------------------------------


@bp.route("/rikschas")
@roles_required(*OFFICE)
def rickshaws():
    stations = {station.id: station for station in queries.all_stations()}
    return render_template("fleet/rickshaws.html", rickshaws=queries.all_rickshaws(), stations=stations)


def _rickshaw_values(form) -> dict:
    return {
        name: getattr(form, name).data
        for name in (
            "name",
            "kind",
            "seats",
            "odometer_km",
            "status",
            "capacity_minutes",
            "service_interval_km",
            "service_interval_days",
            "home_station_id",
        )
    }


@bp.route("/rikschas/neu", methods=["GET", "POST"])
@roles_required(*OFFICE)
def rickshaw_new():
    form = RickshawEditForm()
    form.home_station_id.choices = record_choices(queries.all_stations(), empty=_("– keine –"))
    if form.validate_on_submit():
        try:
            rickshaw = save_rickshaw(None, by=current_user, now=utcnow(), **_rickshaw_values(form))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, "name")
        else:
            db.session.commit()
            flash(_("Die Rikscha „%(name)s“ wurde angelegt.", name=rickshaw.name), "success")
            return redirect(url_for("fleet.rickshaw_edit", rickshaw_id=rickshaw.id))
    return render_template("fleet/rickshaw_form.html", form=form, rickshaw=None)


def _render_edit(rickshaw, form, pack_form):
    return render_template(
        "fleet/rickshaw_form.html",
        form=form,
        rickshaw=rickshaw,
        pack_form=pack_form,
        packs=queries.packs_of(rickshaw.id),
        action=ActionForm(),
    )


@bp.route("/rikschas/<int:rickshaw_id>/bearbeiten", methods=["GET", "POST"])
@roles_required(*OFFICE)
def rickshaw_edit(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    form = RickshawEditForm(obj=rickshaw)
    form.home_station_id.choices = record_choices(queries.all_stations(), empty=_("– keine –"))
    if form.validate_on_submit():
        now = utcnow()
        before, old_status = queries.upcoming_ride_ids(rickshaw.id, now), rickshaw.status
        try:
            save_rickshaw(rickshaw, by=current_user, now=now, **_rickshaw_values(form))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, "name")
        else:
            still = queries.upcoming_ride_ids(rickshaw.id, now)
            db.session.commit()
            flash(_("Änderungen gespeichert."), "success")
            if old_status != rickshaw.status and before:
                flagged = [ride for ride in queries.rides_by_ids(still) if ride.needs_attention]
                _keep_outcome("status", rickshaw, queries.rides_by_ids(before - still), flagged)
                return redirect(url_for("fleet.outcome"))
            return redirect(url_for("fleet.rickshaws"))
    return _render_edit(rickshaw, form, BatteryPackForm(formdata=None))


@bp.post("/rikschas/<int:rickshaw_id>/akkus")
@roles_required(*OFFICE)
def battery_add(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    form = BatteryPackForm()
    if form.validate_on_submit():
        try:
            pack = add_battery_pack(rickshaw, label=form.label.data, by=current_user)
        except Conflict as taken:
            form.label.errors = [error_message(taken)]
        else:
            db.session.commit()
            flash(_("Der Akku „%(label)s“ wurde hinzugefügt.", label=pack.label), "success")
            return redirect(url_for("fleet.rickshaw_edit", rickshaw_id=rickshaw.id) + "#akkus")
    edit_form = RickshawEditForm(formdata=None, obj=rickshaw)
    edit_form.home_station_id.choices = record_choices(queries.all_stations(), empty=_("– keine –"))
    return _render_edit(rickshaw, edit_form, form)


@bp.post("/akkus/<int:pack_id>/deaktivieren")
@roles_required(*OFFICE)
def battery_deactivate(pack_id: int):
    pack = db.get_or_404(BatteryPack, pack_id)
    if ActionForm().validate_on_submit() and pack.active:
        pack.active = False
        record_event(current_user, "deactivate", "battery_pack", pack.id, f"rickshaw={pack.rickshaw_id}")
        db.session.commit()
        flash(_("Der Akku „%(label)s“ wird nicht mehr angeboten.", label=pack.label), "success")
    return redirect(url_for("fleet.rickshaw_edit", rickshaw_id=pack.rickshaw_id) + "#akkus")


@bp.route("/rikschas/<int:rickshaw_id>/sperrzeit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def block_new(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    form = BlockForm()
    if form.validate_on_submit():
        try:
            _block, moved, flagged = plan_block(
                rickshaw,
                start=form.start.data,
                end=form.end.data,
                reason=form.reason.data,
                by=current_user,
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, "start")
        else:
            db.session.commit()
            _keep_outcome("block", rickshaw, moved, flagged)
            flash(_("Die Sperrzeit für „%(name)s“ wurde eingetragen.", name=rickshaw.name), "success")
            return redirect(url_for("fleet.outcome"))
    return render_template("fleet/block_form.html", form=form, rickshaw=rickshaw)


# --- stations -----------------------------------------------------------------------------------


@bp.route("/stationen")
@roles_required(*STAFF)
def stations():
    return render_template(
        "fleet/stations.html", stations=queries.all_stations(), kind_labels=STATION_KIND_LABELS
    )


def _station_values(form) -> dict:
    return {
        "name": form.name.data,
        "address": form.address.data or "",
        "kinds": form.kinds.data,
        "chargers": form.chargers.data,
        "opening_notes": form.opening_notes.data or "",
    }


@bp.route("/stationen/neu", methods=["GET", "POST"])
@roles_required(*OFFICE)
def station_new():
    form = StationForm()
    if form.validate_on_submit():
        try:
            station = save_station(None, by=current_user, **_station_values(form))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, "name")
        else:
            db.session.commit()
            flash(_("Die Station „%(name)s“ wurde angelegt.", name=station.name), "success")
            return redirect(url_for("fleet.stations"))
    return render_template("fleet/station_form.html", form=form, station=None)


@bp.route("/stationen/<int:station_id>", methods=["GET", "POST"])
@roles_required(*OFFICE)
def station_edit(station_id: int):
    station = db.get_or_404(Station, station_id)
    form = StationForm(obj=station)
    if request.method == "GET":
        form.kinds.data = station.kinds
    if form.validate_on_submit():
        try:
            save_station(station, by=current_user, **_station_values(form))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, "name")
        else:
            db.session.commit()
            flash(_("Änderungen gespeichert."), "success")
            return redirect(url_for("fleet.stations"))
    return render_template("fleet/station_form.html", form=form, station=station)


# --- quick forms at the station -----------------------------------------------------------------


@bp.route("/wartung", methods=["GET", "POST"])
@roles_required(*CARE)
def maintenance_new():
    rickshaws = queries.working_rickshaws()
    form = MaintenanceForm(**_defaults(performed_at=utcnow().replace(second=0, microsecond=0)))
    _rickshaw_choices(form, rickshaws)
    form.station_id.choices = record_choices(queries.all_stations(), empty=_("– keine Angabe –"))
    if request.method == "GET" and form.rickshaw_id.data:
        form.odometer_km.data = next(
            (r.odometer_km for r in rickshaws if r.id == form.rickshaw_id.data), None
        )
    if form.validate_on_submit():
        rickshaw = db.session.get(Rickshaw, form.rickshaw_id.data)
        try:
            log_maintenance(
                rickshaw,
                kind=form.kind.data,
                performed_at=form.performed_at.data,
                odometer_km=form.odometer_km.data,
                description=form.description.data,
                parts=form.parts.data or "",
                cost=form.cost.data,
                station_id=form.station_id.data,
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, "rickshaw_id")
        else:
            db.session.commit()
            _remember(rickshaw.id, form.station_id.data)
            flash(_("Die Wartung an „%(name)s“ wurde eingetragen.", name=rickshaw.name), "success")
            return redirect(url_for("fleet.rickshaw_history", rickshaw_id=rickshaw.id))
    return render_template("fleet/maintenance_form.html", form=form, rickshaws=rickshaws)


@bp.route("/laden", methods=["GET", "POST"])
@roles_required(*STAFF)
def charging_new():
    end = utcnow().replace(second=0, microsecond=0)
    form = ChargingForm(**_defaults(start=end - DEFAULT_CHARGE, end=end))
    _rickshaw_choices(form, queries.working_rickshaws())
    stations = [s for s in queries.all_stations() if s.is_charging and s.chargers > 0]
    form.station_id.choices = record_choices(stations)
    form.battery_pack_id.choices = choices(
        [("", _("– kein Wechselakku –"))]
        + [(pack.id, f"{name} – {pack.label}") for pack, name in queries.active_packs()]
    )
    if form.validate_on_submit():
        rickshaw = db.session.get(Rickshaw, form.rickshaw_id.data)
        station = db.session.get(Station, form.station_id.data)
        try:
            log_charging(
                rickshaw,
                station=station,
                start=form.start.data,
                end=form.end.data,
                soc_before=form.soc_before.data,
                soc_after=form.soc_after.data,
                energy_kwh=form.energy_kwh.data,
                battery_pack_id=form.battery_pack_id.data,
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, "start")
        else:
            db.session.commit()
            _remember(rickshaw.id, station.id)
            flash(_("Der Ladevorgang für „%(name)s“ wurde eingetragen.", name=rickshaw.name), "success")
            return redirect(url_for("fleet.rickshaw_history", rickshaw_id=rickshaw.id))
    return render_template("fleet/charging_form.html", form=form)


@bp.route("/maengel/neu", methods=["GET", "POST"])
@roles_required(*STAFF)
def defect_new():
    defaults = _defaults()
    form = DefectForm(rickshaw_id=defaults.get("rickshaw_id"))
    _rickshaw_choices(form, queries.working_rickshaws())
    if form.validate_on_submit():
        rickshaw = db.session.get(Rickshaw, form.rickshaw_id.data)
        photo = None
        try:
            if form.photo.data and form.photo.data.filename:
                photo = store_photo(form.photo.data.stream)
            _defect, moved, flagged = report_defect(
                rickshaw,
                severity=form.severity.data,
                description=form.description.data,
                photo=photo,
                by=current_user,
                now=utcnow(),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            delete_photo(photo)  # nothing half-saved: no photo without its report
            show_error(form, error, "description")
        except Exception:
            db.session.rollback()
            delete_photo(photo)
            raise
        else:
            _remember(rickshaw.id)
            flash(_("Danke! Der Mangel an „%(name)s“ wurde gemeldet.", name=rickshaw.name), "success")
            if form.severity.data == "grounding":
                _keep_outcome("defect", rickshaw, moved, flagged)
                return redirect(url_for("fleet.outcome"))
            return redirect(url_for("fleet.rickshaw_history", rickshaw_id=rickshaw.id))
    return render_template("fleet/defect_form.html", form=form)


@bp.route("/maengel/<int:defect_id>/beheben", methods=["GET", "POST"])
@roles_required(*CARE)
def defect_clear(defect_id: int):
    defect = db.get_or_404(DefectReport, defect_id)
    rickshaw = db.session.get(Rickshaw, defect.rickshaw_id)
    form = ClearDefectForm()
    if form.validate_on_submit():
        try:
            clear_defect(defect, note=form.note.data, by=current_user, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, "note")
        else:
            db.session.commit()
            flash(_("Der Mangel ist als behoben eingetragen."), "success")
            if rickshaw.status == RickshawStatus.IN_SERVICE and defect.severity == "grounding":
                flash(_("„%(name)s“ ist wieder im Einsatz.", name=rickshaw.name), "success")
            return redirect(url_for("fleet.rickshaw_history", rickshaw_id=rickshaw.id))
    return render_template(
        "fleet/defect_clear.html",
        form=form,
        defect=defect,
        rickshaw=rickshaw,
        severity_labels=SEVERITY_LABELS,
    )
