"""`flask users ...` commands."""

from sqlalchemy import select

from core.accounts.models import ApiToken, User
from tests.factories import PASSWORD, add_borough


def _users(runner, *args, stdin=None):
    return runner.invoke(args=["users", *args], input=stdin)


def test_create_user_with_password_from_stdin_and_list(runner, db_session):
    add_borough(db_session)
    db_session.commit()
    result = _users(runner, "create", "planner@example.org", "--role", "planner",
                    "--borough", "E09000999", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created planner planner@example.org" in result.output
    listing = _users(runner, "list").output
    assert "planner@example.org\tplanner\tE09000999\tactive" in listing


def test_create_user_refuses_bad_scope_with_a_message(runner, db_session):
    result = _users(runner, "create", "t@example.org", "--role", "teacher", "--password-stdin",
                    stdin=PASSWORD + "\n")
    assert result.exit_code == 1
    assert "A teacher needs at least one school" in result.output
    assert db_session.scalar(select(User)) is None


def test_token_is_printed_once_and_revocable(runner, db_session):
    _users(runner, "create", "w@example.org", "--role", "worker", "--password-stdin",
           stdin=PASSWORD + "\n")
    result = _users(runner, "token", "w@example.org", "--label", "script")
    secret = result.stdout.strip().splitlines()[-1]
    assert len(secret) >= 40
    token = db_session.scalar(select(ApiToken))
    assert token.label == "script" and secret not in token.token_hash
    assert _users(runner, "revoke-token", str(token.id)).exit_code == 0
    db_session.expire_all()
    assert token.revoked_at is not None


def test_token_for_unknown_user_fails(runner):
    result = _users(runner, "token", "ghost@example.org")
    assert result.exit_code == 1 and "No active user" in result.output


def test_deactivate(runner, db_session):
    _users(runner, "create", "w@example.org", "--role", "worker", "--password-stdin",
           stdin=PASSWORD + "\n")
    assert _users(runner, "deactivate", "w@example.org").exit_code == 0
    assert "deactivated" in _users(runner, "list").output
