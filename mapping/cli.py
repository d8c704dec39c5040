"""`flask mapping purge-expired`: delete raw pupil maps older than the retention period."""

import click
from flask import current_app
from flask.cli import with_appcontext

from core import db
from mapping import services


@click.group("mapping")
def mapping_cli():
    """Safety mapping."""


@mapping_cli.command("purge-expired")
@click.option("--days", type=int, default=None,
              help="Retention in days (default: PUPIL_DATA_RETENTION_DAYS).")
@with_appcontext
def purge_expired_command(days):
    """Delete pupils' maps (and their zones) older than the retention period."""
    days = days if days is not None else current_app.config["PUPIL_DATA_RETENTION_DAYS"]
    if days < 1:
        raise click.ClickException("The retention period must be at least one day.")
    deleted = services.purge_expired(db_session=db.session(), retention_days=days)
    click.echo(f"{deleted} pupil map(s) older than {days} days deleted.")
