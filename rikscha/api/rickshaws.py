"""API: the coordinator sets up the fleet's rickshaws."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from rikscha.api.errors import form_error_response
from rikscha.api.input import bind, json_body
from rikscha.api.registry import api_route
from rikscha.api.schemas import RICKSHAW_FIELDS, answers_domain_errors, rickshaw_json
from rikscha.auth.roles import Role
from rikscha.database import utcnow
from rikscha.extensions import db
from rikscha.fleet.forms import RickshawForm
from rikscha.fleet.models import Rickshaw
from rikscha.fleet.services import save_rickshaw

FORM_FIELDS = (
    "name",
    "kind",
    "seats",
    "status",
    "odometer_km",
    "capacity_minutes",
    "service_interval_km",
    "service_interval_days",
)


@api_route(
    "/rickshaws",
    "POST",
    summary="Add a rickshaw",
    roles=(Role.COORDINATOR,),
    form=RickshawForm,
    tag="fleet",
    responses={201: RICKSHAW_FIELDS},
)
@answers_domain_errors
def rickshaws_create():
    form = bind(RickshawForm, json_body())
    if not form.validate():
        return form_error_response(form)
    rickshaw = save_rickshaw(
        None,
        by=current_user._get_current_object(),
        now=utcnow(),
        **{name: getattr(form, name).data for name in FORM_FIELDS},
    )
    db.session.commit()
    return jsonify(rickshaw_json(rickshaw)), 201


@api_route(
    "/rickshaws",
    "GET",
    summary="All rickshaws",
    roles=(Role.COORDINATOR,),
    tag="fleet",
    responses={200: {"rickshaws": "array"}},
)
def rickshaws_list():
    rickshaws = db.session.scalars(select(Rickshaw).order_by(Rickshaw.name, Rickshaw.id)).all()
    return jsonify({"rickshaws": [rickshaw_json(r) for r in rickshaws]})
