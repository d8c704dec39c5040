"""`flask mapping purge-expired`: delete raw pupil maps older than the retention period."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from core import db
from mapping import aggregates, queries, services


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


@click.group("heatmap")
def heatmap_cli():
    """Borough heatmap aggregates."""


@heatmap_cli.command("rebuild")
@with_appcontext
def rebuild_command():
    """Recompute every heatmap cell from the pupils' zones (same result as the live updates)."""
    total = len(queries.map_ids(db.session()))
    with click.progressbar(length=max(total, 1), label="Rebuilding the heatmap",
                           file=sys.stderr, show_pos=True) as bar:
        maps = aggregates.rebuild(db_session=db.session(), progress=bar.update)
    click.echo(f"Heatmap rebuilt from {maps} pupil map(s).")
