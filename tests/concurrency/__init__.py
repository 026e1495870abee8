"""Tests against a real multi-process server (gunicorn), on SQLite and PostgreSQL."""
