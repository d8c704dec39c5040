"""A small two-borough world for the authorization tests: one caller of each kind, one object
of each kind, and a way to call any URL rule as any caller without the calls touching each
other (each runs in a savepoint that is rolled back)."""

import gc
import math
import warnings
from dataclasses import dataclass, field
from datetime import date

from flask.testing import FlaskClient
from shapely.geometry import MultiPolygon, box
from sqlalchemy.exc import SAWarning

from core.accounts import services as accounts
from core.extensions import limiter
from mapping import heat_cache
from mapping import services as mapping_services
from mapping.action_models import HotspotAction
from tests.conftest import csrf_token
from tests.core.accounts.helpers import login
from tests.factories import BOROUGH_BOX, add_borough, add_school, add_user
from tests.havens.conftest import make_haven
from tests.mapping.conftest import feature, square, submit

OTHER_BOX = (0.015, 51.44, 0.045, 51.46)  # the next square east of the test borough
HOME, AWAY = "E09000999", "E09000998"
SCHOOL, OTHER_SCHOOL = 100001, 200002
# Unique strings in a haven's private fields: no public answer may contain any of them.
PRIVATE = {"contact_name": "Privatecontact Qzxname", "phone": "020 7946 0731",
           "email": "qzx-private@haven.example.org", "notes": "QZX-PRIVATE-NOTE"}
CALLERS = ("anonymous", "pupil", "teacher", "teacher_other", "worker", "worker_other",
           "planner", "planner_other", "admin")
STAFF = {"teacher": ("teacher", {"school_urns": [SCHOOL]}),
         "teacher_other": ("teacher", {"school_urns": [OTHER_SCHOOL]}),
         "worker": ("worker", {"borough_code": HOME}),
         "worker_other": ("worker", {"borough_code": AWAY}),
         "planner": ("planner", {"borough_code": HOME}),
         "planner_other": ("planner", {"borough_code": AWAY}),
         "admin": ("admin", {})}


@dataclass
class Caller:
    """One kind of caller: a browser (cookies + CSRF token) and, for staff, an API client."""

    name: str
    browser: FlaskClient
    csrf: str
    api: FlaskClient | None = None
    token: str | None = None
    user_id: int | None = None

    def client_for(self, path: str) -> tuple[FlaskClient, dict]:
        """The client and headers for a path: staff use bearer tokens on /api and /ogc."""
        if self.token and path.startswith(("/api/", "/ogc")):
            return self.api, {"Authorization": f"Bearer {self.token}"}
        return self.browser, {"X-CSRFToken": self.csrf}


@dataclass
class World:
    """Everything the tests refer to by id."""

    boroughs: dict
    haven_id: int
    session_id: int
    other_session_id: int
    join_code: str
    other_join_code: str
    place_id: int
    action_id: int
    other_action_id: int
    callers: dict[str, Caller] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)

    def placeholders(self) -> dict:
        """A real value for every URL rule argument name."""
        lon, lat = 0.0, 51.45
        z = 14
        x = int((lon + 180) / 360 * 2 ** z)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** z)
        return {"urn": SCHOOL, "haven_id": self.haven_id, "session_id": self.session_id,
                "place_id": self.place_id, "action_id": self.action_id,
                "user_id": self.callers["teacher_other"].user_id,
                "token_id": self.token_ids["teacher_other"], "code": self.join_code,
                "postcode": "SE1 1AA", "cell": 150, "i": 0, "j": 0, "z": z, "x": x, "y": y,
                "fmt": "geojson", "kind": "csv", "action": "close",
                "collection_id": "hotspots", "feature_id": "1", "sheet_id": 1}


def _action(db_session, borough_id: int, user_id: int, lon: float) -> int:
    area = MultiPolygon([box(lon, 51.449, lon + 0.002, 51.451)])
    logged = HotspotAction(borough_id=borough_id, created_by=user_id, action="Extra patrols",
                           starts_on=date.today(), status="planned", cell_m=150,
                           significance="90", rank=1, area=f"SRID=4326;{area.wkt}",
                           location=f"SRID=4326;POINT({lon + 0.001} 51.45)")
    db_session.add(logged)
    db_session.flush()
    return logged.id


def build(app, db_session) -> World:
    """Two boroughs, a school in each, one user per role and scope, and their objects."""
    boroughs = {HOME: add_borough(db_session, HOME, "Testham", BOROUGH_BOX),
                AWAY: add_borough(db_session, AWAY, "Otherham", OTHER_BOX)}
    add_school(db_session, SCHOOL, "Alder Primary School", lon=0.0, lat=51.45)
    add_school(db_session, OTHER_SCHOOL, "Birch Primary School", lon=0.03, lat=51.45)
    users = {name: add_user(db_session, role, f"{name}@example.org", **scope)
             for name, (role, scope) in STAFF.items()}
    with app.app_context():
        haven = make_haven(db_session, users["worker"], name="Corner Shop",
                           signed_up_on=date.today(), **PRIVATE)
        mine = mapping_services.create_session(
            db_session=db_session, teacher=users["teacher"], school_urn=SCHOOL,
            class_label="7B", year_group=7)
        theirs = mapping_services.create_session(
            db_session=db_session, teacher=users["teacher_other"], school_urn=OTHER_SCHOOL,
            class_label="8C", year_group=8)
        place = mapping_services.add_place(db_session=db_session, session_id=mine.id,
                                           user=users["teacher"], name="The park",
                                           area=square(100, 100))
    submit(app, db_session, mine, feature(square(200, 200), comment="near the bins"))
    world = World(boroughs=boroughs, haven_id=haven.id, session_id=mine.id,
                  other_session_id=theirs.id, join_code=mine.join_code,
                  other_join_code=theirs.join_code,
                  place_id=place.id,
                  action_id=_action(db_session, boroughs[HOME], users["planner"].id, 0.0),
                  other_action_id=_action(db_session, boroughs[AWAY],
                                          users["planner_other"].id, 0.03))
    for name, user in users.items():
        token, _secret = accounts.create_api_token(db_session=db_session, email=user.email)
        world.token_ids[name] = token.id
        world.callers[name] = _staff_caller(app, name, user.id, _secret)
    db_session.commit()
    world.callers["anonymous"] = _caller(app, "anonymous")
    world.callers["pupil"] = pupil(app, world.join_code)
    return world


def _caller(app, name: str) -> Caller:
    browser = app.test_client()
    return Caller(name, browser, csrf_token(browser, "/join"))


def pupil(app, code: str) -> Caller:
    """A browser that joined the class with its code (it holds the pupil cookie)."""
    browser = app.test_client()
    joined = browser.get(f"/j/{code}")
    assert joined.status_code == 302 and browser.get_cookie("pupil"), joined.status_code
    return Caller("pupil", browser, csrf_token(browser, "/join"))


def _staff_caller(app, name: str, user_id: int, secret: str) -> Caller:
    browser = app.test_client()
    assert login(browser, f"{name}@example.org").status_code == 302, name
    return Caller(name, browser, csrf_token(browser, "/join"), api=app.test_client(),
                  token=secret, user_id=user_id)


def call(connection, caller: Caller, method: str, path: str, **kwargs):
    """One request as this caller, undone afterwards (rows and cookies), so calls are
    independent: an admin revoking a token or a worker deleting a haven changes nothing."""
    client, headers = caller.client_for(path)
    kept = client.get_cookie("session")
    limiter.reset()
    below = connection.get_nested_transaction()  # a test's own session may hold one
    savepoint = connection.begin_nested()
    try:
        response = client.open(path, method=method, headers={**headers,
                                                              **kwargs.pop("headers", {})},
                                **kwargs)
        response.get_data()  # streamed bodies run (and touch the database) now
        response.close()
    finally:
        _rollback_to(connection, savepoint, below)
        heat_cache.clear()
    if kept is not None:
        client.set_cookie("session", kept.value)
    return response


def _rollback_to(connection, savepoint, below) -> None:
    """Undo everything since the savepoint. A streamed answer (the haven-maps ZIP) leaves its
    request's session open until it is garbage-collected, so collect it and roll back any
    savepoint it left above ours first."""
    if connection.get_nested_transaction() is not savepoint:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            gc.collect()
            while (top := connection.get_nested_transaction()) not in (below, savepoint):
                top.rollback()
    if savepoint.is_active:
        savepoint.rollback()
    assert connection.get_nested_transaction() is below, "a savepoint was left open"
