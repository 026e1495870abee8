"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi …`."""

import gc

from rikscha import create_app

app = create_app()
# Everything built so far (modules, the app, compiled templates on first use aside) lives as long
# as the process: keep it out of the garbage collector's full passes, which otherwise rescan it
# again and again under load.
gc.freeze()
