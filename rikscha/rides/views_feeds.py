"""Calendar feeds: the page to create, renew and end the secret URL, and the feed itself."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from rikscha.auth.roles import Role, public, roles_required
from rikscha.database import utcnow
from rikscha.extensions import db
from rikscha.forms import ActionForm
from rikscha.rides import bp
from rikscha.rides.feeds import active_feed, create_feed, feed_calendar, feed_owner, revoke_feed

_FEED_ROLES = (Role.DRIVER, Role.RESIDENT)
_SESSION_KEY = "new_feed_token"


@bp.get("/kalender-abo")
@roles_required(*_FEED_ROLES)
def feed():
    # Only the hash is stored: the address can be shown once, right after it was made.
    token = session.pop(_SESSION_KEY, None)
    url = url_for("rides.feed_ics", token=token, _external=True) if token else None
    return render_template(
        "rides/feeds/index.html",
        feed=active_feed(current_user),
        feed_url=url,
        webcal_url=url and "webcal://" + url.split("://", 1)[1],
        form=ActionForm(),
    )


@bp.post("/kalender-abo/neu")
@roles_required(*_FEED_ROLES)
def feed_create():
    if ActionForm().validate_on_submit():
        _feed, token = create_feed(current_user, now=utcnow())
        db.session.commit()
        session[_SESSION_KEY] = token
        flash(
            _("Ihre Kalender-Adresse ist erstellt. Kopieren Sie sie jetzt – sie wird nur einmal angezeigt."),
            "success",
        )
    return redirect(url_for("rides.feed"))


@bp.post("/kalender-abo/beenden")
@roles_required(*_FEED_ROLES)
def feed_revoke():
    if ActionForm().validate_on_submit() and revoke_feed(current_user, now=utcnow()):
        db.session.commit()
        flash(_("Das Kalender-Abo ist beendet. Die bisherige Adresse funktioniert nicht mehr."), "success")
    return redirect(url_for("rides.feed"))


@bp.get("/kalender/<token>.ics")
@public
def feed_ics(token: str):
    """The token in the URL is the credential: unknown or revoked → 404, like any missing page."""
    owner = feed_owner(token)
    if owner is None:
        abort(404)
    response = make_response(feed_calendar(owner, now=utcnow()))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = 'inline; filename="rikscha.ics"'
    # Personal data: no shared caches, and search engines must not keep a leaked URL.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
