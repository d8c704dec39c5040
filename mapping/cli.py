"""`flask mapping purge-expired`, `flask heatmap rebuild` and `flask maps export`."""

import sys
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core import db
from core.places import queries as place_queries
from mapping import (
    aggregates,
    haven_map_export,
    haven_map_pdf,
    haven_maps,
    heatmap,
    queries,
    retention,
    terms,
)


@click.group("mapping")
def mapping_cli():
    """Safety mapping."""


@mapping_cli.command("purge-expired")
@click.option("--days", type=int, default=None,
              help="Retention in days (default: PUPIL_DATA_RETENTION_DAYS).")
@with_appcontext
def purge_expired_command(days):
    """Delete whole terms of pupils' maps once their oldest is past the retention period,
    keeping the heatmaps planners could see of them."""
    days = days if days is not None else current_app.config["PUPIL_DATA_RETENTION_DAYS"]
    if days < 1:
        raise click.ClickException("The retention period must be at least one day.")
    purge = retention.purge_expired(db_session=db.session(), retention_days=days,
                                    rule=heatmap.rule_for_planners(), progress=_progress_bar)
    kept = ", ".join(terms.label(term) for _borough, term in purge.terms)
    click.echo(f"{purge.deleted} pupil map(s) deleted from terms with maps older than {days} "
               f"days; " + (f"the published heatmaps of {kept} are kept." if kept else
                            "no term had expired."))


@contextmanager
def _progress_bar(label: str, length: int):
    with click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update


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


@click.group("maps")
def maps_cli():
    """Printable Safe Haven maps for schools."""


def _sizes(value: str) -> list[str]:
    sizes = [part.strip().upper() for part in value.split(",") if part.strip()]
    wrong = [size for size in sizes if size not in haven_map_pdf.SIZES]
    if wrong or not sizes:
        raise click.BadParameter("give A4, A3 or A4,A3", param_hint="--size")
    return list(dict.fromkeys(sizes))


@maps_cli.command("export")
@click.option("--all", "every", is_flag=True, help="Every open school (of --borough).")
@click.option("--changed", is_flag=True,
              help="Only schools whose map differs from the one last exported.")
@click.option("--school", "urns", type=int, multiple=True, help="A school's URN (repeatable).")
@click.option("--borough", help="Borough code, e.g. E09000023.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="A folder, or a file ending .zip (default: haven-maps-DATE.zip).")
@click.option("--size", "size_list", default="A4", show_default=True, help="A4, A3 or A4,A3.")
@click.option("--orientation", type=click.Choice(haven_map_pdf.ORIENTATIONS),
              default="portrait", show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes drawing maps (default: every core).")
@click.option("--base-url", default=None,
              help="Where the QR codes point (default: PUBLIC_BASE_URL).")
@with_appcontext
def export_command(every, changed, urns, borough, out, size_list, orientation, workers,
                   base_url):
    """Print every school's Safe Haven map (or only the changed ones) into a folder or a ZIP."""
    if not (every or changed or urns):
        raise click.UsageError("Say which schools: --all, --changed or --school URN.")
    sizes = _sizes(size_list)
    borough_id = _borough_id(borough)
    base_url = base_url or current_app.config["PUBLIC_BASE_URL"] or "http://127.0.0.1:5000"
    if not current_app.config["PUBLIC_BASE_URL"] and not base_url.startswith("https://"):
        click.echo(f"Note: the QR codes point to {base_url}; set PUBLIC_BASE_URL (or "
                   "--base-url) to the public address before printing for schools.", err=True)
    maps = _gather(borough_id, list(urns) or None, base_url)
    chosen = [m for m in maps if m.changed] if changed else maps
    _say_which(maps, chosen, changed)
    if not chosen:
        return
    jobs = haven_maps.print_jobs(db_session=db.session(), maps=chosen, sizes=sizes,
                                 orientation=orientation)
    count = len(chosen) * len(sizes)
    target = out or Path(f"haven-maps-{date.today():%Y-%m-%d}.zip")
    with click.progressbar(length=count, label="Printing maps", file=sys.stderr,
                           show_pos=True) as bar:
        results = haven_map_export.render(jobs, workers=workers, progress=bar.update)
        if target.suffix.lower() == ".zip":
            haven_map_export.write_zip(results, target)
        else:
            haven_map_export.write_folder(results, target)
    haven_maps.record_exports(db_session=db.session(), maps=chosen,
                              at=datetime.now(UTC))
    click.echo(f"{count} map(s) of {len(chosen)} school(s) written to {target}.")


def _borough_id(code: str | None) -> int | None:
    if not code:
        return None
    found = place_queries.borough_id_by_code(db.session(), code)
    if found is None:
        raise click.BadParameter(f"no borough with code {code!r}", param_hint="--borough")
    return found


def _gather(borough_id: int | None, urns: list[int] | None, base_url: str) -> list:
    total = len(queries.schools_for_print(db.session(), borough_id=borough_id, urns=urns))
    with click.progressbar(length=max(total, 1), label="Finding each school's havens",
                           file=sys.stderr, show_pos=True) as bar:
        return haven_maps.school_maps(db_session=db.session(), base_url=base_url,
                                      today=date.today(), borough_id=borough_id, urns=urns,
                                      with_basemap=False, progress=bar.update)


def _say_which(maps: list, chosen: list, only_changed: bool) -> None:
    if not maps:
        click.echo("No open school matches; nothing to print.")
    elif only_changed and not chosen:
        click.echo(f"All {len(maps)} schools' maps are the same as when last exported; "
                   "nothing to print.")
    elif only_changed:
        click.echo(f"{len(chosen)} of {len(maps)} schools need a new print "
                   "(their Safe Havens changed, or their map was never exported):")
        for school_map in chosen:
            click.echo(f"  {school_map.content.urn}  {school_map.content.school_name}")
