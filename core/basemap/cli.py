"""`flask import basemap FILE`: roads, paths, parks, water and railways for printed maps, with a
progress bar and a summary."""

import sys

import click
from flask.cli import with_appcontext

from core import db
from core.basemap import readers, services
from core.basemap.models import LAYERS
from core.errors import AppError

SHOW_REJECTED = 50


def summary_lines(report: services.BasemapImportReport) -> list[str]:
    """The import's counts in plain words, the layers, the attribution, then the first
    rejected rows with their reasons."""
    lines = [f"Basemap features: {report.created} created, {report.updated} updated, "
             f"{report.skipped} skipped, {len(report.rejected)} rejected."]
    layers = ", ".join(f"{layer} {report.layers[layer]}" for layer in LAYERS
                       if report.layers[layer])
    lines.append(f"  by layer: {layers}")
    lines.append(f"  source {report.source!r}, credited on maps as: {report.attribution}")
    for item in report.rejected[:SHOW_REJECTED]:
        lines.append(f"  rejected row {item.row}: {item.reason}")
    if len(report.rejected) > SHOW_REJECTED:
        lines.append(f"  ... and {len(report.rejected) - SHOW_REJECTED} more rejected rows.")
    return lines


@click.command("basemap")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(LAYERS),
              help="Put every feature in this layer (e.g. park for OS Open Greenspace).")
@click.option("--name", help="The source's name (default: the file's name); importing the "
                             "same name again updates it.")
@click.option("--attribution", help="The credit printed on maps (default: the OpenStreetMap "
                                    "or Ordnance Survey wording).")
@click.option("--replace", is_flag=True, help="Remove every basemap feature first.")
@with_appcontext
def basemap_command(path, kind, name, attribution, replace):
    """Basemap for printed maps: an OpenStreetMap or OS extract (GeoJSON, GeoPackage)."""
    try:
        with click.progressbar(length=readers.count_features(path), label="Importing basemap",
                               file=sys.stderr, show_pos=True) as bar:
            report = services.import_basemap(
                db_session=db.session(), path=path, kind=kind, name=name,
                attribution=attribution, replace=replace, progress=bar.update)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    for line in summary_lines(report):
        click.echo(line)
