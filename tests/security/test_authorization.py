"""Who may call what: every URL rule of the app, every method, as every kind of caller, against
one table; then object-level, field-level and mass-assignment checks."""

import itertools
import re

import pytest

from tests.mapping.conftest import feature, square
from tests.security import authorization_world
from tests.security.authorization_world import CALLERS, call

OK = "ok"  # allowed: any answer but a refusal (a minimal body may well be a 400 or 422)
OK_OR_404 = "ok or 404"  # allowed, but the placeholder may name nothing (a feature id...)
ALLOWED = {200, 201, 204, 302, 303, 400, 409, 422}
STAFF_CALLERS = [c for c in CALLERS if c not in ("anonymous", "pupil")]
SKIPPED_ENDPOINTS = {"static"}  # files (Swagger UI's included) served as they are
ROW = re.compile(r"(GET|POST|PATCH|PUT|DELETE) ((?:[^\s(]|\([^)]*\))+)")  # "any(a, b)" has spaces


def access(allowed, **refused) -> dict:
    """Per caller: OK if allowed, else 401 without an account and 403 with the wrong role;
    object-level refusals (the right role, someone else's object) are given by name."""
    table = {c: OK if c in allowed else 401 if c in ("anonymous", "pupil") else 403
             for c in CALLERS}
    table.update(refused)
    return table


PUBLIC = dict.fromkeys(CALLERS, OK)
ANY_STAFF = access(STAFF_CALLERS)
ADMIN = access({"admin"})
WORKER = access({"worker", "worker_other", "admin"})
WORKER_OWN_BOROUGH = access({"worker", "admin"}, worker_other=403)
TEACHER = access({"teacher", "teacher_other", "admin"})
TEACHER_OWN_SESSION = access({"teacher", "admin"}, teacher_other=404)
PLANNER = access({"planner", "planner_other", "admin"})
PLANNER_OWN_BOROUGH = access({"planner", "admin"}, planner_other=403)
# Only the browser holding the class's pupil cookie may send a map to it.
PUPIL = {**dict.fromkeys(CALLERS, 403), "pupil": OK}

CLASSES = {
    "public": (PUBLIC, """
        GET /                    GET /healthz          GET /login       POST /login
        POST /logout             GET /api/docs         GET /api/openapi.json
        GET /api/v1/boroughs     GET /api/v1/havens    GET /api/v1/havens/<int:haven_id>
        GET /api/v1/havens/nearest                     GET /api/v1/schools
        GET /api/v1/schools/<int:urn>                  GET /havens/
        GET /havens/<int:haven_id>                     GET /draw        GET /j/<code>
        GET /join                POST /join            GET /mapping/
        GET /ogc                 GET /ogc/             GET /ogc/api     GET /ogc/collections
        GET /ogc/conformance     GET /schools          GET /schools/<int:urn>
        GET /schools/<int:urn>/haven-map.pdf"""),
    "any staff": (ANY_STAFF, """
        GET /account/password    POST /account/password                  GET /api/v1/me"""),
    "admin": (ADMIN, """
        GET /admin/users         POST /admin/users
        GET /admin/users/<int:user_id>                 POST /admin/users/<int:user_id>
        POST /admin/users/<int:user_id>/active         POST /admin/users/<int:user_id>/password
        POST /admin/users/<int:user_id>/tokens         POST /admin/tokens/<int:token_id>/revoke"""),
    "worker": (WORKER, """
        GET /havens/manage       GET /havens/new       POST /havens/new
        GET /havens/due          GET /havens/due.csv   GET /havens/prospects
        GET /havens/recruit      POST /api/v1/havens   GET /api/v1/havens/due
        POST /api/v1/havens/import                     GET /mapping/haven-maps
        GET /exports/haven-maps.zip                    POST /exports/haven-maps.zip"""),
    "worker of the haven's borough": (WORKER_OWN_BOROUGH, """
        GET /havens/<int:haven_id>/edit                POST /havens/<int:haven_id>/edit
        GET /havens/<int:haven_id>/visit               POST /havens/<int:haven_id>/visit
        POST /havens/<int:haven_id>/status             POST /havens/<int:haven_id>/delete
        GET /havens/<int:haven_id>/sticker.pdf
        PATCH /api/v1/havens/<int:haven_id>            DELETE /api/v1/havens/<int:haven_id>
        POST /api/v1/havens/<int:haven_id>/status
        GET /api/v1/havens/<int:haven_id>/visits       POST /api/v1/havens/<int:haven_id>/visits
        POST /mapping/haven-maps/<int:urn>/radius"""),
    "teacher": (TEACHER, """
        GET /mapping/sessions/new                      POST /mapping/sessions/new
        GET /mapping/school-heatmap                    GET /mapping/school-heatmap/cells
        GET /api/v1/sessions     POST /api/v1/sessions"""),
    "teacher of the session": (TEACHER_OWN_SESSION, """
        GET /mapping/sessions/<int:session_id>
        POST /mapping/sessions/<int:session_id>/<any(close, reopen):action>
        GET /mapping/sessions/<int:session_id>/board
        POST /mapping/sessions/<int:session_id>/moderate
        POST /mapping/sessions/<int:session_id>/places
        POST /mapping/sessions/<int:session_id>/places/<int:place_id>/delete
        GET /mapping/sessions/<int:session_id>/results
        GET /mapping/sessions/<int:session_id>/show
        GET /mapping/sessions/<int:session_id>/summary.<any(pdf, csv):kind>
        GET /mapping/sessions/<int:session_id>/worksheets.pdf
        GET /mapping/sessions/<int:session_id>/paper
        POST /mapping/sessions/<int:session_id>/paper
        GET /mapping/sessions/<int:session_id>/paper/progress.json
        GET /mapping/sessions/<int:session_id>/paper/<int:sheet_id>.jpg
        POST /mapping/sessions/<int:session_id>/paper/add
        GET /api/v1/sessions/<int:session_id>"""),
    "planner": (PLANNER, """
        GET /mapping/heatmap
        GET /mapping/heatmap/export.<any(geojson, csv, html, png, pdf):fmt>
        GET /tiles/heatmap/<int:z>/<int:x>/<int:y>.mvt
        GET /mapping/hotspots
        GET /mapping/hotspots/export.<any(geojson, csv, kml, gpx, pdf):fmt>
        GET /mapping/hotspots/actions                  GET /mapping/hotspots/actions.csv
        GET /mapping/hotspots/actions/new              POST /mapping/hotspots/actions/new
        GET /mapping/hotspots/compare                  GET /mapping/perception-crime
        GET /mapping/perception-crime/export.<any(csv, geojson):fmt>
        GET /api/v1/heatmap      GET /api/v1/heatmap/cell
        GET /api/v1/heatmap/cells/<int:cell>/<int:i>/<int:j>
        GET /api/v1/crime-comparison
        GET /ogc/collections/<collection_id>           GET /ogc/collections/<collection_id>/items
        GET /ogc/collections/<collection_id>/queryables
        GET /ogc/collections/<collection_id>/schema
        GET /ogc/collections/<collection_id>/feature-schema
        GET /ogc/collections/<collection_id>/items/<feature_id>"""),
    "planner of the action's borough": (PLANNER_OWN_BOROUGH, """
        GET /mapping/hotspots/actions/<int:action_id>/edit
        POST /mapping/hotspots/actions/<int:action_id>/edit"""),
    "pupil of the class": (PUPIL, """
        POST /api/v1/sessions/<string:code>/maps"""),
}

# Where a caller's answer differs from its class, and why.
EXCEPTIONS = {
    # No postcodes are loaded, so everyone gets "not found": the lookup is public.
    ("GET", "/api/v1/postcodes/<string:postcode>"): dict.fromkeys(CALLERS, OK_OR_404),
    # Hexagon 0,0 has no published cell; the feature id names no hot spot.
    ("GET", "/api/v1/heatmap/cells/<int:cell>/<int:i>/<int:j>"): {
        **PLANNER, "planner": OK_OR_404, "planner_other": OK_OR_404, "admin": OK_OR_404},
    # The session has no photographed sheet, so its teacher finds no picture either.
    ("GET", "/mapping/sessions/<int:session_id>/paper/<int:sheet_id>.jpg"): {
        **TEACHER_OWN_SESSION, "teacher": OK_OR_404, "admin": OK_OR_404},
    ("GET", "/ogc/collections/<collection_id>/items/<feature_id>"): {
        **PLANNER, "planner": OK_OR_404, "planner_other": OK_OR_404, "admin": OK_OR_404},
}


def _expected() -> dict:
    table = {}
    for _name, (per_caller, routes) in CLASSES.items():
        for method, rule in ROW.findall(routes):
            assert (method, rule) not in table, f"{method} {rule} is in two classes"
            table[(method, rule)] = per_caller
    for key, per_caller in EXCEPTIONS.items():
        table[key] = per_caller
    return table


EXPECTED = _expected()


def url_calls(app) -> list[tuple[str, str, object]]:
    """(method, rule text, rule) for every rule and method the app serves (not HEAD/OPTIONS)."""
    return [(method, rule.rule, rule)
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            if rule.endpoint not in SKIPPED_ENDPOINTS
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def body_for(method: str, path: str) -> dict:
    """A minimal body: an empty JSON object for the API, an empty form for pages."""
    if method in ("GET", "DELETE"):
        return {}
    return {"json": {}} if path.startswith("/api/") else {"data": {}}


def verdict(expected, response) -> bool:
    """Whether an answer meets the expectation for one caller (a page sends a browser with no
    account to the login form instead of answering 401)."""
    status = response.status_code
    if expected == 401 and status == 302:
        return response.headers["Location"].startswith("/login?next=")
    if expected == OK:
        return status in ALLOWED
    if expected == OK_OR_404:
        return status in ALLOWED | {404}
    return status == expected


@pytest.fixture
def world(app, db_session):
    """The two-borough world with a logged-in caller of each kind."""
    return authorization_world.build(app, db_session)


def test_every_route_has_an_authorization_row(app):
    served = {(method, text) for method, text, _rule in url_calls(app)}
    missing = sorted(served - EXPECTED.keys())
    assert not missing, f"new route without an authorization row: {missing}"
    stale = sorted(EXPECTED.keys() - served)
    assert not stale, f"authorization rows for routes that no longer exist: {stale}"


def test_every_route_answers_every_caller_as_the_table_says(app, connection, world):
    values = world.placeholders()
    wrong, calls = [], 0
    for method, text, rule in url_calls(app):
        expected = EXPECTED.get((method, text))
        if expected is None:
            continue  # reported by test_every_route_has_an_authorization_row
        _domain, path = rule.build({k: values[k] for k in rule.arguments})
        for caller in CALLERS:
            response = call(connection, world.callers[caller], method, path,
                            **body_for(method, path))
            calls += 1
            if not verdict(expected[caller], response):
                wrong.append(f"{method} {path} as {caller}: {response.status_code}, "
                             f"expected {expected[caller]}")
    assert calls == len(EXPECTED) * len(CALLERS)
    assert not wrong, "\n".join(wrong)


# Object level: the right role is not enough; the object must be the caller's.

def test_a_teacher_cannot_reach_another_teachers_session_by_id(connection, world):
    other = world.callers["teacher_other"]
    for path in (f"/mapping/sessions/{world.session_id}",
                 f"/mapping/sessions/{world.session_id}/results",
                 f"/mapping/sessions/{world.session_id}/show",
                 f"/mapping/sessions/{world.session_id}/board",
                 f"/mapping/sessions/{world.session_id}/summary.csv",
                 f"/api/v1/sessions/{world.session_id}"):
        answer = call(connection, other, "GET", path)
        assert answer.status_code == 404, path
        assert b"7B" not in answer.data, path  # not even the class label
    moderated = call(connection, other, "POST", f"/mapping/sessions/{world.session_id}/moderate",
                     data={"zone": "1", "what": "comment", "decision": "approve"})
    assert moderated.status_code == 404
    listed = call(connection, other, "GET", "/api/v1/sessions").get_json()
    assert world.session_id not in [s["id"] for s in listed]
    assert world.other_session_id in [s["id"] for s in listed]


def test_a_worker_of_another_borough_cannot_change_a_haven(connection, db_session, world):
    other = world.callers["worker_other"]
    patched = call(connection, other, "PATCH", f"/api/v1/havens/{world.haven_id}",
                   json={"name": "Taken Over"})
    assert patched.status_code == 403
    for path in (f"/havens/{world.haven_id}/edit", f"/api/v1/havens/{world.haven_id}/visits"):
        assert call(connection, other, "GET", path).status_code == 403, path
    assert _haven(db_session, world.haven_id).name == "Corner Shop"


def test_a_planner_of_another_borough_cannot_ask_for_this_borough(connection, world):
    for path in ("/api/v1/heatmap", "/mapping/heatmap", "/mapping/heatmap/export.csv",
                 "/mapping/hotspots", "/mapping/hotspots/export.geojson",
                 "/mapping/hotspots/actions", "/mapping/hotspots/actions.csv",
                 "/mapping/hotspots/compare", "/mapping/perception-crime",
                 "/api/v1/crime-comparison"):
        asked = f"{path}?borough=E09000999"
        refused = call(connection, world.callers["planner_other"], "GET", asked)
        assert refused.status_code == 403, path
        assert call(connection, world.callers["planner"], "GET", asked).status_code in ALLOWED


def test_a_planner_cannot_edit_another_boroughs_action(connection, world):
    answer = call(connection, world.callers["planner"], "GET",
                  f"/mapping/hotspots/actions/{world.other_action_id}/edit")
    assert answer.status_code == 403


def test_a_pupil_cannot_send_to_or_read_another_class(connection, db_session, world):
    pupil = world.callers["pupil"]
    sent = call(connection, pupil, "POST", f"/api/v1/sessions/{world.other_join_code}/maps",
                json={"type": "FeatureCollection", "features": []},
                headers={"Idempotency-Key": "k" * 32})
    assert sent.status_code == 403
    for path in (f"/api/v1/sessions/{world.other_session_id}",
                 f"/mapping/sessions/{world.other_session_id}/results"):
        assert call(connection, pupil, "GET", path).status_code in (302, 401), path


# Field level: a haven's contact details and notes never reach the public.

PUBLIC_HAVEN_PATHS = ("/havens/", "/havens/{id}", "/api/v1/havens", "/api/v1/havens?format=geojson",
                      "/api/v1/havens?format=csv", "/api/v1/havens/{id}",
                      "/api/v1/havens/nearest?lat=51.45&lon=0.0",
                      "/api/v1/havens/nearest?lat=51.45&lon=0.0&format=geojson",
                      "/ogc/collections/havens/items", "/ogc/collections/havens/items?f=html",
                      "/ogc/collections/havens/items/{id}")


def test_public_haven_answers_never_carry_private_fields(connection, world):
    for caller, template in itertools.product(("anonymous", "pupil", "teacher", "planner"),
                                              PUBLIC_HAVEN_PATHS):
        path = template.format(id=world.haven_id)
        answer = call(connection, world.callers[caller], "GET", path)
        assert answer.status_code == 200, path
        text = answer.get_data(as_text=True)
        assert "Corner Shop" in text, path  # the haven is there...
        leaked = [v for v in authorization_world.PRIVATE.values() if v in text]
        assert not leaked, f"{path} as {caller} shows {leaked}"  # ...its private fields not


def test_the_havens_worker_does_see_the_private_fields(connection, world):
    text = call(connection, world.callers["worker"], "GET",
                f"/api/v1/havens/{world.haven_id}").get_data(as_text=True)
    assert all(v in text for v in authorization_world.PRIVATE.values())


# Mass assignment: ids, roles, owners and statuses in a body are refused, and nothing changes.

def test_a_haven_update_refuses_fields_it_does_not_own(connection, db_session, world):
    before = _haven_row(db_session, world.haven_id)
    for smuggled in ({"status": "lapsed"}, {"borough_id": 2}, {"id": 999}, {"created_by_id": 1},
                     {"next_visit_due": "2000-01-01"}, {"role": "admin"}):
        answer = call(connection, world.callers["worker"], "PATCH",
                      f"/api/v1/havens/{world.haven_id}", json={"name": "Renamed", **smuggled})
        assert answer.status_code in (400, 422), smuggled
        assert answer.get_json()["error"]["field"] == next(iter(smuggled))
        assert _haven_row(db_session, world.haven_id) == before


def test_new_havens_and_sessions_refuse_fields_they_do_not_own(connection, world):
    haven = {"name": "New Shop", "business_type": "shop", "lon": 0.001, "lat": 51.451}
    session = {"school": authorization_world.SCHOOL, "class_label": "9Z", "year_group": 9}
    cases = [("worker", "/api/v1/havens", haven, smuggled) for smuggled in (
        {"status": "active"}, {"borough_id": 2}, {"created_by_id": 1})]
    cases += [("teacher", "/api/v1/sessions", session, smuggled) for smuggled in (
        {"teacher_id": 1}, {"id": 5}, {"closed": True}, {"join_code": "AAAAAAAA"})]
    for caller, path, body, smuggled in cases:
        answer = call(connection, world.callers[caller], "POST", path, json={**body, **smuggled})
        assert answer.status_code in (400, 422), (path, smuggled)
        assert answer.get_json()["error"]["field"] == next(iter(smuggled))


def test_a_teacher_cannot_create_a_session_for_another_school(connection, world):
    body = {"school": authorization_world.OTHER_SCHOOL, "class_label": "9Z", "year_group": 9}
    answer = call(connection, world.callers["teacher"], "POST", "/api/v1/sessions", json=body)
    assert answer.status_code == 403


def test_a_pupil_map_refuses_fields_it_does_not_own(connection, db_session, world):
    before = _map_count(db_session)
    for smuggled in ({"session_id": 2}, {"school": 200002}, {"id": 1}):
        zone = feature(square(300, 300), **smuggled)
        answer = call(connection, world.callers["pupil"], "POST",
                      f"/api/v1/sessions/{world.join_code}/maps",
                      json={"type": "FeatureCollection", "features": [zone]},
                      headers={"Idempotency-Key": "m" * 32})
        assert answer.status_code in (400, 422), (smuggled, answer.get_json())
        assert _map_count(db_session) == before


def _haven(db_session, haven_id):
    from havens.models import Haven

    db_session.rollback()  # a fresh read, and no savepoint left open under the next call
    return db_session.get(Haven, haven_id)


def _haven_row(db_session, haven_id) -> tuple:
    haven = _haven(db_session, haven_id)
    return (haven.name, haven.status, haven.borough_id, haven.created_by_id,
            haven.next_visit_due)


def _map_count(db_session) -> int:
    from sqlalchemy import func, select

    from mapping.models import PupilMap

    count = db_session.scalar(select(func.count()).select_from(PupilMap))
    db_session.rollback()
    return count
