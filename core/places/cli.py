"""`flask import ...`: load boroughs, wards, schools and postcodes with a progress bar."""

import sys
from contextlib import contextmanager

import click
import pyogrio
from flask.cli import with_appcontext

from core import db
from core.basemap.cli import basemap_command
from core.crimes.cli import crimes_command
from core.errors import AppError
from core.places import readers, services

SHOW_REJECTED = 50


@click.group("import")
def import_cli():
    """Import open data: boroughs, wards, schools, postcodes, crimes, basemap."""


import_cli.add_command(crimes_command)
import_cli.add_command(basemap_command)


@contextmanager
def _progress(label: str, length: int):
    with click.progressbar(length=max(length, 1), label=label, file=sys.stderr,
                           show_pos=True) as bar:
        yield bar.update


def _feature_count(path: str) -> int:
    try:
        return pyogrio.read_info(path)["features"]
    except Exception:
        return 1


def _report(report: services.ImportReport, noun: str) -> None:
    click.echo(f"{noun}: {report.created} created, {report.updated} updated"
               + (f", {report.skipped} skipped" if report.skipped else "")
               + f", {len(report.rejected)} rejected.")
    for item in report.rejected[:SHOW_REJECTED]:
        click.echo(f"  rejected row {item.row}: {item.reason}")
    if len(report.rejected) > SHOW_REJECTED:
        click.echo(f"  ... and {len(report.rejected) - SHOW_REJECTED} more rejected rows.")
    if report.outside:
        click.echo(f"{len(report.outside)} outside every imported borough (not imported; "
                   "import their borough first):")
        for line in report.outside[:SHOW_REJECTED]:
            click.echo(f"  {line}")


def run_import(noun: str, length: int, action):
    """Run an import with a progress bar and print its report."""
    try:
        with _progress(f"Importing {noun}", length) as step:
            report = action(step)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    _report(report, noun.capitalize())


@import_cli.command("boroughs")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--code-field", default="LAD22CD", show_default=True)
@click.option("--name-field", default="LAD22NM", show_default=True)
@with_appcontext
def boroughs_command(path, code_field, name_field):
    """Boroughs from an ONS boundary file (GeoJSON, GeoPackage, Shapefile; any CRS)."""
    run_import("boroughs", _feature_count(path), lambda step: services.import_boroughs(
        db_session=db.session(), path=path, code_field=code_field, name_field=name_field,
        progress=step))


@import_cli.command("wards")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--code-field", default="WD22CD", show_default=True)
@click.option("--name-field", default="WD22NM", show_default=True)
@click.option("--borough-field", default="LAD22CD", show_default=True,
              help="Property with the borough code; empty to place wards by location.")
@with_appcontext
def wards_command(path, code_field, name_field, borough_field):
    """Wards from an ONS boundary file; each is linked to its borough."""
    run_import("wards", _feature_count(path), lambda step: services.import_wards(
        db_session=db.session(), path=path, code_field=code_field, name_field=name_field,
        borough_field=borough_field or None, progress=step))


@import_cli.command("schools")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--la", "la_name", help="Only this local authority (the LA name column).")
@with_appcontext
def schools_command(path, la_name):
    """Schools from a DfE GIAS or London Schools Atlas CSV."""
    run_import("schools", readers.count_lines(path) - 1, lambda step: services.import_schools(
        db_session=db.session(), path=path, la_name=la_name, progress=step))


@import_cli.command("postcodes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def postcodes_command(path):
    """Postcodes from an ONS Postcode Directory or Code-Point Open CSV."""
    run_import("postcodes", readers.count_lines(path), lambda step: services.import_postcodes(
        db_session=db.session(), path=path, progress=step))
