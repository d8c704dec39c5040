"""The admin pages: create users with the right scope, deactivate them, manage tokens."""

import re

import pytest
from sqlalchemy import func, select

from core.accounts.models import ApiToken, User
from tests.core.accounts.helpers import login, post_form
from tests.factories import PASSWORD, add_borough, add_school, add_user


@pytest.fixture
def admin_client(client, db_session):
    add_borough(db_session)
    add_school(db_session, 100001)
    add_user(db_session, "admin", "admin@example.org")
    login(client, "admin@example.org")
    return client


def _users(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(User))


def test_admin_creates_a_teacher_for_a_school(admin_client, db_session):
    response = post_form(admin_client, "/admin/users", {
        "email": "Teacher@Example.org", "role": "teacher", "schools": "100001",
        "password": PASSWORD})
    assert response.status_code == 302
    teacher = db_session.scalar(select(User).where(User.email == "teacher@example.org"))
    assert teacher.role == "teacher" and [s.urn for s in teacher.schools] == [100001]
    assert "teacher@example.org" in admin_client.get("/admin/users").get_data(as_text=True)


def test_admin_creates_a_planner_for_a_borough(admin_client, db_session):
    post_form(admin_client, "/admin/users", {"email": "p@example.org", "role": "planner",
                                             "borough": "E09000999", "password": PASSWORD})
    planner = db_session.scalar(select(User).where(User.email == "p@example.org"))
    assert planner.borough.code == "E09000999"


@pytest.mark.parametrize(("form", "message"), [
    ({"email": "t@example.org", "role": "teacher"}, "A teacher needs at least one school"),
    ({"email": "t@example.org", "role": "teacher", "schools": "999"}, "No school with URN 999"),
    ({"email": "p@example.org", "role": "planner"}, "A planner needs a borough"),
    ({"email": "p@example.org", "role": "planner", "borough": "E0"}, "No borough with code E0"),
    ({"email": "not-an-email", "role": "worker"}, "Enter a valid email address"),
    ({"email": "admin@example.org", "role": "worker"}, "already exists"),
    ({"email": "w@example.org", "role": "emperor"}, "Not a valid choice"),
    ({"email": "w@example.org", "role": "worker", "password": "short"}, "at least 12"),
])
def test_bad_new_user_is_explained_and_nothing_is_stored(admin_client, db_session, form,
                                                         message):
    before = _users(db_session)
    response = post_form(admin_client, "/admin/users", {"password": PASSWORD, **form})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _users(db_session) == before


def test_admin_form_without_csrf_stores_nothing(admin_client, db_session):
    before = _users(db_session)
    response = admin_client.post("/admin/users", data={
        "email": "w@example.org", "role": "worker", "password": PASSWORD})
    assert response.status_code == 400
    assert _users(db_session) == before


def test_deactivate_then_reactivate_a_user(admin_client, db_session, app):
    worker = add_user(db_session, "worker", "worker@example.org")
    other = app.test_client()
    login(other, "worker@example.org")
    post_form(admin_client, f"/admin/users/{worker.id}/active", {"active": "0"})
    assert other.get("/api/v1/me").status_code == 401
    post_form(admin_client, f"/admin/users/{worker.id}/active", {"active": "1"})
    assert login(other, "worker@example.org").status_code == 302


def test_admin_cannot_deactivate_themselves(admin_client, db_session):
    admin = db_session.scalar(select(User).where(User.email == "admin@example.org"))
    response = post_form(admin_client, f"/admin/users/{admin.id}/active", {"active": "0"})
    assert response.status_code == 302
    db_session.expire_all()
    assert admin.active


def test_token_is_shown_once_works_and_can_be_revoked(admin_client, db_session, client):
    worker = add_user(db_session, "worker", "worker@example.org")
    page = post_form(admin_client, f"/admin/users/{worker.id}/tokens", {"label": "QGIS"},
                     token_page=f"/admin/users/{worker.id}").get_data(as_text=True)
    secret = re.search(r'<code class="token">([^<]+)</code>', page).group(1)
    headers = {"Authorization": f"Bearer {secret}"}
    fresh = admin_client.application.test_client()
    assert fresh.get("/api/v1/me", headers=headers).json["email"] == "worker@example.org"
    assert secret not in admin_client.get(f"/admin/users/{worker.id}").get_data(as_text=True)
    token_id = db_session.scalar(select(ApiToken.id).where(ApiToken.user_id == worker.id))
    post_form(admin_client, f"/admin/tokens/{token_id}/revoke", {})
    assert fresh.get("/api/v1/me", headers=headers).status_code == 401


def test_admin_changes_a_users_role_and_scope(admin_client, db_session):
    worker = add_user(db_session, "worker", "worker@example.org")
    response = post_form(admin_client, f"/admin/users/{worker.id}", {
        "role": "planner", "borough": "E09000999"})
    assert response.status_code == 302
    db_session.expire_all()
    assert (worker.role, worker.borough.code) == ("planner", "E09000999")
    bad = post_form(admin_client, f"/admin/users/{worker.id}", {"role": "teacher"})
    assert bad.status_code == 422
    db_session.expire_all()
    assert worker.role == "planner"


def test_user_changes_own_password_and_must_log_in_again(client, db_session):
    add_user(db_session, "worker", "worker@example.org")
    login(client, "worker@example.org")
    mismatch = post_form(client, "/account/password", {
        "password": "a brand new passphrase", "confirm": "something else"})
    assert mismatch.status_code == 422 and "different" in mismatch.get_data(as_text=True)
    changed = post_form(client, "/account/password", {
        "password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert changed.status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    assert login(client, "worker@example.org").status_code == 401
    assert login(client, "worker@example.org", "a brand new passphrase").status_code == 302
