"""The mapping API end to end: pupils join with a code and send one anonymous map; bad maps get
a message a pupil can follow and store nothing; sends are idempotent; the pupil cookie opens one
open session and nothing else; teachers see only their own sessions; pupils' text stays private."""

import json
import math
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, text

from core.accounts.services import create_api_token
from core.geo import transformer
from mapping import codes, services
from mapping.collect import THANKS
from mapping.models import MappingSession, PupilMap, SubmissionKey, Zone
from tests.conftest import csrf_token
from tests.core.accounts.helpers import login, post_form
from tests.factories import add_borough, add_school, add_user
from tests.mapping.conftest import move_maps_to_term

API = "/api/v1/sessions"
HERE = (0.0, 51.45)  # the school; the session's default area is a 1.5 km circle around it
CX, CY = transformer(4326, 27700).transform(*HERE)
TO_LONLAT = transformer(27700, 4326)
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
XSS = "<img src=x onerror=alert(1)>"
NOT_WORKING = "That code does not work. Check it with your teacher and try again."
OUTSIDE = "you drew outside the map area"
AUTO = object()  # send(): a fresh Idempotency-Key


# --- helpers -----------------------------------------------------------------------------------

def metres(dx: float, dy: float) -> list[float]:
    """The [lon, lat] dx metres east and dy metres north of the school."""
    lon, lat = TO_LONLAT.transform(CX + dx, CY + dy)
    return [round(lon, 7), round(lat, 7)]


def area(*corners, close=True) -> dict:
    ring = [metres(*c) for c in corners] + ([metres(*corners[0])] if close else [])
    return {"type": "Polygon", "coordinates": [ring]}


def square(x: float, y: float, size: float) -> dict:
    return area((x, y), (x + size, y), (x + size, y + size), (x, y + size))


def route(*points) -> dict:
    return {"type": "LineString", "coordinates": [metres(*p) for p in points]}


def spot(x: float = 0, y: float = 0) -> dict:
    return {"type": "Point", "coordinates": metres(x, y)}


def feature(geometry, kind="unsafe", **props) -> dict:
    """A zone with valid reasons and times for its kind unless props say otherwise."""
    reasons = ["dark"] if kind == "unsafe" else ["busy_bright"]
    return {"type": "Feature", "geometry": geometry,
            "properties": {"kind": kind, "reasons": reasons, "times": ["after_school"], **props}}


def collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def good_map() -> dict:
    """An area, a route and a spot, well inside the map area."""
    return collection(feature(square(-100, -100, 80)),
                      feature(route((0, 0), (150, 40), (250, 60)), kind="safe"),
                      feature(spot(50, -300), suggestions=["lights"]))


def counts(db_session) -> tuple[int, int, int]:
    """Rows in pupil_map, zone and submission_key."""
    return tuple(db_session.scalar(select(func.count()).select_from(model))
                 for model in (PupilMap, Zone, SubmissionKey))


def join(client, code: str) -> str:
    """Join by the QR link as a pupil; returns the CSRF token the drawing page gives."""
    response = client.get(f"/j/{code}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/draw")
    match = META_CSRF.search(client.get("/draw").get_data(as_text=True))
    assert match, "no CSRF token on /draw"
    return match.group(1)


def send(client, body, key=AUTO, *, code: str, token: str | None):
    """POST a map as the drawing page does (body: a dict, or raw text/bytes)."""
    headers = {"Content-Type": "application/geo+json"}
    if token:
        headers["X-CSRFToken"] = token
    if key is not None:
        headers["Idempotency-Key"] = uuid.uuid4().hex if key is AUTO else key
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"{API}/{code}/maps", data=data, headers=headers)


def session_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(MappingSession))


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    problem = response.json["error"]
    assert problem["message"] and problem["code"]
    return problem


def bearer(db_session, email: str) -> dict:
    _token, secret = create_api_token(db_session=db_session, email=email)
    return {"Authorization": f"Bearer {secret}"}


def new_session(app, db_session, teacher, **extra) -> MappingSession:
    with app.app_context():
        return services.create_session(db_session=db_session, teacher=teacher,
                                       school_urn=100001, class_label="7B", year_group=7, **extra)


@pytest.fixture
def world(app, db_session):
    """A borough, two schools, a teacher of the first and an open session there."""
    borough_id = add_borough(db_session)
    add_school(db_session)
    add_school(db_session, urn=100002, name="Other Academy", lon=0.005, lat=51.452)
    teacher = add_user(db_session, "teacher", "teacher@example.org", school_urns=[100001])
    made = new_session(app, db_session, teacher)
    return SimpleNamespace(id=made.id, code=made.join_code, school_id=made.school_id,
                           borough_id=borough_id, teacher=teacher)


@pytest.fixture
def pupil(app, world):
    """A pupil's browser that joined the world's session: .send(body, key=...)."""
    client = app.test_client()
    token = join(client, world.code)
    return SimpleNamespace(client=client, token=token,
                           send=lambda body, key=AUTO, code=world.code:
                           send(client, body, key, code=code, token=token))


def teacher_client(app, email="teacher@example.org"):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


# --- 1. a good map ----------------------------------------------------------------------------

def test_a_good_map_is_stored_whole_with_the_sessions_context_and_nothing_identifying(
        pupil, world, db_session):
    key = "pupil-key-" + uuid.uuid4().hex
    response = pupil.send(good_map(), key=key)
    assert response.status_code == 201, response.json
    assert response.json == {"received": True, "zones": 3, "message": THANKS}
    assert response.headers["Idempotent-Replayed"] == "false"
    assert counts(db_session) == (1, 3, 1)
    stored = db_session.scalars(select(PupilMap)).one()
    assert (stored.session_id, stored.borough_id, stored.school_id, stored.year_group) == (
        world.id, world.borough_id, world.school_id, 7)
    assert [(z.number, z.shape, z.kind) for z in stored.zones] == [
        (1, "area", "unsafe"), (2, "route", "safe"), (3, "spot", "unsafe")]
    assert stored.zones[2].suggestions == ["lights"]
    assert all(z.session_id == world.id and z.borough_id == world.borough_id
               for z in stored.zones)
    identifying = {"ip", "agent", "device", "name", "email", "address", "cookie", "user",
                   "fingerprint", "browser", "latitude", "longitude", "key"}
    for table in ("pupil_map", "zone", "submission_key"):
        columns = db_session.scalars(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
            {"t": table}).all()
        assert columns
        words = {word for column in columns for word in column.split("_")}
        assert not words & identifying - ({"key"} if table == "submission_key" else set()), (
            table, columns)
    for table in ("pupil_map", "zone", "submission_key"):
        dump = " ".join(db_session.scalars(text(f"SELECT t::text FROM {table} t")).all())  # noqa: S608
        assert key not in dump, table


# --- 2. bad maps: a message a pupil can follow, nothing stored ---------------------------------

ONE = feature(spot(0, 0))


def with_bad(bad: dict) -> dict:
    """A good zone 1 and a bad zone 2 (so nothing of zone 1 may be stored either)."""
    return collection(ONE, bad)


def zone2(geometry, **props) -> dict:
    return with_bad(feature(geometry, **props))


def raw_number(token: str) -> str:
    return json.dumps(zone2({"type": "Point", "coordinates": [0.0, "@"]})).replace('"@"', token)


def circle_area(vertices: int) -> dict:
    turns = [2 * math.pi * i / vertices for i in range(vertices)]
    return area(*[(100 * math.cos(t), 100 * math.sin(t)) for t in turns])


def lonlat_polygon(*ring) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


UNREADABLE, NUMBER = "Your map could not be read.", "a number that is too big or not a number"
CRS, SEVERAL = "Maps must use ordinary longitude and latitude.", "Zone 2 is made of several shapes."
SHAPE, POINTS = "Zone 2: the shape could not be read.", "Zone 2 has too many points."
BAD_MAPS = [  # (id, body, the zone the error is about, words in the message)
    ("empty collection", lambda: collection(), None, "Draw at least one place before you send"),
    ("features not a list", lambda: {**collection(), "features": {"0": ONE}}, None, UNREADABLE),
    ("not a FeatureCollection", lambda: ONE, None, UNREADABLE),
    ("not JSON", lambda: "{'type': FeatureCollection", None, UNREADABLE),
    ("feature of type Thing", lambda: with_bad({**ONE, "type": "Thing"}), 2,
     "Zone 2 could not be read. Please draw it again."),
    ("GeometryCollection", lambda: zone2({"type": "GeometryCollection",
                                          "geometries": [spot(), spot(20, 20)]}), 2, SEVERAL),
    ("Point with polygon rings", lambda: zone2(
        {"type": "Point", "coordinates": square(0, 0, 50)["coordinates"]}), 2, SHAPE),
    ("MultiPolygon with point coordinates", lambda: zone2(
        {"type": "MultiPolygon", "coordinates": metres(0, 0)}), 2, SEVERAL),
    ("Polygon with point coordinates", lambda: zone2(
        {"type": "Polygon", "coordinates": metres(0, 0)}), 2, SHAPE),
    ("swapped lat/lon", lambda: zone2(lonlat_polygon(
        *[p[::-1] for p in square(0, 0, 80)["coordinates"][0]])), 2, OUTSIDE),
    ("across the antimeridian", lambda: zone2(lonlat_polygon(
        (179.999, 51.45), (-179.999, 51.45), (-179.999, 51.451), (179.999, 51.45))), 2,
     "goes off the edge of the world map"),
    ("crs member", lambda: {**collection(ONE), "crs": {"type": "name"}}, None, CRS),
    ("crs in a feature", lambda: with_bad({**ONE, "crs": {"type": "name"}}), 2, CRS),
    ("NaN", lambda: raw_number("NaN"), None, NUMBER),
    ("Infinity", lambda: raw_number("Infinity"), None, NUMBER),
    ("-Infinity", lambda: raw_number("-Infinity"), None, NUMBER),
    ("1e999", lambda: raw_number("1e999"), None, NUMBER),
    ("huge integer", lambda: raw_number("9" * 400), None, NUMBER),
    ("body over 256 KB", lambda: {**collection(ONE), "pad": "x" * (256 * 1024)}, None,
     "Your map is too big to send."),
    ("51 zones", lambda: collection(*[feature(spot(i * 5, 0)) for i in range(51)]), None,
     "Your map has more than 50 zones. Send 50 or fewer."),
    ("501 vertices", lambda: zone2(circle_area(501)), 2, POINTS),
    ("route of 501 vertices", lambda: zone2(route(*[(i, i % 7) for i in range(501)])), 2, POINTS),
    ("unclosed ring", lambda: zone2(area((0, 0), (80, 0), (80, 80), (0, 80), close=False)), 2,
     "Zone 2: the area is not closed."),
    ("flat polygon", lambda: zone2(lonlat_polygon(
        (0.0, 51.45), (0.001, 51.45), (0.002, 51.45), (0.0, 51.45))), 2,
     "Zone 2: the area has no space inside it."),
    ("2 m by 2 m area", lambda: zone2(square(0, 0, 2)), 2, "Zone 2 is too small to see."),
    ("mostly outside the map area", lambda: zone2(square(1450, -100, 200)), 2, OUTSIDE),
    ("spot far away", lambda: zone2({"type": "Point", "coordinates": [-3.2, 55.9]}), 2, OUTSIDE),
    ("unknown property", lambda: zone2(spot(), name="Sam Pupil"), 2,
     'Zone 2 has an answer we do not know: "name".'),
    ("reason for the other kind", lambda: zone2(spot(), reasons=["adults_around"]), 2,
     '"Adults or staff around" is a reason for safe places.'),
    ("reasons not a list", lambda: zone2(spot(), reasons="dark"), 2,
     "Zone 2: choose the reasons from the list."),
    ("no reasons", lambda: zone2(spot(), reasons=[]), 2, "Zone 2: say why it feels unsafe."),
    ("unknown time", lambda: zone2(spot(), times=["midnight"]), 2, "choose the times from"),
    ("no kind", lambda: zone2(spot(), kind="scary"), 2, "Zone 2: choose whether this place"),
    ("comment too long", lambda: zone2(spot(), comment="a" * 301), 2, "comment is too long"),
]


@pytest.mark.parametrize(("body", "zone", "words"), [case[1:] for case in BAD_MAPS],
                         ids=[case[0] for case in BAD_MAPS])
def test_bad_maps_get_a_message_a_pupil_can_follow_and_store_nothing(pupil, db_session, body,
                                                                      zone, words):
    before = counts(db_session)
    problem = error(pupil.send(body()), 422)
    assert words in problem["message"]
    assert not re.search(r"GeoJSON|Traceback|shapely|coordinates|Exception|RFC", problem["message"])
    assert problem["field"]
    if zone is None:
        assert "details" not in problem
    else:
        assert problem["details"][0]["zone"] == zone
        # every zone message but "crs" (not something a pupil draws) starts with its number
        assert problem["message"].startswith(f"Zone {zone}") or problem["field"] == "crs"
    assert counts(db_session) == before


def test_3d_coordinates_are_accepted_and_stored_2d(pupil, db_session):
    with_z = {"type": "Polygon", "coordinates": [
        [[*p, 12.5] for p in square(0, 0, 80)["coordinates"][0]]]}
    body = collection(feature(with_z),
                      feature({"type": "Point", "coordinates": [*metres(5, 5), 3.0]}))
    assert pupil.send(body).status_code == 201
    dims = db_session.execute(text("SELECT ST_NDims(geom), ST_NDims(drawn) FROM zone")).all()
    assert dims == [(2, 2), (2, 2)]


def test_a_self_intersecting_bow_tie_is_repaired_into_a_valid_area(pupil, db_session):
    bow_tie = area((0, 0), (100, 100), (100, 0), (0, 100))
    assert pupil.send(collection(feature(bow_tie))).status_code == 201
    valid, square_metres = db_session.execute(text(
        "SELECT ST_IsValid(geom), ST_Area(geography(geom)) FROM zone")).one()
    assert valid and 4000 < square_metres < 5100  # two triangles of 2500 m²


def test_a_shape_half_outside_is_clipped_to_the_map_area(pupil, db_session):
    assert pupil.send(collection(feature(square(1440, -50, 100)))).status_code == 201
    inside, drawn_inside, fraction = db_session.execute(text("""
        SELECT ST_CoveredBy(ST_Buffer(z.geom, -0.000001), s.area),
               ST_CoveredBy(ST_Buffer(z.drawn, -0.000001), s.area),
               ST_Area(geography(z.geom)) / 10000.0
          FROM zone z JOIN mapping_session s ON s.id = z.session_id""")).one()
    assert inside and drawn_inside  # not even the drawn shape keeps what lay outside
    assert 0.3 < fraction < 0.95


def test_a_named_place_of_this_session_can_be_chosen_but_not_another_sessions(
        app, world, pupil, db_session):
    with app.app_context():
        mine = services.add_place(db_session=db_session, session_id=world.id, user=world.teacher,
                                  name="The underpass", area=square(200, 200, 60))
        other = new_session(app, db_session, world.teacher)
        theirs = services.add_place(db_session=db_session, session_id=other.id,
                                    user=world.teacher, name="Park", area=square(0, 0, 60))
    pupil.client.get("/draw")  # the page lists the places
    problem = error(pupil.send(collection(feature(None, place=theirs.id))), 422)
    assert "that place is not on this map" in problem["message"]
    assert counts(db_session) == (0, 0, 0)
    assert pupil.send(collection(feature(None, place=mine.id))).status_code == 201
    stored = db_session.scalars(select(Zone)).one()
    assert (stored.shape, stored.place_id, stored.drawn) == ("place", mine.id, None)


# --- 3. idempotency ---------------------------------------------------------------------------

def test_the_same_key_and_body_twice_store_one_map_and_replay_the_answer(client, world, pupil,
                                                                         db_session):
    key = "same-key-" + uuid.uuid4().hex
    first = pupil.send(good_map(), key=key)
    second = pupil.send(good_map(), key=key)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json == first.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert counts(db_session) == (1, 3, 1)
    live = client.get(f"{API}/{world.id}", headers=bearer(db_session, "teacher@example.org"))
    assert live.json["maps"] == 1


def test_a_replayed_map_and_its_key_are_documented_as_they_are_sent(app, client, world, pupil):
    from tests.security.test_fuzz_findings import conforms
    key = "documented-key-" + uuid.uuid4().hex
    first, second = pupil.send(good_map(), key=key), pupil.send(good_map(), key=key)
    assert (first.status_code, second.status_code) == (201, 200)
    for answer in (first, second):  # each status is documented, with this body
        conforms(app, "/api/v1/sessions/{code}/maps", "POST", answer)
    operation = client.get("/api/openapi.json").json["paths"][
        "/api/v1/sessions/{code}/maps"]["post"]
    assert {"name": "Idempotency-Key", "in": "header", "required": True}.items() <= next(
        p for p in operation["parameters"] if p["name"] == "Idempotency-Key").items()


def test_the_same_key_with_a_different_body_is_refused_and_stores_nothing(pupil, db_session):
    key = "reused-key-" + uuid.uuid4().hex
    assert pupil.send(good_map(), key=key).status_code == 201
    before = counts(db_session)
    problem = error(pupil.send(collection(ONE), key=key), 422)
    assert problem["code"] == "idempotency_key_reused"
    assert "Reload the page" in problem["message"]
    assert counts(db_session) == before


@pytest.mark.parametrize("key", [None, "", "short-key-15chr", " " * 20])
def test_a_missing_or_short_idempotency_key_is_refused(pupil, db_session, key):
    problem = error(pupil.send(good_map(), key=key), 400)
    assert problem["field"] == "Idempotency-Key"
    assert counts(db_session) == (0, 0, 0)


def test_a_different_key_with_the_same_body_is_a_second_pupil(pupil, db_session):
    assert pupil.send(good_map()).status_code == 201
    assert pupil.send(good_map()).status_code == 201
    assert counts(db_session) == (2, 6, 2)


def test_a_post_without_the_csrf_token_is_refused(app, world, db_session):
    client = app.test_client()
    join(client, world.code)
    assert send(client, good_map(), code=world.code, token=None).status_code == 400
    assert counts(db_session) == (0, 0, 0)


# --- 4. what the pupil cookie allows ----------------------------------------------------------

def test_without_the_pupil_cookie_a_map_is_refused(app, world, db_session):
    client = app.test_client()
    token = csrf_token(client, "/join")
    assert error(send(client, good_map(), code=world.code, token=token), 403)
    assert counts(db_session) == (0, 0, 0)


def test_a_pupil_of_one_session_cannot_send_to_another(app, world, pupil, db_session):
    other = new_session(app, db_session, world.teacher)
    problem = error(pupil.send(good_map(), code=other.join_code), 403)
    assert "another class" in problem["message"]
    assert counts(db_session) == (0, 0, 0)


def test_a_closed_session_refuses_maps_and_sends_the_drawing_page_back_to_join(
        app, world, pupil, db_session):
    with app.app_context():
        services.set_closed(db_session=db_session, session_id=world.id, user=world.teacher,
                            closed=True)
    problem = error(pupil.send(good_map()), 403)
    assert "closed" in problem["message"]
    assert counts(db_session) == (0, 0, 0)
    draw = pupil.client.get("/draw")
    assert draw.status_code == 302 and draw.headers["Location"].endswith("/join")
    again = app.test_client().get(f"/j/{world.code}")
    assert again.status_code == 400 and NOT_WORKING in again.get_data(as_text=True)


def _forgeries(app, world, real: str) -> list[str]:
    payload, rest = real.split(".", 1)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    other_key = URLSafeTimedSerializer("not-the-secret-key", salt="pupil-session")
    no_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"])
    return [f"{flipped}.{rest}", other_key.dumps({"s": world.id, "max": 3600}),
            no_salt.dumps({"s": world.id, "max": 3600}), "eyJzIjoxfQ", real[:-3]]


def test_a_forged_or_tampered_pupil_cookie_is_refused(app, world, pupil, db_session):
    real = pupil.client.get_cookie("pupil").value
    for forged in _forgeries(app, world, real):
        pupil.client.set_cookie("pupil", forged)
        assert error(pupil.send(good_map()), 403), forged
        assert pupil.client.get("/draw").status_code == 302
    assert counts(db_session) == (0, 0, 0)


def test_the_pupil_cookie_opens_no_teacher_api_or_page(world, pupil):
    for path in (API, f"{API}/{world.id}"):
        assert error(pupil.client.get(path), 401)["code"] == "unauthenticated"
    for path in (f"/mapping/sessions/{world.id}", f"/mapping/sessions/{world.id}/results",
                 f"/mapping/sessions/{world.id}/show", f"/mapping/sessions/{world.id}/board"):
        response = pupil.client.get(path)
        assert response.status_code == 401 or "/login" in response.headers.get("Location", "")
        assert codes.display(world.code) not in response.get_data(as_text=True)


def test_the_pupil_cookie_is_httponly_strict_and_short_lived(app, world):
    response = app.test_client().get(f"/j/{world.code}")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("pupil="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert 0 < int(re.search(r"Max-Age=(\d+)", cookie).group(1)) <= 4 * 3600


# --- 5. joining -------------------------------------------------------------------------------

def _wrong(code: str) -> str:
    swap = "A" if code[0] != "A" else "C"
    return codes.display(swap + code[1:])


@pytest.mark.parametrize("typed", ["wrong", "", "ACDE-FHJK-MN", '"><script>alert(1)</script>'])
def test_a_wrong_code_is_refused_kindly_without_a_cookie(app, world, typed):
    client = app.test_client()
    typed = typed or _wrong(world.code)
    response = client.post("/join", data={"code": typed, "csrf_token": csrf_token(client, "/join")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert NOT_WORKING in html and "<script>alert" not in html
    assert client.get_cookie("pupil") is None
    assert "pupil=" not in " ".join(response.headers.getlist("Set-Cookie"))
    by_link = client.get(f"/j/{_wrong(world.code).replace('-', '')}")
    assert by_link.status_code == 400 and client.get_cookie("pupil") is None


@pytest.mark.parametrize("style", [str.lower, lambda c: f"  {c[:4].lower()} - {c[4:]} "])
def test_a_code_typed_in_lower_case_with_a_dash_works(app, world, style):
    client = app.test_client()
    response = client.post("/join", data={"code": style(codes.display(world.code)),
                                          "csrf_token": csrf_token(client, "/join")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/draw")
    assert client.get_cookie("pupil") is not None
    assert client.get("/draw").status_code == 200


def test_guessing_codes_is_limited_but_correct_codes_do_not_count(app, world):
    client = app.test_client()
    token = csrf_token(client, "/join")

    def attempt(code):
        return client.post("/join", data={"code": code, "csrf_token": token})

    assert all(attempt(world.code).status_code == 302 for _ in range(70))
    wrong = _wrong(world.code)
    assert [attempt(wrong).status_code for _ in range(60)] == [400] * 60
    blocked = attempt(wrong)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


# --- 6. teachers' sessions --------------------------------------------------------------------

SESSION = {"school": 100001, "class_label": "8C", "year_group": 8}


def test_a_teacher_creates_a_session_with_an_unambiguous_code(client, world, db_session):
    response = client.post(API, json=SESSION, headers=bearer(db_session, "teacher@example.org"))
    assert response.status_code == 201, response.json
    made = response.json
    letters = f"[{codes.ALPHABET}]"
    assert re.fullmatch(f"{letters}{{4}}-{letters}{{4}}", made["join_code"])
    assert (made["class_label"], made["year_group"], made["maps"]) == ("8C", 8, 0)
    assert made["open_now"] and not made["closed"]
    assert made["join_url"].endswith("/j/" + made["join_code"].replace("-", ""))
    row = db_session.get(MappingSession, made["id"])
    assert row.teacher_id == world.teacher.id and row.school_id == world.school_id


def test_a_teacher_cannot_create_a_session_for_another_school(client, world, db_session):
    before = session_count(db_session)
    response = client.post(API, json={**SESSION, "school": 100002},
                           headers=bearer(db_session, "teacher@example.org"))
    assert error(response, 403)
    assert session_count(db_session) == before


def _soon(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _box(west, south, east, north) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


@pytest.mark.parametrize(("change", "field"), [
    ({"class_label": ""}, "class_label"),
    ({"class_label": "   "}, "class_label"),
    ({"year_group": 0}, "year_group"),
    ({"year_group": 14}, "year_group"),
    ({"opens_at": _soon(3), "closes_at": _soon(1)}, "closes_at"),
    ({"opens_at": _soon(1), "closes_at": _soon(24 * 40)}, "closes_at"),
    ({"pupil_names": ["Sam"]}, "pupil_names"),
    ({"area": {"type": "Point", "coordinates": HERE}}, "area"),
    ({"area": _box(-0.05, 51.40, 0.05, 51.50)}, "area"),  # about 77 km²
    ({"area": _box(0.1, 51.45, 0.107, 51.4545)}, "area"),  # 0.25 km², 7 km away
    ({"school": 999999}, "school"),
])
def test_bad_session_input_is_refused_with_its_field(client, world, db_session, change, field):
    before = session_count(db_session)
    response = client.post(API, json={**SESSION, **change},
                           headers=bearer(db_session, "teacher@example.org"))
    assert 400 <= response.status_code < 500
    assert error(response, response.status_code)["field"] == field
    assert session_count(db_session) == before


TEACHER_PAGES = ("", "/results", "/show", "/board", "/summary.pdf", "/summary.csv")


def test_a_teacher_cannot_see_another_teachers_session(app, client, world, db_session):
    add_user(db_session, "teacher", "other.teacher@example.org", school_urns=[100001])
    headers = bearer(db_session, "other.teacher@example.org")
    assert error(client.get(f"{API}/{world.id}", headers=headers), 404)
    assert client.get(API, headers=headers).json == []
    other = teacher_client(app, "other.teacher@example.org")
    for page in TEACHER_PAGES:
        response = other.get(f"/mapping/sessions/{world.id}{page}")
        assert response.status_code == 404, page
        assert codes.display(world.code) not in response.get_data(as_text=True)
    assert codes.display(world.code) not in other.get("/mapping/").get_data(as_text=True)
    closing = post_form(other, f"/mapping/sessions/{world.id}/close", {})
    assert closing.status_code == 404
    db_session.expire_all()
    assert db_session.get(MappingSession, world.id).closed_at is None


def test_the_teacher_and_an_admin_can_see_the_session(app, client, world, db_session):
    add_user(db_session, "admin", "admin@example.org")
    for email in ("teacher@example.org", "admin@example.org"):
        got = client.get(f"{API}/{world.id}", headers=bearer(db_session, email))
        assert got.status_code == 200 and got.json["join_code"] == codes.display(world.code)
        assert [s["id"] for s in client.get(API, headers=bearer(db_session, email)).json] == [
            world.id]
        browser = teacher_client(app, email)
        assert all(browser.get(f"/mapping/sessions/{world.id}{page}").status_code == 200
                   for page in TEACHER_PAGES), email


def test_a_teachers_browser_needs_the_csrf_token_to_create_a_session(app, world, db_session):
    browser = teacher_client(app)
    assert browser.post(API, json=SESSION).status_code == 400
    assert session_count(db_session) == 1
    token = csrf_token(browser, "/mapping/sessions/new")
    assert browser.post(API, json=SESSION, headers={"X-CSRFToken": token}).status_code == 201


def test_anonymous_callers_get_401(client, world, db_session):
    before = session_count(db_session)
    assert error(client.get(API), 401)["code"] == "unauthenticated"
    assert error(client.get(f"{API}/{world.id}"), 401)
    token = csrf_token(client, "/login")
    assert error(client.post(API, json=SESSION, headers={"X-CSRFToken": token}), 401)
    assert error(client.post(API, json=SESSION, headers={"Authorization": "Bearer nope"}), 401)
    assert session_count(db_session) == before


# --- 7. pupils' text stays private ------------------------------------------------------------

@pytest.fixture
def texts(world, pupil, db_session):
    """One map with a comment to approve (XSS), one to hide and a pending 'other' idea."""
    body = collection(
        feature(spot(0, 0), comment=XSS + " lamp broken"),
        feature(spot(100, 0), comment="HIDDENWORDS about a pupil"),
        feature(spot(-100, 0), suggestions=["other"], suggestion_other="PENDINGIDEA bins"))
    assert pupil.send(body).status_code == 201
    zones = db_session.scalars(select(Zone).order_by(Zone.number)).all()
    return SimpleNamespace(approve=zones[0].id, hide=zones[1].id)


def moderate(client, session_id, zone_id, decision, what="comment"):
    response = post_form(client, f"/mapping/sessions/{session_id}/moderate",
                         {"zone": zone_id, "what": what, "decision": decision})
    assert response.status_code == 302


def test_pupil_text_is_escaped_and_reaches_the_board_only_once_approved(app, world, texts):
    teacher = teacher_client(app)
    results = teacher.get(f"/mapping/sessions/{world.id}/results").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in results
    assert XSS not in results and "<img src=x" not in results
    show = f"/mapping/sessions/{world.id}/show"
    before = teacher.get(show).get_data(as_text=True)
    assert "onerror" not in before and "PENDINGIDEA" not in before and "HIDDENWORDS" not in before
    moderate(teacher, world.id, texts.approve, "approved")
    moderate(teacher, world.id, texts.hide, "hidden")
    after = teacher.get(show).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in after and "<img src=x" not in after
    assert "HIDDENWORDS" not in after and "PENDINGIDEA" not in after


def _unescaped_interpolations(html: str) -> list[str]:
    """`${alert...}` left live in a JavaScript template literal of the page's scripts (folium
    puts popup HTML in template literals and escapes only the backticks)."""
    scripts = re.findall(r"<script(?![^>]*json)[^>]*>(.*?)</script>", html, re.S)
    literals = [lit for script in scripts for lit in re.findall(r"`(?:\\.|[^`\\])*`", script)]
    return [m for lit in literals for m in re.findall(r"(?<!\\)\$\{alert[^}]*\}", lit)]


def test_pupil_text_cannot_run_script_in_the_teachers_map_popups(app, world, pupil, db_session):
    body = collection(feature(spot(0, 0), comment="x ${alert(document.domain)} y"),
                      feature(spot(90, 0), suggestions=["other"], suggestion_other="${alert(2)}"))
    assert pupil.send(body).status_code == 201
    teacher = teacher_client(app)
    results = teacher.get(f"/mapping/sessions/{world.id}/results").get_data(as_text=True)
    assert "alert(document.domain)" in results  # the comment is shown ...
    assert _unescaped_interpolations(results) == []  # ... but never as live JavaScript
    zones = db_session.scalars(select(Zone).order_by(Zone.number)).all()
    moderate(teacher, world.id, zones[0].id, "approved")
    moderate(teacher, world.id, zones[1].id, "approved", what="suggestion")
    show = teacher.get(f"/mapping/sessions/{world.id}/show").get_data(as_text=True)
    assert _unescaped_interpolations(show) == []


def test_the_summary_files_hold_only_approved_text(app, world, texts, tmp_path):
    teacher = teacher_client(app)
    moderate(teacher, world.id, texts.approve, "approved")
    moderate(teacher, world.id, texts.hide, "hidden")
    csv_text = teacher.get(f"/mapping/sessions/{world.id}/summary.csv").get_data(as_text=True)
    assert csv_text.startswith("question,answer,pupils_unsafe,pupils_safe")
    assert not re.search("HIDDENWORDS|PENDINGIDEA|onerror", csv_text)
    pdf = teacher.get(f"/mapping/sessions/{world.id}/summary.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    (tmp_path / "summary.pdf").write_bytes(pdf.data)
    words = subprocess.run(["pdftotext", str(tmp_path / "summary.pdf"), "-"], check=True,
                           capture_output=True, text=True).stdout
    assert "onerror=alert(1)" in words and "lamp broken" in words
    assert "HIDDENWORDS" not in words and "PENDINGIDEA" not in words


def test_planners_see_no_session_and_other_apis_return_no_pupil_text(
        app, client, world, texts, db_session):
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    add_user(db_session, "admin", "admin@example.org")
    planner = bearer(db_session, "planner@example.org")
    assert client.get(API, headers=planner).status_code == 403
    assert client.get(f"{API}/{world.id}", headers=planner).status_code in (403, 404)
    browser = teacher_client(app, "planner@example.org")
    for page in TEACHER_PAGES:
        assert browser.get(f"/mapping/sessions/{world.id}{page}").status_code in (403, 404), page
    assert codes.display(world.code) not in browser.get("/mapping/").get_data(as_text=True)
    for headers in (planner, bearer(db_session, "admin@example.org")):
        seen = 0
        for path in ("/api/v1/schools?borough=E09000999", "/api/v1/schools/100001",
                     "/api/v1/boroughs?geometry=true", "/api/v1/havens", "/api/v1/me"):
            response = client.get(path, headers=headers)
            seen += response.status_code == 200
            assert not re.search("onerror|lamp broken|HIDDENWORDS|PENDINGIDEA",
                                 response.get_data(as_text=True)), path
        assert seen >= 3


# --- 8. retention -----------------------------------------------------------------------------

def test_purge_expired_deletes_old_terms_maps_with_their_zones_and_keeps_newer_ones(
        pupil, runner, db_session):
    assert pupil.send(good_map()).status_code == 201
    assert pupil.send(collection(ONE)).status_code == 201
    old, new = db_session.scalars(select(PupilMap.id).order_by(PupilMap.id)).all()
    move_maps_to_term(db_session, [old], days_ago=731)
    move_maps_to_term(db_session, [new], days_ago=600)  # a later term
    refused = runner.invoke(args=["mapping", "purge-expired", "--days", "0"])
    assert refused.exit_code != 0 and "at least one day" in refused.output
    assert counts(db_session) == (2, 4, 2)
    result = runner.invoke(args=["mapping", "purge-expired"])
    assert result.exit_code == 0, result.output
    assert "1 pupil map(s) deleted from terms with maps older than 730 days" in result.output
    db_session.expire_all()
    assert db_session.scalars(select(PupilMap.id)).all() == [new]
    assert db_session.scalars(select(Zone.pupil_map_id)).all() == [new]
    assert counts(db_session) == (1, 1, 1)


# --- 9. the API describes itself --------------------------------------------------------------

def test_openapi_lists_the_mapping_endpoints(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/sessions"])
    assert "post" in paths["/api/v1/sessions/{code}/maps"]
    assert "get" in paths["/api/v1/sessions/{session_id}"]
