"""Login, logout, registration, profile, language switch and API tokens."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from rikscha.auth import bp
from rikscha.auth.forms import LanguageForm, LoginForm, PasswordChangeForm, RegisterForm, TokenForm
from rikscha.auth.models import ApiToken
from rikscha.auth.roles import public, roles_required
from rikscha.auth.services import (
    EmailTaken,
    InvalidCredentials,
    LoginThrottled,
    authenticate,
    change_password,
    create_token,
    register_resident,
    revoke_token,
)
from rikscha.database import utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db, limiter
from rikscha.forms import ActionForm
from rikscha.home.views import start_url_for
from rikscha.rides.privacy import managed_riders


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so the login form can't be used as an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _start_session(user) -> None:
    # A fresh session on login: nothing from before the login (fixation) survives.
    language = session.get("language")
    session.clear()
    session["sid"] = secrets.token_hex(16)
    if language:
        session["language"] = language
    login_user(user)


@bp.route("/anmelden", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(start_url_for(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, now=utcnow())
        except LoginThrottled:
            form.password.errors.append(
                _("Zu viele Fehlversuche. Bitte warten Sie 15 Minuten oder rufen Sie im Stadtteilbüro an.")
            )
        except InvalidCredentials:
            db.session.commit()  # keep the failed attempt: it counts towards the limit
            form.password.errors.append(_("E-Mail-Adresse oder Passwort stimmen nicht."))
        else:
            db.session.commit()
            _start_session(user)
            if user.must_change_password:
                flash(_("Bitte legen Sie jetzt ein eigenes Passwort fest."), "info")
                return redirect(url_for("auth.profile"))
            flash(_("Willkommen, %(name)s!", name=user.name), "success")
            return redirect(_safe_next(form.next.data) or start_url_for(user))
    return render_template("auth/login.html", form=form)


@bp.post("/abmelden")
@roles_required()
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_("Sie sind abgemeldet."), "success")
        return redirect(url_for("home.index"))
    return redirect(start_url_for(current_user))


@bp.route("/registrieren", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(start_url_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = register_resident(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                phone=form.phone.data or "",
                now=utcnow(),
            )
        except EmailTaken:
            form.email.errors.append(
                _("Mit dieser E-Mail-Adresse gibt es schon ein Konto. Bitte melden Sie sich an.")
            )
        else:
            db.session.commit()
            _start_session(user)
            flash(_("Ihr Konto ist angelegt. Willkommen!"), "success")
            return redirect(start_url_for(user))
    return render_template("auth/register.html", form=form)


@bp.route("/profil")
@roles_required()
def profile():
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == current_user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "auth/profile.html",
        password_form=PasswordChangeForm(),
        language_form=LanguageForm(language=current_user.language),
        token_form=TokenForm(),
        revoke_form=ActionForm(),
        tokens=tokens,
        new_token=session.pop("new_token", None),
        my_riders=managed_riders(current_user) if current_user.has_role("resident") else [],
    )


@bp.post("/profil/passwort")
@roles_required()
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, current=form.current_password.data, new=form.password.data)
        except DomainError:
            form.current_password.errors.append(_("Das bisherige Passwort stimmt nicht."))
        else:
            db.session.commit()
            # The session version changed: log in again here, so only the other sessions end.
            login_user(current_user._get_current_object())
            flash(_("Ihr Passwort ist geändert."), "success")
            return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html",
        password_form=form,
        language_form=LanguageForm(language=current_user.language),
        token_form=TokenForm(),
        revoke_form=ActionForm(),
        tokens=[],
        new_token=None,
    )


@bp.post("/sprache")
@public
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(_safe_next(form.next.data) or url_for("home.index"))


@bp.post("/profil/schluessel")
@roles_required()
def token_create():
    form = TokenForm()
    if form.validate_on_submit():
        _token, plain = create_token(current_user, form.label.data)
        db.session.commit()
        # Shown once on the next page; only its hash is stored.
        session["new_token"] = plain
        flash(
            _("Neuer Zugangsschlüssel erstellt. Kopieren Sie ihn jetzt – er wird nur einmal angezeigt."),
            "success",
        )
    else:
        flash(_("Bitte geben Sie an, wofür der Schlüssel ist."), "error")
    return redirect(url_for("auth.profile"))


@bp.post("/profil/schluessel/<int:token_id>/widerrufen")
@roles_required()
def token_revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    if ActionForm().validate_on_submit():
        revoke_token(token, actor=current_user, now=utcnow())
        db.session.commit()
        flash(_("Der Zugangsschlüssel ist widerrufen."), "success")
    return redirect(url_for("auth.profile"))
