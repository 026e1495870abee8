"""The public landing page and the start page each role lands on after login."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from rikscha.auth.roles import Role, public, roles_required
from rikscha.database import utcnow
from rikscha.home import bp

# A user with several roles lands on the page of the first role they hold in this order.
_START_PAGES = (
    (Role.COORDINATOR, "home.coordinator"),
    (Role.DRIVER, "home.driver"),
    (Role.CARETAKER, "home.caretaker"),
    (Role.RESIDENT, "rides.resident_home"),
)


def start_url_for(user) -> str:
    for role, endpoint in _START_PAGES:
        if user.has_role(role):
            return url_for(endpoint)
    return url_for("auth.profile")


@bp.route("/")
@public
def index():
    return render_template("home/index.html")


@bp.route("/start")
@roles_required()
def start():
    return redirect(start_url_for(current_user))


@bp.route("/fahrer")
@roles_required(Role.DRIVER)
def driver():
    # The driver's start page is "Mein Plan", built by the rides feature.
    from rikscha.rides.views_driver import render_plan

    return render_plan()


@bp.route("/hausmeister")
@roles_required(Role.CARETAKER)
def caretaker():
    return render_template("home/caretaker.html")


@bp.route("/koordination")
@roles_required(Role.COORDINATOR)
def coordinator():
    # The dashboard's queries live in the reports feature (a fixed number, whatever the data).
    from rikscha.reports.dashboard import dashboard
    from rikscha.rides.labels import STATUS_LABELS
    from rikscha.rides.settings import current_rules

    return render_template(
        "home/coordinator.html", dash=dashboard(utcnow(), current_rules()), status_labels=STATUS_LABELS
    )
