"""Fixtures for the OGC API tests."""

import base64
import secrets
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from core import db
from core.accounts import services as accounts
from havens import hours
from havens import services as haven_services
from havens.models import Haven
from tests.factories import add_borough, add_school, add_user
from tests.havens.conftest import make_haven
from tests.mapping.conftest import feature, square
from tests.mapping.test_heatmap import classes, send  # noqa: F401 (the fixture)
from tests.mapping.test_hotspots import _planted

# --- A live server, and the data GIS clients read from it (conformance suite and GDAL) -----------

BOROUGH = "E09000999"
# Havens (name, lon, lat): more than a page of the conformance suite (3), with coordinates
# finer than the 7 decimals the API gives, inside the test borough.
HAVENS = [("Corner Shop", 0.00123456789, 51.45123456789),
          ("Late Pharmacy", -0.00876543211, 51.44567891234),
          ("Library", 0.01012345678, 51.45876543219),
          ("Chip Shop", -0.01198765432, 51.44234567891),
          ("Leisure Centre", 0.00456789123, 51.45654321987)]
SCHOOLS = [(100101, "Riverside Primary School", 0.002, 51.452),
           (100102, "Hilltop Academy", -0.006, 51.447),
           (100103, "Marsh Lane School", 0.009, 51.455),
           (100104, "Orchard Infants", -0.011, 51.443)]


class Http11Handler(WSGIRequestHandler):
    """Answers as HTTP/1.1, as gunicorn does (werkzeug's single-threaded server would say
    HTTP/1.0, which the conformance suite refuses). Werkzeug still sends `Connection: close`
    and closes after each answer, so no idle keep-alive client holds the single thread."""

    protocol_version = "HTTP/1.1"


@pytest.fixture
def live_server(app, connection):
    """The app served on a free local port, sharing the test's transaction. Single-threaded:
    call it from a subprocess (never from GDAL in this process, which would hold the GIL while
    it waits for the answer)."""
    db.bind_to_connection(app, connection)
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=Http11Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def public_places(app, db_session) -> dict:
    """The test borough with four schools and five active havens (plus a prospect, which is
    not published); returns {"havens": {id: (lon, lat)}, "schools": [urn, ...]}."""
    add_borough(db_session, code=BOROUGH)
    for urn, name, lon, lat in SCHOOLS:
        add_school(db_session, urn, name, lon=lon, lat=lat)
    worker = add_user(db_session, "worker", "ogc-worker@example.org")
    havens = {}
    with app.app_context():
        signed_up = haven_services.today() - timedelta(days=30)
        for name, lon, lat in HAVENS:
            haven = make_haven(db_session, worker, name=name, lon=lon, lat=lat,
                               signed_up_on=signed_up)
            havens[haven.id] = (lon, lat)
        make_haven(db_session, worker, name="Not Yet Signed Up", lon=0.0, lat=51.451)
    db_session.commit()
    return {"havens": havens, "schools": [urn for urn, *_ in SCHOOLS]}


@pytest.fixture
def planted(app, db_session, classes):  # noqa: F811
    """test_hotspots' planted pupils (three schools marking an after-school and an evening
    place, and random noise): enough for published heat cells and two hot spots."""
    _planted(app, db_session, classes)
    db_session.commit()
    return classes


@pytest.fixture
def planner_token(db_session) -> str:
    """The secret of an API token of a planner of the test borough."""
    add_user(db_session, "planner", "ogc-planner@example.org", borough_code=BOROUGH)
    _token, secret = accounts.create_api_token(db_session=db_session,
                                               email="ogc-planner@example.org", label="GIS")
    return secret


# --- test_api.py and test_privacy.py: havens with private details, staff tokens, heat data ------

OGC_BOROUGH = "E09000999"  # the factories' default borough (and the `teacher` fixture's)
OTHER_BOROUGH = "E09000998"  # far from it: a planner there sees none of the test borough's data
OTHER_BOX = (-0.215, 51.54, -0.185, 51.56)
# Private details every haven carries: none of them may ever reach an OGC answer.
PRIVATE_DETAILS = {"contact_name": "Priya Privatename", "phone": "020 7946 0999",
                   "email": "owner@private.example", "notes": "Spare key under the mat",
                   "status_reason": "Owner asked to pause", "sells_knives": True,
                   "staff_briefed_count": 7, "source_id": "SECRET-SOURCE-42"}
HOSTILE_NAME = "<script>alert('haven')</script> & Sons"
# Hidden havens (name, status): in the table, never in the `havens` collection.
HIDDEN_HAVENS = [("Prospect Pending Shop", "prospect"), ("Lapsed Lately Cafe", "lapsed"),
                 ("Withdrawn Westside Takeaway", "withdrawn")]
HAVEN_GRID = [(-0.012 + 0.006 * col, 51.442 + 0.004 * row) for row in range(4)
              for col in range(5)]  # 20 points spread over the test borough
SAFE_PLACE = (-300, 700)  # metres from the first school: only safe marks
BOTH_PLACE = (400, 400)  # = test_hotspots.AFTER_SCHOOL_PLACE: unsafe and safe marks


def ogc_haven(db_session, borough_id: int, name: str, lon: float, lat: float,
              status: str = "active", **extra) -> Haven:
    """A haven with every private detail filled in (flushed, not committed)."""
    values = {**PRIVATE_DETAILS, "business_type": "shop", "address": "1 Test Road",
              "postcode": "SE13 6PH", "status": status, **extra}
    haven = Haven(borough_id=borough_id, name=name, location=f"SRID=4326;POINT({lon} {lat})",
                  opening_hours=hours.to_json(hours.parse_osm("Mo-Fr 08:00-18:00")), **values)
    db_session.add(haven)
    db_session.flush()
    return haven


@pytest.fixture
def haven_world(db_session) -> SimpleNamespace:
    """The test borough with two schools, 20 active havens on a grid (one with a hostile name),
    three hidden ones (one far outside the borough) and a second, empty borough."""
    borough_id = add_borough(db_session, code=OGC_BOROUGH)
    other_id = add_borough(db_session, code=OTHER_BOROUGH, name="Otherham", bounds=OTHER_BOX)
    add_school(db_session, 100001, "Alder Primary School", lon=0.0, lat=51.45)
    add_school(db_session, 100002, "Birch Academy", lon=0.008, lat=51.455, phase="Secondary")
    active = {}
    for n, (lon, lat) in enumerate(HAVEN_GRID):
        name = HOSTILE_NAME if n == 0 else f"Grid Haven {n:02d}"
        business = "pharmacy" if n % 4 == 0 else "shop"
        active[ogc_haven(db_session, borough_id, name, lon, lat, business_type=business).id] = \
            (lon, lat)
    hidden = {}
    for n, (name, status) in enumerate(HIDDEN_HAVENS):
        lon, lat = (1.5, 52.5) if status == "withdrawn" else (0.001 * n, 51.451)
        hidden[ogc_haven(db_session, borough_id, name, lon, lat, status=status).id] = name
    db_session.commit()
    return SimpleNamespace(borough_id=borough_id, other_id=other_id, active=active,
                           hidden=hidden, hostile_id=next(iter(active)))


def api_token_for(db_session, role: str, email: str | None = None, **scope) -> str:
    """A new staff user of that role and the secret of an API token of theirs."""
    email = email or f"ogc-{role}-{secrets.token_hex(3)}@example.org"
    add_user(db_session, role, email, **scope)
    _token, secret = accounts.create_api_token(db_session=db_session, email=email, label="GIS")
    return secret


def bearer(secret: str) -> dict:
    """The Authorization header GIS tools send with a token."""
    return {"Authorization": f"Bearer {secret}"}


def basic(secret: str, user: str = "qgis") -> dict:
    """Basic authentication with the token as the password (QGIS, ArcGIS Pro)."""
    pair = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


@pytest.fixture
def heat_world(app, db_session, classes):  # noqa: F811
    """Published heat cells and hot spots in the test borough: test_hotspots' planted pupils
    (unsafe marks), plus pupils marking one place safe and another both safe and unsafe."""
    _planted(app, db_session, classes)
    for mapping_session in classes:
        for pupil in range(5):
            features = [feature(square(*SAFE_PLACE, 90), kind="safe")]
            if pupil < 4:
                features.append(feature(square(*BOTH_PLACE, 90), kind="safe"))
            send(app, db_session, mapping_session, *features)
    add_borough(db_session, code=OTHER_BOROUGH, name="Otherham", bounds=OTHER_BOX)
    db_session.commit()
    return SimpleNamespace(borough_id=classes[0].borough_id, term=classes[0].term)
