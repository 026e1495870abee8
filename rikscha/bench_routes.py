"""Benchmark-only extras: a hello-world ceiling route and a per-request SQL query counter.

Registered only when the configuration says RIKSCHA_BENCHMARK (env `RIKSCHA_BENCHMARK=1`): the
route `/_bench/hello` and the `X-Query-Count` response header exist in no other configuration.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, has_request_context
from sqlalchemy import event

from rikscha.auth.roles import public

bp = Blueprint("bench", __name__, url_prefix="/_bench")


@bp.get("/hello")
@public
def hello():
    # The same stack as every page (WSGI, Flask, the app's hooks), minus the page's own work.
    return Response("hello", mimetype="text/plain")


def init_bench(app: Flask) -> None:
    """Register the route and count the SQL statements of each request (header X-Query-Count)."""
    from rikscha.extensions import db

    app.register_blueprint(bp)

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args):
        if has_request_context():
            g.bench_queries = g.get("bench_queries", 0) + 1

    @app.after_request
    def _query_count_header(response):
        response.headers["X-Query-Count"] = str(g.get("bench_queries", 0))
        return response
