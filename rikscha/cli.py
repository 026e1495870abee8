"""Command-line tools: `flask --app wsgi users|tokens|demo …`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from rikscha.auth.roles import ALL_ROLES
from rikscha.database import exclusive_writes, utcnow
from rikscha.domain import DomainError
from rikscha.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in ALL_ROLES])
)
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--phone", default="")
def users_create(email, name, roles, password, phone):
    """Create a user with the given roles."""
    from rikscha.auth.services import create_user

    try:
        with exclusive_writes():
            user = create_user(email=email, name=name, password=password, roles=roles, phone=phone)
            db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.code}") from error
    click.echo(f"Created user {user.id} <{user.email}> with roles {', '.join(user.roles)}")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--label", default="CLI")
def tokens_create(email, label):
    """Create an API token for EMAIL; the token is printed alone on the last line."""
    from rikscha.auth.services import create_token, find_user_by_email

    user = find_user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"No active user with e-mail {email}")
    with exclusive_writes():
        _token, plain = create_token(user, label)
        db.session.commit()
    click.echo(f"Token for {user.email} (shown once):", err=True)
    click.echo(plain)


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo data (safe to run again: existing records are kept, nothing is duplicated)."""
    from rikscha.demo import DEMO_PASSWORD, load_demo

    with exclusive_writes():
        users = load_demo(now=utcnow())
        db.session.commit()
    click.echo(f"Demo data ready. Accounts (password '{DEMO_PASSWORD}'):")
    for email, user in users.items():
        click.echo(f"  {email:28} {', '.join(user.roles)}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Write a consistent copy of the SQLite database to PATH while the app runs.

    PostgreSQL installations use pg_dump instead (see the README).
    """
    from rikscha.backup import BackupNotSupported, backup_sqlite

    try:
        size = backup_sqlite(db.engine, path)
    except BackupNotSupported as error:
        raise click.ClickException(
            "This database is PostgreSQL: use pg_dump (see README, 'Backups')."
        ) from error
    except DomainError as error:
        raise click.ClickException(f"{path} exists already; choose a new file name.") from error
    click.echo(f"Backup written to {path} ({size} bytes)")


def register_commands(app: Flask) -> None:
    from rikscha.notifications.cli import notifications_cli
    from rikscha.privacy_cli import privacy_cli
    from rikscha.quarter.cli import rounds_cli

    app.cli.add_command(notifications_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(rounds_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(privacy_cli)
