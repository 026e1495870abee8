"""API: the calling user and user creation."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from rikscha.admin.forms import UserForm
from rikscha.api.errors import error_response, form_error_response
from rikscha.api.input import bind, json_body
from rikscha.api.registry import api_route
from rikscha.auth.roles import Role
from rikscha.auth.services import EmailTaken, invite_user
from rikscha.extensions import db


def user_json(user) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "roles": user.roles}


@api_route(
    "/me",
    "GET",
    summary="The calling user",
    tag="users",
    responses={200: {"id": "integer", "email": "string", "name": "string", "roles": "array"}},
)
def me():
    return jsonify(user_json(current_user))


@api_route(
    "/users",
    "POST",
    summary="Create a user (returns a temporary password)",
    roles=(Role.COORDINATOR,),
    form=UserForm,
    tag="users",
    responses={
        201: {
            "id": "integer",
            "email": "string",
            "name": "string",
            "roles": "array",
            "temporary_password": "string",
        }
    },
)
def users_create():
    data = json_body()
    data.setdefault("active", True)
    form = bind(UserForm, data)
    if not form.validate():
        return form_error_response(form)
    try:
        user, password = invite_user(
            email=form.email.data,
            name=form.name.data,
            phone=form.phone.data or "",
            roles=form.roles.data,
            active=form.active.data,
            actor=current_user,
        )
    except EmailTaken:
        return error_response(409, "email_taken")
    db.session.commit()
    return jsonify({**user_json(user), "temporary_password": password}), 201
