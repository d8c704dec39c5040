"""Alembic migrations run from the app: `flask db upgrade|downgrade|current`."""

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config(url: str | None = None, connection=None) -> Config:
    """An Alembic config for the given URL or open connection."""
    cfg = Config(str(ALEMBIC_INI))
    if url:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to a revision."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to a revision."""
    command.downgrade(alembic_config(url), revision)


@click.group("db")
def db_cli():
    """Database schema migrations."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision):
    """Apply migrations (default: to the newest)."""
    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database upgraded to {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade_command(revision):
    """Revert migrations down to REVISION (for example: base)."""
    downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database downgraded to {revision}.")


@db_cli.command("current")
@with_appcontext
def current_command():
    """Show the database's current revision."""
    command.current(alembic_config(current_app.config["DATABASE_URL"]))
