"""Privacy pages: a rider's data (page and JSON), consent, erasure by anonymisation; residents' exports."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import BooleanField, RadioField
from wtforms.validators import InputRequired

from rikscha.admin import bp
from rikscha.audit.services import record_view
from rikscha.auth.roles import Role, roles_required
from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.forms import ActionForm, Form, NotBlank, choices
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import message_for
from rikscha.rides.forms import CANCEL_REASON_LABELS, CONSENT_LABELS, NEED_LABELS, RiderSearchForm
from rikscha.rides.labels import STATUS_LABELS
from rikscha.rides.models import ConsentMethod, Rider
from rikscha.rides.privacy import (
    anonymise_rider,
    export_rider,
    future_active_rides,
    load_rider_data,
    record_consent,
    withdraw_consent,
)
from rikscha.rides.riders import riders_query

SEARCH_LIMIT = 50


class ConsentForm(Form):
    method = RadioField(
        _l("Wie wurde das Einverständnis gegeben?"),
        choices=choices((m.value, CONSENT_LABELS[m]) for m in ConsentMethod),
        validators=[NotBlank(_l("Bitte geben Sie an, wie das Einverständnis gegeben wurde."))],
    )


class AnonymiseForm(Form):
    confirm = BooleanField(
        _l("Ja, alle persönlichen Angaben dieser Person endgültig löschen"),
        validators=[InputRequired(_l("Bitte bestätigen Sie, dass die Angaben gelöscht werden sollen."))],
    )


def _rider_or_404(rider_id: int) -> Rider:
    return db.get_or_404(Rider, rider_id)


def _download(rider: Rider, data: dict) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="fahrgast-{rider.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/datenschutz")
@roles_required(Role.COORDINATOR)
def privacy_index():
    search = RiderSearchForm(request.args)
    riders = []
    if search.validate():
        riders = db.session.scalars(riders_query(current_user, search.q.data or "").limit(SEARCH_LIMIT)).all()
    return render_template("admin/privacy/index.html", search=search, riders=riders)


@bp.route("/datenschutz/fahrgaeste/<int:rider_id>")
@roles_required(Role.COORDINATOR)
def privacy_rider(rider_id: int):
    rider = _rider_or_404(rider_id)
    record_view(current_user, "rider", rider.id, "privacy page")
    return _privacy_page(rider)


def _privacy_page(rider: Rider, *, consent_form=None, status: int = 200):
    return render_template(
        "admin/privacy/rider.html",
        rider=rider,
        data=load_rider_data(rider),
        now=utcnow(),
        future_rides=future_active_rides(rider, utcnow()),
        consent_form=consent_form or ConsentForm(),
        withdraw_form=ActionForm(),
        need_labels=NEED_LABELS,
        consent_labels=CONSENT_LABELS,
        status_labels=STATUS_LABELS,
        reason_labels=CANCEL_REASON_LABELS,
    ), status


@bp.route("/datenschutz/fahrgaeste/<int:rider_id>/export.json")
@roles_required(Role.COORDINATOR)
def privacy_export(rider_id: int):
    rider = _rider_or_404(rider_id)
    record_view(current_user, "rider", rider.id, "json", action="export")
    return _download(rider, export_rider(rider, now=utcnow()))


@bp.post("/datenschutz/fahrgaeste/<int:rider_id>/widerruf")
@roles_required(Role.COORDINATOR)
def privacy_withdraw(rider_id: int):
    rider = _rider_or_404(rider_id)
    if ActionForm().validate_on_submit():
        try:
            withdraw_consent(rider, by=current_user, now=utcnow())
        except DomainError as error:
            flash(message_for(error.code), "error")
        else:
            db.session.commit()
            flash(
                _("Der Widerruf ist eingetragen. Für diese Person können keine Fahrten mehr gebucht werden."),
                "success",
            )
    return redirect(url_for("admin.privacy_rider", rider_id=rider.id))


@bp.post("/datenschutz/fahrgaeste/<int:rider_id>/einverstaendnis")
@roles_required(Role.COORDINATOR)
def privacy_consent(rider_id: int):
    rider = _rider_or_404(rider_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _privacy_page(rider, consent_form=form, status=422)
    try:
        record_consent(rider, method=form.method.data, by=current_user, now=utcnow())
    except DomainError as error:
        flash(message_for(error.code), "error")
    else:
        db.session.commit()
        flash(_("Das Einverständnis ist eingetragen."), "success")
    return redirect(url_for("admin.privacy_rider", rider_id=rider.id))


@bp.route("/datenschutz/fahrgaeste/<int:rider_id>/anonymisieren", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def privacy_anonymise(rider_id: int):
    rider = _rider_or_404(rider_id)
    if rider.anonymised_at is not None:
        flash(_("Diese Person ist bereits anonymisiert."), "info")
        return redirect(url_for("admin.privacy_rider", rider_id=rider.id))
    form = AnonymiseForm()
    if form.validate_on_submit():
        result = anonymise_rider(rider, by=current_user, now=utcnow())
        db.session.commit()
        flash(
            _(
                "Die persönlichen Angaben sind gelöscht. %(count)s künftige Fahrten wurden abgesagt.",
                count=result.cancelled if result else 0,
            ),
            "success",
        )
        return redirect(url_for("admin.privacy_rider", rider_id=rider.id))
    return render_template(
        "admin/privacy/anonymise.html",
        rider=rider,
        form=form,
        future_rides=future_active_rides(rider, utcnow()),
    )


# --- residents: the data of the riders they manage ----------------------------------------------


@bp.route("/meine-daten/fahrgaeste/<int:rider_id>.json")
@roles_required(Role.RESIDENT)
def my_rider_export(rider_id: int):
    rider = _rider_or_404(rider_id)
    if rider.anonymised_at is not None or not rider.managed_by(current_user):
        abort(404)
    record_view(current_user, "rider", rider.id, "json (manager)", action="export")
    return _download(rider, export_rider(rider, now=utcnow()))
