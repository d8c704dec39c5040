"""`flask ogc publish`: republish the OGC API's heat cells and hot spots now (e.g. from cron)."""

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core import db
from core.places.models import Borough
from mapping.ogc import publishing


@click.group("ogc")
def ogc_cli():
    """The OGC API - Features layer."""


@ogc_cli.command("publish")
@click.option("--borough", "code", help="Only this borough (ONS code); default: every borough.")
@with_appcontext
def publish_command(code):
    """Republish every borough's heat cells and hot spots from the current aggregates."""
    session = db.session()
    query = select(Borough.id, Borough.code).order_by(Borough.code)
    if code:
        query = query.where(Borough.code == code)
    boroughs = session.execute(query).all()
    if code and not boroughs:
        raise click.ClickException(f"Unknown borough: {code}.")
    steps = [(b, name) for b in boroughs for name in publishing.PUBLISHED]
    with click.progressbar(steps, label="Publishing", file=sys.stderr,
                           item_show_func=lambda s: s and f"{s[0].code} {s[1]}") as bar:
        for borough, name in bar:
            publishing.refresh(session, borough.id, name, force=True)
    click.echo(f"Published heat cells and hot spots for {len(boroughs)} borough(s).")
