"""Issue 9, parts 2 and 3: passwords, sessions that really end, cookie flags in production,
and every abuse limit answering 429 with a Retry-After and words a pupil or teacher can follow.

Time moves by patching the one clock the code reads (`services.now()`), never by sleeping.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlalchemy import select

from core import config as app_config
from core import db
from core.accounts import passwords
from core.accounts import services as accounts
from core.accounts.models import LoginSession
from core.errors import InvalidInput
from mapping import codes
from mapping import services as mapping
from tests.conftest import csrf_token, make_app
from tests.core.accounts.helpers import login, logout
from tests.factories import PASSWORD, add_borough, add_school, add_user
from tests.havens.conftest import make_haven
from tests.mapping.test_api import META_CSRF, good_map, send

ME = "/api/v1/me"
ARGON2 = re.compile(r"^\$(?P<type>argon2(?:id|i|d))\$v=(?P<v>\d+)"
                    r"\$m=(?P<m>\d+),t=(?P<t>\d+),p=(?P<p>\d+)\$[^$]+\$[^$]+$")
LIMITS = {"LOGIN_LIMIT_PER_ACCOUNT": "3 per minute", "LOGIN_LIMIT_PER_CLIENT": "5 per minute",
          "JOIN_LIMIT_PER_CLIENT": "3 per minute", "SUBMIT_LIMIT_PER_PUPIL": "2 per minute",
          "SUBMIT_LIMIT_PER_CLIENT": "3 per minute", "EXPORT_LIMIT_PER_USER": "2 per minute"}
WAIT = "Too many tries. Please wait a minute and try again."


class Clock:
    """The accounts' and mapping's clock, moved forward by an offset from real time."""

    def __init__(self):
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def at(self, **delta) -> None:
        """Set the clock to real time plus delta (hours=, minutes=)."""
        self.offset = timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    moved = Clock()
    monkeypatch.setattr(accounts, "now", moved.now)
    monkeypatch.setattr(mapping, "now", moved.now)
    return moved


@pytest.fixture
def worker(db_session):
    add_borough(db_session)
    return add_user(db_session, "worker", "worker@example.org", borough_code="E09000999")


def _bind(app, connection):
    db.bind_to_connection(app, connection)
    return app


@pytest.fixture(scope="module")
def limited_app(database_url):
    """The app with small limits so each one is reached in a few requests."""
    return make_app(database_url, **LIMITS)


@pytest.fixture(scope="module")
def production_app(database_url):
    """A production-configured app; the cookie path and domain asked for are unsafe on purpose."""
    return make_app(database_url, PRODUCTION=True, SESSION_COOKIE_SECURE=True,
                    RATELIMIT_STORAGE_CHOSEN=True, SESSION_COOKIE_PATH="/staff",
                    SESSION_COOKIE_DOMAIN="example.org", APPLICATION_ROOT="/app")


def session_data(app, client) -> dict:
    """What the signed session cookie holds (flask-login keeps the login token in _user_id)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(cookie.value) if cookie else {}


def replayed(app, cookie_value: str, name: str = "session"):
    """A fresh browser presenting an old session cookie: who does the API think it is?"""
    browser = app.test_client()
    browser.set_cookie(name, cookie_value)
    return browser.get(ME)


def assert_limited(response, *, page_text: str = WAIT, as_json: bool = False) -> None:
    """A 429 with a Retry-After in seconds, and a JSON error or a friendly page."""
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    if as_json:
        assert response.json["error"]["code"] == "too_many_requests"
        assert response.json["error"]["message"] == WAIT
    else:
        html = response.get_data(as_text=True)
        assert response.mimetype == "text/html" and page_text in html, html[html.find("<main"):]
        assert "Traceback" not in html


# --- 2. passwords ------------------------------------------------------------------------------

def test_the_stored_hash_is_argon2id_at_or_above_owasp_minimum(worker):
    parsed = ARGON2.match(worker.password_hash)
    assert parsed, worker.password_hash
    assert parsed["type"] == "argon2id" and parsed["v"] == "19"
    memory_kib, time_cost, lanes = int(parsed["m"]), int(parsed["t"]), int(parsed["p"])
    assert memory_kib >= 19 * 1024 and time_cost >= 2 and lanes >= 1
    library = extract_parameters(worker.password_hash)
    assert library.type is Type.ID
    assert (library.memory_cost, library.time_cost, library.parallelism) == (
        memory_kib, time_cost, lanes)


def test_a_hash_with_weaker_parameters_is_upgraded_at_the_next_login(client, worker,
                                                                     db_session):
    weak = PasswordHasher(memory_cost=8 * 1024, time_cost=1, parallelism=1).hash(PASSWORD)
    worker.password_hash = weak
    db_session.commit()
    assert login(client, worker.email).status_code == 302
    db_session.refresh(worker)
    upgraded = ARGON2.match(worker.password_hash)
    assert worker.password_hash != weak
    assert int(upgraded["m"]) >= 19 * 1024 and int(upgraded["t"]) >= 2


@pytest.mark.parametrize(("password", "problem"), [
    ("eleven-char", "at least 12"),
    ("password1234", "too common"),         # on our own list
    ("qwertyuiop12", "too common"),         # a keyboard run
    ("liverpool1234", "too common"),        # zxcvbn's list of 30,000 common passwords
    ("manchesterunited", "too common"),
    ("safehavens2026", "too common"),       # the service's own name
    ("zzzzzzzzzzzzzz", "too common"),
])
def test_short_and_common_passwords_are_refused_with_a_reason(db_session, password, problem):
    add_borough(db_session)
    with pytest.raises(InvalidInput, match=problem):
        add_user(db_session, "worker", "w@example.org", password=password)


def test_a_12_character_uncommon_password_is_accepted():
    assert passwords.MIN_LENGTH == 12
    assert passwords.password_problem("quiet-otter-7", "w@example.org") is None
    assert passwords.password_problem(PASSWORD, "w@example.org") is None


# --- 2. sessions -------------------------------------------------------------------------------

def test_login_gives_a_new_session_id_and_the_old_cookies_are_refused(app, client, worker,
                                                                      db_session):
    client.get("/login")
    before = client.get_cookie("session").value
    assert "_user_id" not in session_data(app, client)
    assert login(client, worker.email).status_code == 302
    first = client.get_cookie("session").value
    first_token = session_data(app, client)["_user_id"]
    assert first != before
    assert replayed(app, before).status_code == 401
    assert replayed(app, first).json["email"] == worker.email

    assert login(client, worker.email).status_code == 302  # again, without logging out
    second_token = session_data(app, client)["_user_id"]
    assert second_token != first_token
    assert client.get(ME).status_code == 200
    assert replayed(app, first).status_code == 401
    ended = db_session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
    assert [row.ended_at is not None for row in ended] == [True, False]


def test_after_logout_the_replayed_cookie_is_not_logged_in(app, client, worker):
    login(client, worker.email)
    cookie = client.get_cookie("session").value
    assert replayed(app, cookie).status_code == 200
    logout(client)
    assert client.get(ME).status_code == 401
    assert replayed(app, cookie).status_code == 401


def test_staff_timeouts_are_30_minutes_idle_and_12_hours_absolute(app):
    assert app.config["STAFF_IDLE_MINUTES"] == 30
    assert app.config["STAFF_ABSOLUTE_HOURS"] == 12
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)


def test_an_idle_session_ends_after_30_minutes_and_stays_ended(app, client, worker, clock):
    login(client, worker.email)
    cookie = client.get_cookie("session").value
    clock.at(minutes=29)
    assert client.get(ME).status_code == 200  # in use: the idle timer starts again
    clock.at(minutes=29 + 29)
    assert client.get(ME).status_code == 200
    clock.at(minutes=29 + 29 + 31)
    assert replayed(app, cookie).status_code == 401
    clock.at(minutes=0)  # ended on the server, not merely out of date
    assert client.get(ME).status_code == 401


def test_a_busy_session_still_ends_12_hours_after_login(app, client, worker, clock):
    login(client, worker.email)
    cookie = client.get_cookie("session").value
    for step in range(1, 29):  # a request every 25 minutes up to 11 h 40
        clock.at(minutes=25 * step)
        assert client.get(ME).status_code == 200, step
    clock.at(hours=12, minutes=1)  # 21 minutes after the last request: only the 12 h ends it
    assert replayed(app, cookie).status_code == 401
    clock.at(hours=11)
    assert client.get(ME).status_code == 401


def test_the_session_cookie_lasts_no_longer_than_the_absolute_limit(client, worker):
    response = login(client, worker.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    expires = datetime.strptime(re.search(r"Expires=([^;]+)", cookie).group(1),
                                "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert expires - datetime.now(UTC) <= timedelta(hours=12)


# --- 2. the pupil's session --------------------------------------------------------------------

@pytest.fixture
def school(db_session):
    add_borough(db_session)
    add_school(db_session)
    return add_user(db_session, "teacher", "teacher@example.org", school_urns=[100001])


def class_session(app, db_session, teacher, hours: float):
    """A session open from now for the given number of hours."""
    opens = datetime.now(UTC)
    with app.app_context():
        return mapping.create_session(db_session=db_session, teacher=teacher, school_urn=100001,
                                      class_label="7B", year_group=7, opens_at=opens,
                                      closes_at=opens + timedelta(hours=hours))


def pupil_joins(app, code: str):
    """A pupil's browser after following the QR link: (client, its CSRF token, Set-Cookie)."""
    browser = app.test_client()
    joined = browser.get(f"/j/{code}")
    assert joined.status_code == 302, joined.get_data(as_text=True)[:300]
    cookie = next(c for c in joined.headers.getlist("Set-Cookie") if c.startswith("pupil="))
    token = META_CSRF.search(browser.get("/draw").get_data(as_text=True)).group(1)
    return browser, token, cookie


def max_age(set_cookie: str) -> int:
    return int(re.search(r"Max-Age=(\d+)", set_cookie).group(1))


def test_the_pupil_cookie_lives_no_longer_than_the_session(app, db_session, school):
    short = class_session(app, db_session, school, hours=1.5)
    _browser, _token, cookie = pupil_joins(app, short.join_code)
    assert 0 < max_age(cookie) <= 90 * 60
    long = class_session(app, db_session, school, hours=8)
    _browser, _token, cookie = pupil_joins(app, long.join_code)
    assert 0 < max_age(cookie) <= 4 * 3600  # a whole school day: still one lesson's cookie


def test_a_pupil_cookie_is_refused_once_the_session_has_ended(app, db_session, school, clock):
    lesson = class_session(app, db_session, school, hours=1.5)
    browser, token, _cookie = pupil_joins(app, lesson.join_code)
    assert send(browser, good_map(), code=lesson.join_code, token=token).status_code == 201
    clock.at(hours=1.5, minutes=1)
    refused = send(browser, good_map(), code=lesson.join_code, token=token)
    assert refused.status_code == 403 and "closed" in refused.json["error"]["message"]
    assert browser.get("/draw").headers["Location"].endswith("/join")


def test_a_pupil_cookie_expires_on_its_own_even_while_the_session_is_open(app, db_session,
                                                                          school, clock):
    day = class_session(app, db_session, school, hours=8)
    browser, token, _cookie = pupil_joins(app, day.join_code)
    clock.at(hours=4, minutes=1)
    assert mapping.is_open(db_session.get(type(day), day.id))
    assert send(browser, good_map(), code=day.join_code, token=token).status_code == 403


def test_a_pupil_cookie_is_refused_when_the_teacher_closes_early(app, db_session, school):
    lesson = class_session(app, db_session, school, hours=1.5)
    browser, token, _cookie = pupil_joins(app, lesson.join_code)
    with app.app_context():
        mapping.set_closed(db_session=db_session, session_id=lesson.id, user=school,
                           closed=True)
    assert send(browser, good_map(), code=lesson.join_code, token=token).status_code == 403


# --- 2. cookies in production ------------------------------------------------------------------

def https_client(app):
    """A browser talking HTTPS to the app, as behind the production proxy."""
    browser = app.test_client()
    browser.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "haven.example.test"})
    return browser


def _cookie(response, name: str) -> list[str]:
    header = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}="))
    return [part.strip() for part in header.split(";")]


def test_production_cookies_are_host_only_secure_httponly_and_samesite(
        production_app, connection, db_session, school):
    app = _bind(production_app, connection)
    add_user(db_session, "worker", "worker@example.org", borough_code="E09000999")
    browser = https_client(app)
    response = login(browser, "worker@example.org")
    assert response.status_code == 302
    parts = _cookie(response, "__Host-session")
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= set(parts)
    assert not any(p.lower().startswith("domain=") for p in parts)
    assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))
    assert browser.get(ME).json["email"] == "worker@example.org"

    lesson = class_session(app, db_session, school, hours=1)
    pupil = _cookie(https_client(app).get(f"/j/{lesson.join_code}"), "__Host-pupil")
    assert {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} <= set(pupil)
    assert not any(p.lower().startswith("domain=") for p in pupil)


def test_production_refuses_cookies_without_https(database_url, monkeypatch):
    with pytest.raises(app_config.ConfigError, match="SESSION_COOKIE_SECURE"):
        make_app(database_url, PRODUCTION=True, SESSION_COOKIE_SECURE=False,
                 RATELIMIT_STORAGE_CHOSEN=True)
    monkeypatch.setenv("SAFEHAVENS_ENV", "production")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    assert app_config.from_environment()["SESSION_COOKIE_SECURE"] is True


# --- 3. abuse limits: login --------------------------------------------------------------------

def _attempt_login(browser, email, password="not the password at all", address="10.0.0.1",
                   **headers):
    browser.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(browser, "/login")
    return browser.post("/login", data={"email": email, "password": password,
                                        "csrf_token": token}, headers=headers)


def test_login_is_limited_per_account_whichever_address_tries(limited_app, connection, worker):
    browser = _bind(limited_app, connection).test_client()
    statuses = [_attempt_login(browser, worker.email, address=f"10.0.1.{i}").status_code
                for i in range(3)]
    assert statuses == [401, 401, 401]
    assert_limited(_attempt_login(browser, worker.email, PASSWORD, address="10.0.1.9"))
    assert_limited(_attempt_login(browser, worker.email, address="10.0.1.8",
                                  Accept="application/json"), as_json=True)
    assert browser.get(ME).status_code == 401  # the right password too, while limited


def test_login_is_limited_per_client_across_accounts(limited_app, connection, worker):
    browser = _bind(limited_app, connection).test_client()
    statuses = [_attempt_login(browser, f"user{i}@example.org").status_code for i in range(5)]
    assert statuses == [401] * 5
    assert_limited(_attempt_login(browser, worker.email, PASSWORD))
    assert _attempt_login(browser, worker.email, PASSWORD, address="10.0.2.2").status_code == 302


# --- 3. abuse limits: join codes and pupils' maps ----------------------------------------------

def _wrong(code: str) -> str:
    return ("A" if code[0] != "A" else "C") + code[1:]


def test_wrong_join_codes_share_one_allowance_per_address(limited_app, connection, db_session,
                                                          school):
    app = _bind(limited_app, connection)
    lesson = class_session(app, db_session, school, hours=1)
    browser = app.test_client()
    token = csrf_token(browser, "/join")
    wrong = _wrong(lesson.join_code)
    for _ in range(2):
        assert browser.post("/join", data={"code": wrong, "csrf_token": token}).status_code == 400
    assert browser.get(f"/j/{wrong}").status_code == 400
    blocked = browser.get(f"/j/{lesson.join_code}")  # the QR link draws on the same allowance
    assert_limited(blocked, page_text="Too many wrong codes from this school. Wait a few "
                   "minutes, then check the code with your teacher.")
    assert_limited(browser.post("/join", data={"code": codes.display(lesson.join_code),
                                               "csrf_token": token},
                                headers={"Accept": "application/json"}), as_json=True)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.3.3"
    assert elsewhere.get(f"/j/{lesson.join_code}").status_code == 302


def test_each_pupil_may_send_only_a_few_maps_from_any_address(limited_app, connection,
                                                              db_session, school):
    app = _bind(limited_app, connection)
    lesson = class_session(app, db_session, school, hours=1)
    browser, token, _cookie = pupil_joins(app, lesson.join_code)
    sent = []
    for i in range(2):
        browser.environ_base["REMOTE_ADDR"] = f"10.0.4.{i}"
        sent.append(send(browser, good_map(), code=lesson.join_code, token=token).status_code)
    assert sent == [201, 201]
    browser.environ_base["REMOTE_ADDR"] = "10.0.4.9"
    assert_limited(send(browser, good_map(), code=lesson.join_code, token=token), as_json=True)


def test_one_address_may_send_only_so_many_maps_whoever_sends(limited_app, connection,
                                                              db_session, school):
    app = _bind(limited_app, connection)
    lesson = class_session(app, db_session, school, hours=1)
    pupils = [pupil_joins(app, lesson.join_code) for _ in range(4)]
    sent = [send(b, good_map(), code=lesson.join_code, token=t).status_code
            for b, t, _c in pupils[:3]]
    assert sent == [201, 201, 201]
    last, token, _cookie = pupils[3]
    blocked = send(last, good_map(), code=lesson.join_code, token=token)
    assert_limited(blocked, as_json=True)
    assert blocked.json["error"]["message"].startswith("Too many tries")


# --- 3. abuse limits: exports ------------------------------------------------------------------

@pytest.fixture
def staff(limited_app, connection, db_session, school):
    """A teacher (with a session), a planner and a worker (with a haven) in one borough."""
    app = _bind(limited_app, connection)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    worker = add_user(db_session, "worker", "worker@example.org", borough_code="E09000999")
    lesson = class_session(app, db_session, school, hours=1)
    with app.app_context():
        haven = make_haven(db_session, worker)
    return {"lesson": lesson.id, "haven": haven.id}


EXPORTS = [
    ("planner", "/mapping/heatmap/export.csv"),
    ("planner", "/mapping/heatmap/export.geojson"),
    ("planner", "/mapping/hotspots/export.csv"),
    ("planner", "/mapping/hotspots/actions.csv"),
    ("planner", "/mapping/perception-crime/export.csv"),
    ("teacher", "/mapping/sessions/{lesson}/summary.csv"),
    ("worker", "/havens/due.csv"),
    ("worker", "/havens/{haven}/sticker.pdf"),
    ("worker", "/api/v1/havens?format=csv"),
    ("worker", "/api/v1/havens/due?format=csv"),
]


@pytest.mark.parametrize(("role", "path"), EXPORTS)
def test_every_export_is_limited_per_user(limited_app, staff, role, path):
    url = path.format(**staff)
    browser = limited_app.test_client()
    assert login(browser, f"{role}@example.org").status_code == 302
    for _ in range(2):
        allowed = browser.get(url)
        assert allowed.status_code < 500 and allowed.status_code != 429, allowed.status_code
    assert_limited(browser.get(url), as_json=url.startswith("/api/"))


def test_exports_share_one_allowance_and_each_user_has_their_own(limited_app, staff,
                                                                 db_session):
    first = limited_app.test_client()
    login(first, "planner@example.org")
    assert first.get("/mapping/heatmap/export.csv").status_code != 429
    assert first.get("/mapping/hotspots/export.geojson").status_code != 429
    assert_limited(first.get("/mapping/perception-crime/export.geojson",
                             headers={"Accept": "application/json"}), as_json=True)
    add_user(db_session, "planner", "second@example.org", borough_code="E09000999")
    second = limited_app.test_client()  # same address, another planner
    login(second, "second@example.org")
    assert second.get("/mapping/heatmap/export.csv").status_code != 429


def test_the_havens_map_layer_is_not_an_export(limited_app, staff):
    browser = limited_app.test_client()
    for _ in range(2):
        assert browser.get("/api/v1/havens?format=csv").status_code == 200
    assert_limited(browser.get("/api/v1/havens?format=csv"), as_json=True)
    for _ in range(5):  # the finder's and the heatmap's GeoJSON layer keeps working
        assert browser.get("/api/v1/havens?format=geojson").status_code == 200


def test_a_limited_page_tells_a_person_in_plain_words(limited_app, staff):
    browser = limited_app.test_client()
    login(browser, "teacher@example.org")
    url = f"/mapping/sessions/{staff['lesson']}/summary.csv"
    for _ in range(2):
        browser.get(url)
    page = browser.get(url, headers={"Accept": "text/html"})
    assert_limited(page)
    assert "Please wait a moment" in page.get_data(as_text=True)
