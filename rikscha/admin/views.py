"""Coordinators manage user accounts: list, search, create, edit, temporary password."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from rikscha.admin import bp
from rikscha.admin.forms import AuditFilterForm, UserForm, UserSearchForm
from rikscha.audit.queries import audit_page
from rikscha.auth.models import User
from rikscha.auth.roles import Role, roles_required
from rikscha.auth.services import EmailTaken, invite_user, set_temporary_password, update_user
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.forms import ActionForm

PAGE_SIZE = 50


@bp.route("/personen")
@roles_required(Role.COORDINATOR)
def users():
    search = UserSearchForm(request.args)
    query = select(User).order_by(User.name)
    if search.validate() and search.q.data:
        pattern = f"%{search.q.data.lower()}%"
        query = query.where(or_(User.email.like(pattern), User.name.ilike(pattern), User.phone.like(pattern)))
    people = db.session.scalars(query.limit(PAGE_SIZE)).all()
    return render_template("admin/users.html", search=search, people=people)


@bp.route("/personen/neu", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def user_new():
    form = UserForm()
    if form.validate_on_submit():
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
            form.email.errors.append(_("Diese E-Mail-Adresse ist schon vergeben."))
        else:
            db.session.commit()
            return render_template("admin/temporary_password.html", person=user, password=password)
    return render_template("admin/user_form.html", form=form, person=None)


@bp.route("/personen/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def user_edit(user_id: int):
    person = db.get_or_404(User, user_id)
    form = UserForm(obj=person) if request.method == "GET" else UserForm()
    if request.method == "GET":
        form.roles.data = person.roles
    if form.validate_on_submit():
        try:
            update_user(
                person,
                actor=current_user,
                name=form.name.data,
                email=form.email.data,
                phone=form.phone.data or "",
                roles=form.roles.data,
                active=form.active.data,
            )
        except EmailTaken:
            form.email.errors.append(_("Diese E-Mail-Adresse ist schon vergeben."))
        except DomainError:
            form.roles.errors.append(
                _("Sie können sich nicht selbst die Koordination entziehen oder sich deaktivieren.")
            )
        else:
            db.session.commit()
            flash(_("Änderungen gespeichert."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, person=person, password_form=ActionForm())


@bp.post("/personen/<int:user_id>/passwort")
@roles_required(Role.COORDINATOR)
def user_password(user_id: int):
    person = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.user_edit", user_id=person.id))
    password = set_temporary_password(person, actor=current_user)
    db.session.commit()
    return render_template("admin/temporary_password.html", person=person, password=password)


@bp.route("/protokoll")
@roles_required(Role.COORDINATOR)
def audit():
    form = AuditFilterForm(request.args)
    events, has_next = [], False
    if form.validate():
        events, has_next = audit_page(
            entity=form.entity.data,
            entity_id=form.entity_id.data,
            actor=form.actor.data,
            start=form.start.data,
            end=form.end.data,
            tz=ZoneInfo(current_app.config["RIKSCHA_TIMEZONE"]),
            page=form.page.data or 1,
        )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "admin/audit.html", form=form, events=events, has_next=has_next, page=form.page.data or 1, args=args
    )
