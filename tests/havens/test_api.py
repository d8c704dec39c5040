"""The havens API end to end: roles and borough scope, public versus private fields, clear 4xx
answers that store nothing, visits and status rules, nearest, lists, files, import and delete."""

import csv
import io
from datetime import date, timedelta

import pytest
from pyproj import Geod
from sqlalchemy import event, func, select

from core.accounts.services import create_api_token
from core.audit.models import AuditEvent
from havens.models import Haven, HavenVisit
from tests.conftest import csrf_token
from tests.core.accounts.helpers import login
from tests.factories import add_borough, add_school, add_user

API = "/api/v1/havens"
HERE = (0.0, 51.45)
OTHER_BOUNDS = (0.02, 51.44, 0.05, 51.46)
SECRETS = {"contact_name": "Priya Hiddenname", "phone": "020 8123 4567",
           "email": "owner.private@example.net"}
PUBLIC_COLUMNS = ["id", "name", "business_type", "address", "postcode", "lat", "lon", "borough",
                  "opening_hours"]
GEOD = Geod(ellps="WGS84")


def haven_payload(drop=(), **overrides) -> dict:
    """A valid new haven at lon 0.0, lat 51.45 (inside the test borough), with private contacts."""
    body = {"name": "Corner Shop", "business_type": "shop", "lat": HERE[1], "lon": HERE[0],
            "address": "1 High Street", "postcode": "se136ph",
            "opening_hours": "Mo-Fr 09:00-17:00", **SECRETS, **overrides}
    return {key: value for key, value in body.items() if key not in drop}


def bearer(db_session, email: str) -> dict:
    _token, secret = create_api_token(db_session=db_session, email=email)
    return {"Authorization": f"Bearer {secret}"}


def counts(db_session) -> tuple[int, int]:
    """Rows in haven and haven_visit."""
    return tuple(db_session.scalar(select(func.count()).select_from(model))
                 for model in (Haven, HavenVisit))


def stored(db_session, haven_id: int) -> Haven | None:
    """The haven as the database has it now."""
    db_session.expire_all()
    return db_session.get(Haven, haven_id)


def away(metres: float, azimuth: float) -> tuple[float, float]:
    """The lon/lat `metres` from HERE on the WGS84 ellipsoid (azimuth in degrees from north)."""
    lon, lat, _back = GEOD.fwd(HERE[0], HERE[1], azimuth, metres)
    return lon, lat


def add(client, headers, **overrides) -> dict:
    response = client.post(API, json=haven_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def sign_up(client, headers, haven_id: int, on: str = "2025-03-14") -> None:
    response = client.post(f"{API}/{haven_id}/visits", headers=headers,
                           json={"outcome": "signed_up", "visited_on": on})
    assert response.status_code == 201, response.json


def add_active(client, headers, **overrides) -> dict:
    haven = add(client, headers, **overrides)
    sign_up(client, headers, haven["id"])
    return haven


def names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["name"] for item in response.json["items"]]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    problem = response.json["error"]
    assert problem["message"]
    return problem


@pytest.fixture
def other_borough_id(db_session, borough_id):
    return add_borough(db_session, code="E09000998", name="Otherham", bounds=OTHER_BOUNDS)


@pytest.fixture
def worker_headers(db_session, worker):
    return bearer(db_session, worker.email)


@pytest.fixture
def admin_headers(db_session, borough_id):
    add_user(db_session, "admin", "admin@example.org")
    return bearer(db_session, "admin@example.org")


@pytest.fixture
def scoped_headers(db_session, other_borough_id):
    """A worker who looks after Otherham (E09000998) only."""
    add_user(db_session, "worker", "other.worker@example.org", borough_code="E09000998")
    return bearer(db_session, "other.worker@example.org")


@pytest.fixture
def anon(app, connection):
    """A client that never logs in."""
    return app.test_client()


IMPORT_HEADER = "name,business_type,lat,lon,postcode,phone,status,last_verified_on\r\n"


def _writes(haven_id: int) -> list[tuple[str, str, dict]]:
    return [
        ("post", API, {"json": haven_payload(name="Station Pharmacy", lat=51.452)}),
        ("patch", f"{API}/{haven_id}", {"json": {"name": "Renamed"}}),
        ("post", f"{API}/{haven_id}/visits", {"json": {"outcome": "signed_up"}}),
        ("post", f"{API}/{haven_id}/status", {"json": {"status": "withdrawn", "reason": "Gone"}}),
        ("post", f"{API}/import", {"data": IMPORT_HEADER + "Book Nook,shop,51.453,0.002,,,,\r\n",
                                   "content_type": "text/csv"}),
        ("get", f"{API}/{haven_id}/visits", {}),
        ("delete", f"{API}/{haven_id}", {}),
    ]


# --- 1. Roles and borough scope ---------------------------------------------------------------

@pytest.mark.parametrize("credentials", ["browser session with CSRF", "unknown bearer token"])
def test_anonymous_callers_cannot_write_and_get_401(client, anon, db_session, worker_headers,
                                                     credentials):
    haven = add(client, worker_headers)
    before = counts(db_session)
    headers = ({"X-CSRFToken": csrf_token(anon, "/login")} if credentials.startswith("browser")
               else {"Authorization": "Bearer not-a-real-token"})
    for method, url, kwargs in _writes(haven["id"]):
        response = getattr(anon, method)(url, headers=headers, **kwargs)
        assert error(response, 401)["code"] == "unauthenticated", (method, url)
    assert counts(db_session) == before
    assert stored(db_session, haven["id"]).name == "Corner Shop"


def test_who_is_asking_is_checked_before_the_body(client, anon, db_session):
    response = anon.post(API, json={"name": ""}, headers={"Authorization": "Bearer nope"})
    assert error(response, 401)["code"] == "unauthenticated"


@pytest.mark.parametrize("role", ["teacher", "planner"])
def test_teachers_and_planners_cannot_write_and_get_403(client, db_session, worker_headers, role):
    add_school(db_session)
    scope = {"school_urns": [100001]} if role == "teacher" else {"borough_code": "E09000999"}
    add_user(db_session, role, f"{role}@example.org", **scope)
    headers = bearer(db_session, f"{role}@example.org")
    haven = add(client, worker_headers)
    before = counts(db_session)
    for method, url, kwargs in _writes(haven["id"]):
        response = getattr(client, method)(url, headers=headers, **kwargs)
        assert error(response, 403)["code"] == "forbidden", (method, url)
    assert counts(db_session) == before
    kept = stored(db_session, haven["id"])
    assert (kept.name, kept.status) == ("Corner Shop", "prospect")


@pytest.mark.parametrize("who", ["worker_headers", "admin_headers"])
def test_workers_and_admins_can_do_every_write(client, db_session, request, who):
    headers = request.getfixturevalue(who)
    haven = add(client, headers)
    expected = [201, 200, 201, 200, 201, 200, 204]
    got = [getattr(client, method)(url, headers=headers, **kwargs).status_code
           for method, url, kwargs in _writes(haven["id"])]
    assert got == expected
    # Station Pharmacy and Book Nook remain; Corner Shop and its visit were deleted.
    assert counts(db_session) == (2, 0)


def test_other_boroughs_worker_is_refused_here(client, db_session, worker_headers,
                                               scoped_headers):
    haven = add(client, worker_headers)
    sign_up(client, worker_headers, haven["id"])
    before = counts(db_session)
    url = f"{API}/{haven['id']}"
    attempts = [client.patch(url, json={"name": "Mine now"}, headers=scoped_headers),
                client.delete(url, headers=scoped_headers),
                client.post(f"{url}/visits", json={"outcome": "re_verified"},
                            headers=scoped_headers),
                client.get(f"{url}/visits", headers=scoped_headers),
                client.post(f"{url}/status", json={"status": "lapsed", "reason": "Gone quiet"},
                            headers=scoped_headers),
                client.post(API, json=haven_payload(name="Station Pharmacy", lat=51.452),
                            headers=scoped_headers)]
    for response in attempts:
        assert "borough you do not look after" in error(response, 403)["message"]
    assert counts(db_session) == before
    kept = stored(db_session, haven["id"])
    assert (kept.name, kept.status) == ("Corner Shop", "active")
    # What they may see of it is the public view only.
    seen = client.get(url, headers=scoped_headers).json
    assert "phone" not in seen and "status" not in seen
    # In their own borough they work as usual, but cannot move a haven out of it.
    own = add(client, scoped_headers, lon=0.03)
    assert own["borough"] == "E09000998"
    moved = client.patch(f"{API}/{own['id']}", json={"lon": 0.0}, headers=scoped_headers)
    assert error(moved, 403)["code"] == "forbidden"
    assert stored(db_session, own["id"]).borough_id != stored(db_session, haven["id"]).borough_id


def test_cookie_session_writes_need_the_csrf_header(client, db_session, worker):
    assert login(client, worker.email).status_code == 302
    refused = client.post(API, json=haven_payload())
    assert "CSRF" in error(refused, 400)["message"]
    assert counts(db_session) == (0, 0)
    accepted = client.post(API, json=haven_payload(),
                           headers={"X-CSRFToken": csrf_token(client, "/")})
    assert accepted.status_code == 201
    assert counts(db_session) == (1, 0)


# --- 2. Public reads ---------------------------------------------------------------------------

@pytest.fixture
def active_and_prospect(client, worker_headers):
    """An active haven and a prospect, both with private contact details."""
    active = add_active(client, worker_headers, name="Active Shop")
    prospect = add(client, worker_headers, name="Prospect Pharmacy", business_type="pharmacy",
                   lat=51.452)
    return active, prospect


@pytest.mark.parametrize("path", ["", "?format=geojson", "?format=csv", "/{id}",
                                  "/nearest?lat=51.45&lon=0.0",
                                  "/nearest?lat=51.45&lon=0.0&format=geojson"])
def test_public_reads_never_show_contact_details_or_prospects(anon, active_and_prospect, path):
    active, _prospect = active_and_prospect
    response = anon.get(API + path.format(id=active["id"]))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Active Shop" in body
    assert "Prospect Pharmacy" not in body
    for field, secret in SECRETS.items():
        assert secret not in body and field not in body


def test_workers_see_contacts_but_their_exports_do_not(client, worker_headers,
                                                       active_and_prospect):
    active, _prospect = active_and_prospect
    full = client.get(f"{API}/{active['id']}", headers=worker_headers).json
    assert {key: full[key] for key in SECRETS} == SECRETS
    for file_format in ("csv", "geojson"):
        body = client.get(f"{API}?format={file_format}", headers=worker_headers).get_data(
            as_text=True)
        assert "Prospect Pharmacy" in body  # workers' exports include every status
        assert not any(secret in body for secret in SECRETS.values()), file_format


def test_prospects_are_hidden_from_the_public(client, anon, worker_headers,
                                              active_and_prospect):
    _active, prospect = active_and_prospect
    assert error(anon.get(f"{API}/{prospect['id']}"), 404)["code"] == "not_found"
    mine = client.get(f"{API}/{prospect['id']}", headers=worker_headers)
    assert mine.status_code == 200 and mine.json["status"] == "prospect"
    assert names(anon.get(API)) == ["Active Shop"]
    assert anon.get(API).json["total"] == 1
    assert error(anon.get(f"{API}?status=prospect"), 403)["code"] == "forbidden"
    assert error(anon.get(f"{API}?due_before=2030-01-01"), 403)["code"] == "forbidden"
    assert names(anon.get(f"{API}?status=active")) == ["Active Shop"]
    assert error(anon.get(f"{API}/999999"), 404)["code"] == "not_found"


# --- 3. Creating -------------------------------------------------------------------------------

def test_create_answers_a_prospect_in_the_borough_under_it(client, db_session, worker,
                                                           worker_headers, borough_id):
    response = client.post(API, json=haven_payload(name="  Corner   Shop "),
                           headers=worker_headers)
    assert response.status_code == 201
    body = response.json
    assert (body["name"], body["status"], body["borough"], body["postcode"]) == (
        "Corner Shop", "prospect", "E09000999", "SE13 6PH")
    assert (body["lon"], body["lat"], body["opening_hours"]) == (0.0, 51.45, "Mo-Fr 09:00-17:00")
    assert {key: body[key] for key in SECRETS} == SECRETS
    haven = stored(db_session, body["id"])
    assert (haven.borough_id, haven.created_by_id) == (borough_id, worker.id)
    assert counts(db_session) == (1, 0)


BAD_CREATES = [
    ({"lat": 53.0, "lon": -1.5}, 400, "location", "outside every borough"),
    ({"lat": 0.0, "lon": 51.45}, 422, "lat", "look swapped"),
    ({"lat": 95}, 422, "lat", "90"),
    ({"postcode": "hello"}, 422, "postcode", "'hello' is not a UK postcode"),
    ({"name": ""}, 422, "name", "1 to 200 characters"),
    ({"name": "   "}, 422, "name", "1 to 200 characters"),
    ({"name": "x" * 500}, 422, "name", "1 to 200 characters"),
    ({"business_type": "casino"}, 422, "business_type", "Must be one of"),
    ({"phone": "call me"}, 422, "phone", "not a phone number"),
    ({"email": "not-an-email"}, 422, "email", "not an email address"),
    ({"hours": {"mo": "09:00-13:00, 12:00-17:00"}}, 422, "hours.mo", "times overlap on Monday"),
    ({"hours": {"mo": "22:00-02:00"}}, 422, "hours.mo", "closes before it opens"),
    ({"opening_hours": "whenever"}, 422, "opening_hours", "cannot read"),
    ({"status": "active"}, 422, "status", "'status' is not something"),
    ({"id": 5}, 422, "id", "'id' is not something"),
    ({"created_by_id": 1}, 422, "created_by_id", "'created_by_id' is not something"),
    ({"borough_id": 1}, 422, "borough_id", "'borough_id' is not something"),
]


@pytest.mark.parametrize(("change", "status", "field", "message"), BAD_CREATES,
                         ids=lambda value: str(value)[:40])
def test_bad_new_haven_is_refused_clearly_and_nothing_stored(client, db_session, worker_headers,
                                                             change, status, field, message):
    body = haven_payload(drop=("opening_hours",) if "hours" in change else (), **change)
    problem = error(client.post(API, json=body, headers=worker_headers), status)
    assert problem["field"] == field
    assert message in problem["message"]
    assert counts(db_session) == (0, 0)


def test_mass_assigned_fields_together_are_refused_and_named(client, db_session, worker_headers):
    body = haven_payload(status="active", id=5, created_by_id=1, borough_id=1)
    problem = error(client.post(API, json=body, headers=worker_headers), 422)
    assert problem["field"] in {"status", "id", "created_by_id", "borough_id"}
    assert f"'{problem['field']}'" in problem["message"]
    assert counts(db_session) == (0, 0)


def test_similar_name_10_m_away_is_a_duplicate_until_confirmed(client, db_session,
                                                               worker_headers):
    first = add(client, worker_headers, name="Corner Shop")
    lon, lat = away(10, 90)
    body = haven_payload(name="The Corner Shop Ltd", lon=lon, lat=lat)
    problem = error(client.post(API, json=body, headers=worker_headers), 409)
    assert (problem["code"], problem["field"]) == ("possible_duplicate", "name")
    assert problem["details"] == [{"id": first["id"], "name": "Corner Shop",
                                   "status": "prospect"}]
    assert "Corner Shop" in problem["message"] and "confirm" in problem["message"]
    assert counts(db_session) == (1, 0)
    confirmed = client.post(API, json={**body, "confirm_duplicate": True}, headers=worker_headers)
    assert confirmed.status_code == 201 and confirmed.json["name"] == "The Corner Shop Ltd"
    assert counts(db_session) == (2, 0)
    # A different business 10 m away needs no confirmation.
    other = client.post(API, json=haven_payload(name="Station Pharmacy", lon=lon, lat=lat),
                        headers=worker_headers)
    assert other.status_code == 201
    assert counts(db_session) == (3, 0)


# --- 4. Changing -------------------------------------------------------------------------------

def test_patch_changes_fields_and_moving_rederives_the_borough(client, db_session,
                                                               worker_headers, other_borough_id):
    haven = add(client, worker_headers)
    url = f"{API}/{haven['id']}"
    changed = client.patch(url, headers=worker_headers, json={
        "name": " Corner  Shop Two ", "phone": "020 7946 0000", "hours": {"sa": "10:00-16:00"}})
    assert changed.status_code == 200
    assert (changed.json["name"], changed.json["phone"], changed.json["opening_hours"]) == (
        "Corner Shop Two", "020 7946 0000", "Sa 10:00-16:00")
    assert changed.json["email"] == SECRETS["email"]  # untouched fields stay
    moved = client.patch(url, json={"lon": 0.03}, headers=worker_headers)
    assert moved.status_code == 200
    assert (moved.json["borough"], moved.json["lon"], moved.json["lat"]) == (
        "E09000998", 0.03, 51.45)
    assert stored(db_session, haven["id"]).borough_id == other_borough_id
    outside = client.patch(url, json={"lon": 0.3}, headers=worker_headers)
    assert error(outside, 400)["field"] == "location"
    assert client.get(url, headers=worker_headers).json["lon"] == 0.03
    # An unscoped worker also registers havens straight into the other borough.
    assert add(client, worker_headers, name="Far Shop", lon=0.04)["borough"] == "E09000998"


@pytest.mark.parametrize(("body", "field"), [
    ({"colour": "red"}, "colour"), ({"status": "active"}, "status"),
    ({"next_visit_due": "2030-01-01"}, "next_visit_due"), ({"name": ""}, "name"),
    ({"lat": 0.0, "lon": 51.45}, "lat"), ({"phone": "call me"}, "phone")])
def test_patch_refuses_bad_and_unknown_fields_and_status(client, db_session, worker_headers,
                                                        body, field):
    haven = add(client, worker_headers)
    problem = error(client.patch(f"{API}/{haven['id']}", json=body, headers=worker_headers), 422)
    assert problem["field"] == field
    kept = stored(db_session, haven["id"])
    assert (kept.name, kept.status, kept.phone, kept.next_visit_due) == (
        "Corner Shop", "prospect", SECRETS["phone"], None)


# --- 5. Visits and status ----------------------------------------------------------------------

def test_signing_up_makes_a_prospect_an_active_haven_due_a_year_later(client, anon, worker,
                                                                       worker_headers):
    haven = add(client, worker_headers)
    visit = client.post(f"{API}/{haven['id']}/visits", headers=worker_headers, json={
        "outcome": "signed_up", "visited_on": "2025-03-14", "staff_briefed_count": 3})
    assert visit.status_code == 201
    assert (visit.json["outcome"], visit.json["visited_on"], visit.json["worker"]) == (
        "signed_up", "2025-03-14", worker.email)
    now = client.get(f"{API}/{haven['id']}", headers=worker_headers).json
    assert (now["status"], now["joined_on"], now["last_verified_on"], now["next_visit_due"]) == (
        "active", "2025-03-14", "2025-03-14", "2026-03-14")
    assert [v["id"] for v in client.get(f"{API}/{haven['id']}/visits",
                                        headers=worker_headers).json] == [visit.json["id"]]
    assert anon.get(f"{API}/{haven['id']}").status_code == 200


def test_bad_visits_are_refused_and_nothing_stored(client, db_session, worker_headers):
    haven = add(client, worker_headers)
    url = f"{API}/{haven['id']}/visits"
    re_verified = client.post(url, json={"outcome": "re_verified"}, headers=worker_headers)
    problem = error(re_verified, 400)
    assert problem["field"] == "outcome" and "log 'Signed up' first" in problem["message"]
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    future = client.post(url, json={"outcome": "signed_up", "visited_on": tomorrow},
                         headers=worker_headers)
    assert error(future, 422)["field"] == "visited_on"
    assert "future" in future.json["error"]["message"]
    unknown = client.post(url, json={"outcome": "bribed"}, headers=worker_headers)
    assert error(unknown, 422)["field"] == "outcome"
    assert counts(db_session) == (1, 0)
    assert stored(db_session, haven["id"]).status == "prospect"


def test_a_prospect_cannot_be_lapsed_by_hand(client, db_session, worker_headers):
    haven = add(client, worker_headers)
    url = f"{API}/{haven['id']}/status"
    for body in ({"status": "lapsed", "reason": "Never answers"}, {"status": "lapsed"}):
        problem = error(client.post(url, json=body, headers=worker_headers), 400)
        assert problem["field"] == "status"
        assert "A prospect cannot become lapsed directly" in problem["message"]
    assert error(client.post(url, json={"status": "closed"}, headers=worker_headers),
                 422)["field"] == "status"
    assert stored(db_session, haven["id"]).status == "prospect"


def test_withdrawing_with_a_reason_takes_the_haven_off_the_public_map(client, anon,
                                                                      worker_headers):
    haven = add_active(client, worker_headers)
    withdrawn = client.post(f"{API}/{haven['id']}/status", headers=worker_headers,
                            json={"status": "withdrawn", "reason": "Owner retired"})
    assert withdrawn.status_code == 200
    assert (withdrawn.json["status"], withdrawn.json["status_reason"]) == ("withdrawn",
                                                                           "Owner retired")
    assert anon.get(f"{API}/{haven['id']}").status_code == 404


def test_a_reason_is_needed_only_for_withdrawing(client, db_session, worker_headers):
    active = add_active(client, worker_headers)
    no_reason = client.post(f"{API}/{active['id']}/status", json={"status": "withdrawn"},
                            headers=worker_headers)
    problem = error(no_reason, 400)
    assert problem["field"] == "reason" and "Say why" in problem["message"]
    assert stored(db_session, active["id"]).status == "active"
    prospect = add(client, worker_headers, name="Station Pharmacy", lat=51.452)
    activated = client.post(f"{API}/{prospect['id']}/status", json={"status": "active"},
                            headers=worker_headers)
    assert activated.status_code == 200 and activated.json["status"] == "active"
    assert activated.json["joined_on"] == activated.json["last_verified_on"] is not None


def test_a_closed_down_visit_withdraws_the_haven(client, anon, db_session, worker_headers):
    haven = add_active(client, worker_headers)
    response = client.post(f"{API}/{haven['id']}/visits", json={"outcome": "closed_down"},
                           headers=worker_headers)
    assert response.status_code == 201
    kept = stored(db_session, haven["id"])
    assert (kept.status, kept.status_reason) == ("withdrawn", "Closed down")
    assert counts(db_session) == (1, 2)
    assert anon.get(f"{API}/{haven['id']}").status_code == 404


# --- 6. Nearest --------------------------------------------------------------------------------

def test_nearest_are_active_havens_in_order_of_straight_line_distance(client, anon,
                                                                      worker_headers):
    spots = {"Far Florist": (600, 270), "Near Newsagent": (100, 90), "Mid Market": (250, 0),
             "Edge Eatery": (900, 180)}
    ids = {}
    for name, (metres, azimuth) in spots.items():
        lon, lat = away(metres, azimuth)
        ids[name] = add_active(client, worker_headers, name=name, lon=lon, lat=lat)["id"]
    lon, lat = away(20, 45)
    add(client, worker_headers, name="Closest Prospect", lon=lon, lat=lat)
    found = anon.get(f"{API}/nearest?lat=51.45&lon=0.0&limit=3")
    assert found.status_code == 200
    expected = ["Near Newsagent", "Mid Market", "Far Florist"]
    assert [item["id"] for item in found.json] == [ids[name] for name in expected]
    for item, name in zip(found.json, expected, strict=True):
        assert item["distance_m"] == pytest.approx(spots[name][0], abs=2)
    assert len(anon.get(f"{API}/nearest?lat=51.45&lon=0.0&limit=1").json) == 1
    assert len(anon.get(f"{API}/nearest?lat=51.45&lon=0.0").json) == 4
    collection = anon.get(f"{API}/nearest?lat=51.45&lon=0.0&limit=1&format=geojson")
    assert collection.mimetype == "application/geo+json"
    feature = collection.json["features"][0]
    assert feature["id"] == ids["Near Newsagent"]
    assert feature["geometry"]["coordinates"] == pytest.approx(list(away(100, 90)), abs=1e-6)
    assert feature["properties"]["distance_m"] == pytest.approx(100, abs=2)


def test_nearest_is_answered_with_one_sql_statement(connection, anon, client, worker_headers):
    for metres in (100, 200, 300):
        add_active(client, worker_headers, name=f"Shop {metres}", lon=away(metres, 90)[0])
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        assert len(anon.get(f"{API}/nearest?lat=51.45&lon=0.0&limit=3").json) == 3
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len([s for s in statements if "haven" in s]) == 1, statements


@pytest.fixture
def office_hours_and_all_night(client, worker_headers):
    """A haven open Mo-Fr 09:00-17:00 at HERE and one open 24/7 300 m east."""
    office = add_active(client, worker_headers, name="Office Hours Shop")
    lon, lat = away(300, 90)
    add_active(client, worker_headers, name="All Night Garage", lon=lon, lat=lat,
               opening_hours="24/7")
    return office["id"]


def _open_now(anon, when: str, open_only: bool = False) -> dict[str, bool]:
    query = {"lat": 51.45, "lon": 0.0, "open_at": when, "open_only": str(open_only).lower()}
    response = anon.get(f"{API}/nearest", query_string=query)
    assert response.status_code == 200, response.json
    return {item["name"]: item["open_now"] for item in response.json}


def test_open_now_at_an_aware_time_and_open_only(anon, office_hours_and_all_night):
    monday = "2026-11-23T{}:00Z"  # November: London time is UTC
    assert _open_now(anon, monday.format("10:00")) == {"Office Hours Shop": True,
                                                       "All Night Garage": True}
    assert _open_now(anon, monday.format("18:00")) == {"Office Hours Shop": False,
                                                       "All Night Garage": True}
    assert _open_now(anon, monday.format("18:00"), open_only=True) == {"All Night Garage": True}
    # Summer time: 08:30 UTC is 09:30 in London (open), 16:30 UTC is 17:30 (closed).
    assert _open_now(anon, "2026-07-06T08:30:00Z")["Office Hours Shop"] is True
    assert _open_now(anon, "2026-07-06T16:30:00Z")["Office Hours Shop"] is False
    assert _open_now(anon, "2026-07-06T09:30:00+01:00")["Office Hours Shop"] is True


def test_open_at_without_an_offset_is_london_time(anon, office_hours_and_all_night):
    assert _open_now(anon, "2026-11-23T10:00:00")["Office Hours Shop"] is True
    assert _open_now(anon, "2026-11-23T18:00:00")["Office Hours Shop"] is False
    # In summer a naive 08:30 is 08:30 London (closed), not 08:30 UTC (09:30 London, open).
    assert _open_now(anon, "2026-07-06T08:30:00")["Office Hours Shop"] is False


@pytest.mark.parametrize(("query", "field"), [
    ("lon=0.0", "lat"), ("lat=51.45", "lon"), ("lat=0.0&lon=51.45", "lat"),
    ("lat=95&lon=0", "lat"), ("lat=51.45&lon=0&limit=0", "limit"),
    ("lat=51.45&lon=0&limit=51", "limit"), ("lat=51.45&lon=0&open_at=teatime", "open_at"),
    ("lat=51.45&lon=0&radius=5", "radius"), ("lat=51.45&lon=0&format=kml", "format")])
def test_bad_nearest_queries_get_a_422_naming_the_parameter(anon, borough_id, query, field):
    problem = error(anon.get(f"{API}/nearest?{query}"), 422)
    assert (problem["code"], problem["field"]) == ("invalid_input", field)


# --- 7. Lists and files ------------------------------------------------------------------------

def test_workers_filter_the_list_and_scoped_workers_see_their_borough(client, anon,
                                                                       worker_headers,
                                                                       scoped_headers):
    alpha = add(client, worker_headers, name="Alpha Café", business_type="cafe")
    sign_up(client, worker_headers, alpha["id"], on="2025-03-14")
    add(client, worker_headers, name="Bravo Books", lon=0.01, lat=51.455)
    add(client, worker_headers, name="Charlie Chips", lon=0.03)
    delta = add(client, worker_headers, name="Delta Deli", lat=51.445)
    sign_up(client, worker_headers, delta["id"], on="2025-09-01")

    def listed(query: str = "", headers=worker_headers) -> list[str]:
        return names(client.get(f"{API}?{query}", headers=headers))

    assert listed() == ["Alpha Café", "Bravo Books", "Charlie Chips", "Delta Deli"]
    assert listed("status=prospect") == ["Bravo Books", "Charlie Chips"]
    assert listed("status=active&status=prospect&borough=E09000998") == ["Charlie Chips"]
    assert listed("bbox=0.005,51.45,0.015,51.46") == ["Bravo Books"]
    assert listed("due_before=2026-06-01") == ["Alpha Café"]
    assert listed("name=DELI") == ["Delta Deli"]
    assert listed("limit=1&offset=1") == ["Bravo Books"]
    assert client.get(f"{API}?limit=1", headers=worker_headers).json["total"] == 4
    assert names(anon.get(API)) == ["Alpha Café", "Delta Deli"]
    assert listed(headers=scoped_headers) == ["Charlie Chips"]
    assert error(client.get(f"{API}?borough=E09000999", headers=scoped_headers), 403)
    assert error(client.get(f"{API}?status=gone", headers=worker_headers), 422)["field"]


def test_geojson_is_a_feature_collection_of_lon_lat_points(anon, client, worker_headers):
    haven = add_active(client, worker_headers, lon=0.001, lat=51.451)
    for response in (anon.get(f"{API}?format=geojson"),
                     anon.get(API, headers={"Accept": "application/geo+json"})):
        assert response.mimetype == "application/geo+json"
        collection = response.json
        assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 1
        feature = collection["features"][0]
        assert feature["type"] == "Feature" and feature["id"] == haven["id"]
        assert feature["geometry"] == {"type": "Point", "coordinates": [0.001, 51.451]}
        assert feature["properties"]["name"] == "Corner Shop"
        assert feature["properties"]["borough"] == "E09000999"


def test_csv_neutralises_formulas_and_keeps_markup_as_text(anon, client, worker_headers):
    formula = '=HYPERLINK("http://evil","x")'
    markup = "<img src=x onerror=alert(1)>"
    evil = add_active(client, worker_headers, name=formula)
    html = add_active(client, worker_headers, name=markup, lat=51.452)
    for headers, columns in ((worker_headers, None), ({}, PUBLIC_COLUMNS)):
        response = client.get(f"{API}?format=csv", headers=headers)
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        text = response.get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][:len(PUBLIC_COLUMNS)] == PUBLIC_COLUMNS
        assert not set(SECRETS) & set(rows[0])
        if columns:
            assert rows[0] == columns
        cells = {row[0]: row[1] for row in rows[1:]}
        assert cells[str(evil["id"])] == "'" + formula
        assert cells[str(html["id"])] == markup
        assert markup in text
        assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert anon.get(f"{API}/{html['id']}").json["name"] == markup
    assert anon.get(f"{API}/{evil['id']}").json["name"] == formula


# --- 8. CSV import -----------------------------------------------------------------------------

def test_import_creates_havens_from_a_csv_body(client, anon, db_session, worker_headers):
    text = (IMPORT_HEADER + "Alpha Café,cafe,51.451,0.001,SE13 6PH,020 8123 4567,active,"
            "2025-03-14\r\nBravo Books,shop,51.455,0.01,,,,\r\n")
    response = client.post(f"{API}/import", data=text.encode(), content_type="text/csv",
                           headers=worker_headers)
    assert response.status_code == 201, response.json
    assert response.json["created"] == 2 and len(response.json["ids"]) == 2
    alpha_id, bravo_id = response.json["ids"]
    alpha = client.get(f"{API}/{alpha_id}", headers=worker_headers).json
    assert (alpha["name"], alpha["status"], alpha["last_verified_on"], alpha["next_visit_due"],
            alpha["phone"]) == ("Alpha Café", "active", "2025-03-14", "2026-03-14",
                                "020 8123 4567")
    bravo = client.get(f"{API}/{bravo_id}", headers=worker_headers).json
    assert (bravo["name"], bravo["status"]) == ("Bravo Books", "prospect")
    assert names(anon.get(API)) == ["Alpha Café"]
    assert counts(db_session) == (2, 0)


def test_import_accepts_a_multipart_file_with_a_bom(client, db_session, worker_headers):
    data = ("\ufeff" + IMPORT_HEADER + "Alpha Café,cafe,51.451,0.001,,,,\r\n").encode()
    response = client.post(f"{API}/import", headers=worker_headers,
                           data={"file": (io.BytesIO(data), "havens.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 201 and response.json["created"] == 1
    assert counts(db_session) == (1, 0)


def test_import_with_bad_rows_lists_each_and_stores_nothing(client, db_session, worker_headers):
    text = (IMPORT_HEADER
            + "Alpha Café,cafe,51.451,0.001,,,,\r\n"
            + "Bravo Books,shop,95,0.01,,,,\r\n"
            + "Charlie Chips,takeaway,51.452,0.002,,,,\r\n"
            + "Delta Deli,casino,51.453,0.003,,,lapsed,\r\n")
    problem = error(client.post(f"{API}/import", data=text, content_type="text/csv",
                                headers=worker_headers), 422)
    assert problem["field"] == "file"
    assert "2 row(s) need fixing; nothing was imported." in problem["message"]
    reported = {(item["row"], item["field"]) for item in problem["details"]}
    assert {(3, "lat"), (5, "business_type")} <= reported
    assert {item["row"] for item in problem["details"]} == {3, 5}
    assert all(item["message"] for item in problem["details"])
    assert counts(db_session) == (0, 0)


def test_import_row_outside_every_borough_undoes_the_rows_before_it(client, db_session,
                                                                    worker_headers):
    text = (IMPORT_HEADER + "Alpha Café,cafe,51.451,0.001,,,,\r\n"
            + "Far Farm Shop,shop,53.0,-1.5,,,,\r\n")
    problem = error(client.post(f"{API}/import", data=text, content_type="text/csv",
                                headers=worker_headers), 422)
    assert problem["details"][0]["row"] == 3 and "outside every borough" in problem["message"]
    assert counts(db_session) == (0, 0)


@pytest.mark.parametrize(("data", "message"), [
    (b"name,business_type,lat,lon,colour\r\nAlpha,cafe,51.451,0.001,red\r\n", "colour"),
    ("name,business_type,lat,lon\r\nCafé,cafe,51.451,0.001\r\n".encode("latin-1"), "UTF-8"),
    (b"", "(no header)"),
    (b"name,business_type,lat,lon\r\nAlpha,cafe,51.451,0.001,surprise\r\n", "1 row(s)"),
], ids=["unknown column", "not utf-8", "empty", "extra cell"])
def test_import_refuses_files_it_cannot_read(client, db_session, worker_headers, data, message):
    problem = error(client.post(f"{API}/import", data=data, content_type="text/csv",
                                headers=worker_headers), 422)
    assert problem["field"] == "file" and message in problem["message"]
    assert counts(db_session) == (0, 0)
    if message == "1 row(s)":
        assert "more cells than the header" in problem["details"][0]["message"]


# --- 9. Delete ---------------------------------------------------------------------------------

def test_delete_removes_the_haven_and_its_visits_and_audits_it(client, db_session, worker,
                                                               worker_headers):
    haven = add_active(client, worker_headers)
    assert counts(db_session) == (1, 1)
    response = client.delete(f"{API}/{haven['id']}", headers=worker_headers)
    assert response.status_code == 204 and response.get_data() == b""
    assert counts(db_session) == (0, 0)
    assert client.get(f"{API}/{haven['id']}", headers=worker_headers).status_code == 404
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "haven.delete"))
    assert (event.object_type, event.object_id, event.user_id) == ("haven", str(haven["id"]),
                                                                   worker.id)
    assert event.detail["name"] == "Corner Shop"
    assert error(client.delete(f"{API}/{haven['id']}", headers=worker_headers), 404)


# --- 10. OpenAPI -------------------------------------------------------------------------------

def test_openapi_lists_the_haven_endpoints(anon):
    paths = anon.get("/api/openapi.json").json["paths"]
    assert {f"{API}", f"{API}/{{haven_id}}", f"{API}/nearest", f"{API}/{{haven_id}}/visits",
            f"{API}/{{haven_id}}/status", f"{API}/import"} <= set(paths)
    assert {"get", "post"} <= set(paths[API])
    assert {"get", "patch", "delete"} <= set(paths[f"{API}/{{haven_id}}"])
    nearest = {p["name"] for p in paths[f"{API}/nearest"]["get"]["parameters"]}
    assert {"lat", "lon", "limit", "open_at", "open_only"} <= nearest

