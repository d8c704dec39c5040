"""`flask demo seed`: a fictional borough with schools, postcodes and one login per role."""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core import db
from core.demo import services

LOGINS_FILE = "demo-logins.txt"


@click.group("demo")
def demo_cli():
    """The demo borough."""


@demo_cli.command("seed")
@click.option("--seed", "seed_value", default=1, show_default=True, type=int,
              help="Random seed: the same seed gives the same borough.")
@click.option("--if-empty", is_flag=True, help="Do nothing when a borough already exists.")
@click.option("--logins/--no-logins", default=True, help="Print the demo logins afterwards.")
@with_appcontext
def seed_command(seed_value, if_empty, logins):
    """Load the demo borough and print the demo logins."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("The demo is not seeded in production mode.")
    if if_empty and not services.database_is_empty(db_session=db.session()):
        click.echo("The database already has data; demo not seeded.")
        return
    created = services.seed(db_session=db.session(), seed=seed_value,
                            extra_seeders=current_app.extensions.get("demo_seeders", ()))
    if created:
        _save_logins(created)
    click.echo(f"Demo borough seeded (seed {seed_value}).")
    if logins:
        show_logins()


def _save_logins(logins: dict[str, str]) -> None:
    path = Path(current_app.instance_path) / LOGINS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        for email, password in logins.items():
            handle.write(f"{email}\t{password}\n")


def show_logins() -> None:
    """Print the demo logins kept in instance/."""
    path = Path(current_app.instance_path) / LOGINS_FILE
    if path.exists():
        click.echo("Demo logins (email, password):")
        for line in path.read_text().splitlines():
            click.echo("  " + line.replace("\t", "   "))


@demo_cli.command("logins")
@with_appcontext
def logins_command():
    """Print the demo logins again."""
    show_logins()
