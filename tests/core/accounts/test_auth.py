"""Logging in and out, sessions that really end, roles, tokens and rate limits."""

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from core.accounts import services
from core.accounts.models import LoginSession, User
from tests.conftest import make_app
from tests.core.accounts.helpers import login, logout, post_form
from tests.factories import PASSWORD, add_borough, add_school, add_user

CSRF_VALUE = re.compile(r'value="[^"]*"')


@pytest.fixture
def worker(db_session):
    return add_user(db_session, "worker", "worker@example.org")


def test_login_with_the_right_password_opens_a_session(client, worker):
    response = login(client, "worker@example.org")
    assert response.status_code == 302
    assert client.get("/api/v1/me").json["email"] == "worker@example.org"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, worker):
    wrong = login(client, "worker@example.org", "not the password at all")
    unknown = login(client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: CSRF_VALUE.sub("", r.get_data(as_text=True)).replace(  # noqa: E731
        "worker@example.org", "EMAIL").replace("nobody@example.org", "EMAIL")
    assert strip(wrong) == strip(unknown)
    assert "do not match an account" in wrong.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_login_without_csrf_token_is_rejected(client, worker):
    response = client.post("/login", data={"email": "worker@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_login_sets_a_new_session_token_each_time(client, worker, db_session):
    login(client, "worker@example.org")
    logout(client)
    login(client, "worker@example.org")
    tokens = db_session.scalars(select(LoginSession.token_hash)).all()
    assert len(tokens) == 2 and len(set(tokens)) == 2


def test_logged_out_session_cookie_replayed_is_not_logged_in(app, client, worker):
    login(client, "worker@example.org")
    cookie = client.get_cookie("session").value
    logout(client)
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/api/v1/me").status_code == 401


def test_idle_session_expires(client, worker, db_session):
    login(client, "worker@example.org")
    db_session.execute(update(LoginSession).values(
        last_seen_at=services.now() - timedelta(minutes=31)))
    assert client.get("/api/v1/me").status_code == 401


def test_session_ends_after_the_absolute_limit_even_when_busy(client, worker, db_session):
    login(client, "worker@example.org")
    db_session.execute(update(LoginSession).values(
        created_at=services.now() - timedelta(hours=12, minutes=1)))
    assert client.get("/api/v1/me").status_code == 401


def test_anonymous_visitor_of_a_staff_page_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/admin/users")


def test_teacher_cannot_reach_admin_pages(client, db_session):
    add_borough(db_session)
    urn = add_school(db_session)
    add_user(db_session, "teacher", "teacher@example.org", school_urns=[urn])
    login(client, "teacher@example.org")
    assert client.get("/admin/users").status_code == 403
    assert post_form(client, "/admin/users", {"email": "x@example.org", "role": "admin",
                                              "password": PASSWORD}).status_code == 403


def test_login_redirect_only_goes_to_our_own_pages(client, worker):
    assert login(client, "worker@example.org", next_path="/schools").headers[
        "Location"] == "/schools"
    logout(client)
    assert login(client, "worker@example.org", next_path="//evil.example").headers[
        "Location"] == "/"


def test_bearer_token_works_until_revoked(client, worker, db_session):
    token, secret = services.create_api_token(db_session=db_session, email=worker.email)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).json["role"] == "worker"
    services.revoke_api_token(db_session=db_session, token_id=token.id)
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_and_sessions_are_stored_only_as_hashes(client, worker, db_session):
    _token, secret = services.create_api_token(db_session=db_session, email=worker.email)
    login(client, "worker@example.org")
    cookie_token = db_session.scalar(select(LoginSession.token_hash))
    assert secret not in str(db_session.execute(select(User.password_hash)).all())
    assert len(cookie_token) == 64 and secret not in cookie_token


def test_deactivated_user_cannot_log_in_and_their_sessions_end(client, worker, db_session):
    login(client, "worker@example.org")
    services.set_active(db_session=db_session, user_id=worker.id, active=False)
    assert client.get("/api/v1/me").status_code == 401
    assert login(client, "worker@example.org").status_code == 401


def test_passwords_are_argon2id_at_or_above_owasp_minimum(worker):
    assert worker.password_hash.startswith("$argon2id$")
    params = PasswordHasher().check_needs_rehash  # same defaults as ours
    assert not params(worker.password_hash)
    memory_kib = int(re.search(r"m=(\d+)", worker.password_hash).group(1))
    time_cost = int(re.search(r"t=(\d+)", worker.password_hash).group(1))
    assert memory_kib >= 19 * 1024 and time_cost >= 2


@pytest.mark.parametrize(("password", "problem"), [
    ("short", "at least 12"), ("password1234", "too common"), ("aaaaaaaaaaaaaa", "too common"),
    ("worker-rules-ok", "email"),
])
def test_weak_passwords_are_refused_with_a_reason(db_session, password, problem):
    from core.errors import InvalidInput
    with pytest.raises(InvalidInput, match=problem):
        add_user(db_session, "worker", "worker@example.org", password=password)


def test_login_is_rate_limited_per_account_with_retry_after(database_url, connection, worker):
    limited = make_app(database_url, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    from core import db
    db.bind_to_connection(limited, connection)
    client = limited.test_client()
    statuses = [login(client, "worker@example.org", "wrong password here").status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    blocked = login(client, "worker@example.org")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Please wait" in blocked.get_data(as_text=True)


def test_login_is_rate_limited_per_client_across_accounts(database_url, connection):
    limited = make_app(database_url, LOGIN_LIMIT_PER_CLIENT="2 per minute")
    from core import db
    db.bind_to_connection(limited, connection)
    client = limited.test_client()
    statuses = [login(client, f"user{i}@example.org", "wrong password here").status_code
                for i in range(3)]
    assert statuses == [401, 401, 429]
