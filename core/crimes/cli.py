"""`flask import crimes FILE...`: police.uk street-level CSVs, with a progress bar and a summary."""

import sys

import click
from flask.cli import with_appcontext

from core import db
from core.crimes import services
from core.errors import AppError
from core.places.readers import count_lines

SHOW_REJECTED = 50
SHOW_FORCES = 5


def summary_lines(report: services.CrimeImportReport) -> list[str]:
    """The import's counts in plain words, then the first rejected rows with their reasons."""
    lines = [f"Crimes: {report.read} read, {report.imported} imported, "
             f"{report.already_there} already there (updated), "
             f"{report.no_coordinates} without coordinates (skipped), "
             f"{report.outside} outside our boroughs (skipped), {report.bad_rows} bad rows."]
    if report.outside:
        forces = ", ".join(f"{force}: {n}" for force, n
                           in report.outside_by_force.most_common(SHOW_FORCES))
        lines.append(f"  outside our boroughs, by force: {forces}")
    for name, item in report.rejected[:SHOW_REJECTED]:
        lines.append(f"  bad row {item.row} of {name}: {item.reason}")
    if report.bad_rows > SHOW_REJECTED:
        lines.append(f"  ... and {report.bad_rows - SHOW_REJECTED} more bad rows.")
    return lines


@click.command("crimes")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def crimes_command(paths):
    """Recorded crime from police.uk street-level CSVs (data.police.uk downloads)."""
    rows = sum(max(count_lines(path) - 1, 0) for path in paths)
    try:
        with click.progressbar(length=max(rows, 1), label="Importing crimes", file=sys.stderr,
                               show_pos=True) as bar:
            report = services.import_crimes(db_session=db.session(), paths=list(paths),
                                            progress=bar.update)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    for line in summary_lines(report):
        click.echo(line)
