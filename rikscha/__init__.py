"""Rikscha: rides, fleet care and quarter services for a neighbourhood office."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request, session

from rikscha.config import ROOT, load_config

__all__ = ["create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, CLI."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    register_config(app, config)
    register_json(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_templating(app)
    register_errors(app)
    register_cli(app)
    return app


def register_config(app: Flask, overrides: dict | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(instance))
    app.config.update(overrides or {})


def register_extensions(app: Flask) -> None:
    from rikscha.database import configure_engine, use_autocommit_for_reads
    from rikscha.extensions import babel, csrf, db, limiter, login_manager, migrate
    from rikscha.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        configure_engine(
            db.engine,
            ping_after_idle=app.config["DATABASE_PING_AFTER_IDLE_SECONDS"],
            random_page_cost=app.config["DATABASE_RANDOM_PAGE_COST"],
        )
        use_autocommit_for_reads(app, db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    _register_user_loader(login_manager)
    _import_models()


def _import_models() -> None:
    """Every model module, so that metadata (and Alembic) sees all tables."""
    from rikscha.audit import models as _audit  # noqa: F401
    from rikscha.auth import models as _auth  # noqa: F401
    from rikscha.fleet import models as _fleet  # noqa: F401
    from rikscha.notifications import models as _notifications  # noqa: F401
    from rikscha.quarter import models as _quarter  # noqa: F401
    from rikscha.reports import changes as _report_changes  # noqa: F401
    from rikscha.rides import models as _rides  # noqa: F401


def _register_user_loader(login_manager) -> None:
    from rikscha.auth.services import user_with_roles

    @login_manager.user_loader
    def load_user(user_id: str):
        # The id carries the session version: changing the password ends other sessions.
        try:
            raw_id, version = user_id.split(":")
            user = user_with_roles(int(raw_id))  # roles in the same query: every page checks them
        except (ValueError, TypeError):
            return None
        if user is None or not user.active or str(user.session_version) != version:
            return None
        return user


def register_json(app: Flask) -> None:
    from rikscha.input_guard import BoundedJSONProvider

    app.json = BoundedJSONProvider(app)


def register_url_converters(app: Flask) -> None:
    """`<int:…>` in every route takes at most MAX_ID: a larger number is a 404 of the router's.

    Werkzeug's own converter takes any number of digits, and an id beyond the database's integer
    range made an engine error (500) instead of "not found". Registered before the blueprints,
    whose rules pick their converters when they are added.
    """
    from werkzeug.routing import IntegerConverter

    from rikscha.limits import MAX_ID

    class IdConverter(IntegerConverter):
        def __init__(self, url_map, fixed_digits=0, min=0, max=MAX_ID, signed=False):  # noqa: A002
            super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    # View modules are imported here, not by their packages: importing a model must never pull
    # in views (that made circular imports between features).
    from rikscha.admin import bp as admin_bp
    from rikscha.admin import privacy_views as _privacy_views  # noqa: F401
    from rikscha.admin import views as _admin_views  # noqa: F401
    from rikscha.api import bp as api_bp
    from rikscha.auth import bp as auth_bp
    from rikscha.auth import views as _auth_views  # noqa: F401
    from rikscha.extensions import csrf
    from rikscha.fleet import bp as fleet_bp
    from rikscha.fleet import views as _fleet_views  # noqa: F401
    from rikscha.home import bp as home_bp
    from rikscha.home import views as _home_views  # noqa: F401
    from rikscha.quarter import bp as quarter_bp
    from rikscha.quarter import views as _quarter_views  # noqa: F401
    from rikscha.reports import bp as reports_bp
    from rikscha.reports import views as _reports_views  # noqa: F401
    from rikscha.rides import bp as rides_bp
    from rikscha.rides import views_driver, views_feeds, views_office, views_resident  # noqa: F401

    # Bearer-token requests carry no cookies, so CSRF does not apply to the API.
    csrf.exempt(api_bp)
    for blueprint in (home_bp, auth_bp, admin_bp, rides_bp, fleet_bp, quarter_bp, reports_bp, api_bp):
        app.register_blueprint(blueprint)
    if app.config.get("BENCHMARK_ROUTES"):
        from rikscha.bench_routes import init_bench

        init_bench(app)


def register_request_hooks(app: Flask) -> None:
    from rikscha.extensions import db
    from rikscha.input_guard import refuse_nul_characters
    from rikscha.security import add_security_headers

    app.after_request(add_security_headers)
    app.before_request(refuse_nul_characters)

    @app.teardown_request
    def _end_transaction(exc):
        # Views commit explicitly; anything left uncommitted (errors, reads) is rolled back.
        db.session.rollback()

    @app.before_request
    def _remember_start():
        g.language_options = app.config["LANGUAGES"]
        if request.blueprint != "api":  # the API knows bearer tokens only: no session, no cookie
            session.permanent = True

    @app.before_request
    def _temporary_password_must_be_replaced():
        from flask import redirect, url_for
        from flask_login import current_user

        allowed = {"auth.profile", "auth.password", "auth.logout", "auth.language", "static"}
        if (
            request.blueprint != "api"
            and request.endpoint not in allowed
            and current_user.is_authenticated
            and current_user.must_change_password
        ):
            return redirect(url_for("auth.profile"))


def register_templating(app: Flask) -> None:
    from rikscha.auth.roles import ROLE_LABELS
    from rikscha.form_html import render_field
    from rikscha.forms import ActionForm, use_fast_html_params
    from rikscha.i18n import current_locale_name, register_filters
    from rikscha.jinja_output import install as install_escape_to_str
    from rikscha.navigation import navigation_for
    from rikscha.rides.settings import office_phone

    install_escape_to_str(app.jinja_env)
    register_filters(app)
    use_fast_html_params()
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["render_field"] = render_field

    @app.context_processor
    def _globals():
        from flask_login import current_user

        return {
            "office_name": app.config["RIKSCHA_OFFICE_NAME"],
            "office_phone": office_phone(),
            "current_locale": current_locale_name(),
            "navigation": navigation_for(current_user),
            # Unbound: the header forms must not read the request body (it may be too large).
            "action_form": lambda: ActionForm(formdata=None),
            "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
        }


def register_errors(app: Flask) -> None:
    from rikscha.errors import register_error_handlers

    register_error_handlers(app)


def register_cli(app: Flask) -> None:
    from rikscha.cli import register_commands

    register_commands(app)
