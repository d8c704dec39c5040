"""`flask havens lapse-overdue` and `flask import businesses`."""

import click
from flask.cli import with_appcontext

from core import db
from core.places.cli import import_cli, run_import
from core.places.readers import count_lines
from havens import prospects, upkeep


@click.group("havens")
def havens_cli():
    """Safe Haven upkeep."""


@havens_cli.command("lapse-overdue")
@with_appcontext
def lapse_overdue_command():
    """Mark havens overdue by more than the grace period as lapsed (run daily)."""
    lapsed = upkeep.lapse_overdue(db_session=db.session())
    click.echo(f"{len(lapsed)} haven(s) lapsed.")
    for row in lapsed:
        click.echo(f"  {row.id}\t{row.name}")


@import_cli.command("businesses")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def businesses_command(path):
    """Prospects from Food Standards Agency (FHRS) or OpenStreetMap files."""
    run_import("businesses", count_lines(path), lambda step: prospects.import_businesses(
        db_session=db.session(), path=path, progress=step))
