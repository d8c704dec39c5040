"""`flask backup create|restore`: the app's database to a pg_dump file and back."""

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core import db
from core.backup import services
from core.backup.services import BackupError


@click.group("backup")
def backup_cli():
    """Back up and restore the database."""


def _tools(*names: str) -> tuple[services.Target, list[str]]:
    target = services.target_from_url(current_app.config["DATABASE_URL"])
    major = services.server_major(db.engine())
    bin_dir = current_app.config["PG_BIN_DIR"]
    return target, [services.find_tool(name, major, bin_dir) for name in names]


def _default_path(dbname: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.instance_path) / "backups" / f"{dbname}-{stamp}.dump"


@backup_cli.command("create")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="The backup file (default: instance/backups/DBNAME-TIMESTAMP.dump).")
@with_appcontext
def create_command(out):
    """Write the database (schemas public and ogc) to a pg_dump custom-format file."""
    try:
        target, (pg_dump, pg_restore) = _tools("pg_dump", "pg_restore")
        path = out or _default_path(target.dbname)
        click.echo(f"Backing up {target.label} with {pg_dump} ...", err=True)
        backup = services.create_backup(target, pg_dump, pg_restore, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written and read back ({backup.entries} entries): {backup.path}")
    click.echo(f"Size: {backup.size:,} bytes")
    click.echo(f"SHA-256: {backup.sha256}")
    click.echo("It holds pupils' maps and staff accounts: keep it encrypted, off this server.")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database's contents without asking.")
@with_appcontext
def restore_command(file, yes):
    """Replace the database's contents with a backup made by `flask backup create`."""
    try:
        target, (pg_restore,) = _tools("pg_restore")
        archive = services.read_archive(pg_restore, file)
        click.echo(f"{file}: backup of database {archive.dbname} made at {archive.created_at}, "
                   f"{archive.tables} tables.")
        _confirm(target, yes)
        for step in services.prepare_target(db.engine()):
            click.echo(f"Prepared: {step}.")
        click.echo(f"Restoring into {target.label} with {pg_restore} (one transaction) ...",
                   err=True)
        services.restore_backup(target, pg_restore, file, archive)
        db.engine().dispose()  # pooled connections may predate the restored tables
        counts = services.table_counts(db.engine())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {target.dbname}. Rows per table:")
    for name, count in counts.items():
        click.echo(f"  {name:<32} {count:>10,}")
    click.echo("Restart the app's workers so they drop any cached data.")


def _confirm(target: services.Target, yes: bool) -> None:
    if yes:
        return
    warning = (f"This replaces every table in database {target.dbname} with the backup's "
               "contents.")
    if not sys.stdin.isatty():
        raise click.ClickException(f"{warning} Nothing was changed; run again with --yes to go "
                                   "ahead.")
    if not click.confirm(f"{warning} Go ahead?", default=False):
        raise click.ClickException("Restore cancelled; nothing was changed.")
