"""`flask users ...`: create, list and deactivate staff accounts; issue API tokens."""

import sys

import click
from flask.cli import with_appcontext

from core import db
from core.accounts import services
from core.errors import AppError


def _fail(exc: AppError):
    raise click.ClickException(exc.message)


@click.group("users")
def users_cli():
    """Staff accounts and API tokens."""


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "worker", "teacher",
                                                          "planner"]))
@click.option("--school", "schools", multiple=True, help="School URN (teachers; repeatable).")
@click.option("--borough", help="Borough code such as E09000023 (planners).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_command(email, role, schools, borough, password_stdin):
    """Create a user; the password is asked for (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(db_session=db.session(), email=email, password=password,
                                    role=role, school_urns=schools, borough_code=borough)
    except AppError as exc:
        _fail(exc)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users_cli.command("token")
@click.argument("email")
@click.option("--label", default="", help="What the token is for.")
@with_appcontext
def token_command(email, label):
    """Create an API token for EMAIL and print it once."""
    try:
        token, secret = services.create_api_token(db_session=db.session(), email=email,
                                                  label=label)
    except AppError as exc:
        _fail(exc)
    click.echo(f"Token {token.id} for {email} (shown once; keep it secret):", err=True)
    click.echo(secret)


@users_cli.command("revoke-token")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token_command(token_id):
    """Revoke the API token with TOKEN_ID."""
    try:
        services.revoke_api_token(db_session=db.session(), token_id=token_id)
    except AppError as exc:
        _fail(exc)
    click.echo(f"Token {token_id} revoked.")


@users_cli.command("list")
@with_appcontext
def list_command():
    """List users with role, scope and state."""
    for user in services.list_users(db_session=db.session()):
        scope = user.borough.code if user.borough else ",".join(str(s.urn) for s in user.schools)
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{scope or '-'}\t{state}")


@users_cli.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email):
    """Deactivate EMAIL: their sessions end and their tokens are revoked."""
    user = services.get_by_email(db_session=db.session(), email=email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    services.set_active(db_session=db.session(), user_id=user.id, active=False)
    click.echo(f"Deactivated {user.email}.")
