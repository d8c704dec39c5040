"""Hot-spot actions: planners log, list, change and export them; teachers near the place see
them ("you said, we did"); everyone else is refused; bad input stores nothing."""

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
import shapely
from sqlalchemy import func, select, text

from core.accounts.models import User
from core.audit.models import AuditEvent
from mapping import actions, hotspots
from mapping.action_models import HotspotAction
from tests.conftest import CSRF_INPUT
from tests.core.accounts.helpers import login, post_form
from tests.factories import add_borough, add_user
from tests.mapping.conftest import lonlat, square
from tests.mapping.test_heatmap import classes  # noqa: F401 (the fixture)
from tests.mapping.test_hotspots import AFTER_SCHOOL_PLACE, _analyse, _inside, planted  # noqa: F401

NEW = "/mapping/hotspots/actions/new"
PATROLS = "Extra patrols Tue-Thu 15:00-17:00 from 3 March"
HOSTILE = '=HYPERLINK("http://x")<script>alert(1)</script>'


def _stored(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(HotspotAction))


def _form(client, query: str = "rank=1") -> dict:
    """The hidden fields a browser would send back from the action form."""
    page = client.get(f"{NEW}?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    hidden = dict(re.findall(r'name="(seen_lon|seen_lat)" value="([^"]+)"', html))
    return {"csrf_token": CSRF_INPUT.search(html).group(1), **hidden}


def _log(client, query: str = "rank=1", **fields):
    data = {**_form(client, query), "action": PATROLS, "starts_on": "2027-03-03",
            "ends_on": "", "status": "planned", **fields}
    return client.post(f"{NEW}?{query}", data=data)


def _planner(db_session, email="planner@example.org") -> User:
    return db_session.scalars(select(User).where(User.email == email)).one()


def _create(app, db_session, planted, area: dict, **fields) -> HotspotAction:  # noqa: F811
    """An action logged through the service (as the form would)."""
    question = hotspots.HotSpotQuestion(borough_id=planted[0].borough_id)
    values = {"action": PATROLS, "starts_on": date(2027, 3, 3), "ends_on": None,
              "status": "in_progress", **fields}
    with app.app_context():
        return actions.create(db_session=db_session, user=_planner(db_session),
                              question=question, area=area, **values)


@pytest.fixture
def logged(app, db_session, planted):  # noqa: F811
    """An action against hot spot 1."""
    area = _analyse(app, db_session, planted)["areas"][0]
    return _create(app, db_session, planted, area)


def _far_area(dx_m: float, dy_m: float) -> dict:
    """An area dict as the analysis gives it, dx/dy metres from the first school."""
    outline = square(dx_m, dy_m, 100)
    lon, lat = lonlat(dx_m + 50, dy_m + 50)
    return {"rank": 9, "geometry": json.dumps(outline),
            "lon": lon, "lat": lat, "ward": None, "peak_time": "evening"}


def test_each_area_on_the_hot_spots_page_links_to_its_action_form(client, planted):  # noqa: F811
    login(client, "planner@example.org")
    html = client.get("/mapping/hotspots?cell=150").get_data(as_text=True)
    links = re.findall(r'href="(/mapping/hotspots/actions/new\?[^"]+)"', html)
    assert [re.search(r"rank=(\d)", link).group(1) for link in links] == ["1", "2"]
    form = client.get(links[0].replace("&amp;", "&"))
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Log an action for hot spot 1" in page and "After school" in page
    assert "/mapping/hotspots/actions" in html and "/mapping/hotspots/compare" in html


def test_a_planner_logs_an_action_that_keeps_the_areas_outline(app, client, db_session,
                                                               planted):  # noqa: F811
    login(client, "planner@example.org")
    answer = _log(client, "rank=1&cell=150", ends_on="2027-04-30", status="in_progress")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(
        "/mapping/hotspots/actions")
    logged = db_session.scalars(select(HotspotAction)).one()
    area = _analyse(app, db_session, planted)["areas"][0]
    assert (logged.action, logged.status, logged.starts_on, logged.ends_on) == (
        PATROLS, "in_progress", date(2027, 3, 3), date(2027, 4, 30))
    assert (logged.rank, logged.peak_time, logged.cell_m, logged.term) == (
        1, "after_school", 150, None)
    kept = shapely.from_wkt(db_session.scalar(func.ST_AsText(logged.area)))
    assert kept.equals(shapely.from_geojson(area["geometry"]))
    point = shapely.from_wkt(db_session.scalar(func.ST_AsText(logged.location)))
    assert _inside({"geometry": shapely.to_geojson(kept)}, AFTER_SCHOOL_PLACE)
    assert kept.contains(point)
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "hotspot_action.create")).one()
    assert event.object_id == str(logged.id) and event.user_id == _planner(db_session).id


def test_the_list_shows_the_boroughs_actions_newest_first_and_the_csv_holds_them(
        app, client, db_session, planted, logged):  # noqa: F811
    second = _create(app, db_session, planted, _analyse(app, db_session, planted)["areas"][1],
                     action="Street light repaired", status="done")
    login(client, "planner@example.org")
    html = client.get("/mapping/hotspots/actions").get_data(as_text=True)
    assert html.index(f'id="action-{second.id}"') < html.index(f'id="action-{logged.id}"')
    assert "Under way" in html and "Done" in html
    answer = client.get("/mapping/hotspots/actions.csv")
    assert answer.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["Street light repaired", PATROLS]
    assert rows[1]["peak_time"] == "After school" and rows[1]["status"] == "Under way"
    assert shapely.from_wkt(rows[1]["wkt"]).contains(
        shapely.Point(float(rows[1]["lon"]), float(rows[1]["lat"])))
    paths = {e.detail["path"] for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "access"))}
    assert {"/mapping/hotspots/actions", "/mapping/hotspots/actions.csv"} <= paths


def test_a_planner_changes_the_words_end_and_status(client, db_session, logged):
    login(client, "planner@example.org")
    path = f"/mapping/hotspots/actions/{logged.id}/edit"
    assert PATROLS in client.get(path).get_data(as_text=True)
    answer = post_form(client, path, {"action": "Patrols done", "ends_on": "2027-05-01",
                                      "status": "done"}, token_page=path)
    assert answer.status_code == 302
    db_session.refresh(logged)
    assert (logged.action, logged.ends_on, logged.status) == ("Patrols done", date(2027, 5, 1),
                                                             "done")
    assert logged.starts_on == date(2027, 3, 3)
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "hotspot_action.update")).one()
    assert event.detail["before"]["status"] == "in_progress"
    assert event.detail["after"] == {"status": "done", "ends_on": "2027-05-01"}


@pytest.mark.parametrize(("fields", "words"), [
    ({"action": ""}, "Say what was done"),
    ({"action": "   "}, "Say what was done"),
    ({"action": "x" * 301}, "1 to 300 characters"),
    ({"ends_on": "2027-03-02"}, "on or after the start"),
    ({"status": "finished"}, "status must be planned, in_progress or done"),
    ({"starts_on": "3rd of March"}, "start date must be a date"),
    ({"starts_on": ""}, "Give the start date"),
])
def test_bad_input_names_the_problem_and_stores_nothing(client, db_session, planted,  # noqa: F811
                                                        fields,
                                                        words):
    login(client, "planner@example.org")
    answer = _log(client, **fields)
    assert answer.status_code == 422
    assert words in answer.get_data(as_text=True)
    assert _stored(db_session) == 0


def test_changing_to_bad_input_is_refused_and_changes_nothing(client, db_session, logged):
    login(client, "planner@example.org")
    path = f"/mapping/hotspots/actions/{logged.id}/edit"
    for fields in ({"action": "", "ends_on": "", "status": "done"},
                   {"action": "ok", "ends_on": "2027-01-01", "status": "done"},
                   {"action": "ok", "ends_on": "", "status": "cancelled"}):
        assert post_form(client, path, fields, token_page=path).status_code == 422
    db_session.refresh(logged)
    assert (logged.action, logged.ends_on, logged.status) == (PATROLS, None, "in_progress")


@pytest.mark.parametrize(("query", "status", "words"), [
    ("rank=3", 404, "no hot spot ranked 3"),
    ("rank=0", 400, "rank must be a whole number"),
    ("rank=abc", 400, "rank must be a whole number"),
    ("", 400, "Say which hot spot"),
    ("rank=1&cell=50", 400, "cell"),
    ("rank=1&colour=red", 400, "colour"),
])
def test_an_area_that_does_not_exist_is_a_plain_error(client, db_session, planted,  # noqa: F811
                                                      query,
                                                      status, words):
    login(client, "planner@example.org")
    form = client.get(f"{NEW}?{query}")
    assert form.status_code == status and words in form.get_data(as_text=True)
    token = CSRF_INPUT.search(client.get("/").get_data(as_text=True)).group(1)
    answer = client.post(f"{NEW}?{query}", data={
        "csrf_token": token, "action": PATROLS, "starts_on": "2027-03-03", "status": "planned",
        "seen_lon": "0", "seen_lat": "51.45"})
    assert answer.status_code == status
    assert _stored(db_session) == 0


def test_a_form_opened_before_the_ranking_changed_is_refused(client, db_session, planted):  # noqa: F811
    login(client, "planner@example.org")
    far = lonlat(-800, -500)  # inside hot spot 2, not hot spot 1
    answer = _log(client, seen_lon=str(far[0]), seen_lat=str(far[1]))
    assert answer.status_code == 409
    assert "no longer the place" in answer.get_data(as_text=True)
    assert _stored(db_session) == 0


def test_a_post_without_the_csrf_token_is_refused(client, db_session, planted, logged):  # noqa: F811
    login(client, "planner@example.org")
    hidden = _form(client)
    hidden.pop("csrf_token")
    answer = client.post(f"{NEW}?rank=1", data={**hidden, "action": PATROLS,
                                                 "starts_on": "2027-03-03", "status": "planned"})
    assert answer.status_code == 400
    edit = client.post(f"/mapping/hotspots/actions/{logged.id}/edit",
                       data={"action": "changed", "status": "done"})
    assert edit.status_code == 400
    db_session.refresh(logged)
    assert _stored(db_session) == 1 and logged.action == PATROLS


def _paths(action_id: int) -> list[tuple[str, str]]:
    return [("GET", f"{NEW}?rank=1"), ("POST", f"{NEW}?rank=1"),
            ("GET", "/mapping/hotspots/actions"), ("GET", "/mapping/hotspots/actions.csv"),
            ("GET", f"/mapping/hotspots/actions/{action_id}/edit"),
            ("POST", f"/mapping/hotspots/actions/{action_id}/edit"),
            ("GET", "/mapping/hotspots/compare")]


def test_anonymous_teachers_and_workers_are_refused(client, db_session, logged):
    for method, path in _paths(logged.id):
        if method == "GET":  # a browser is sent to log in
            answer = client.get(path)
            assert answer.status_code == 302 and "/login" in answer.headers["Location"]
            assert client.get(path, headers={"Accept": "application/json"}).status_code == 401
    add_user(db_session, "worker", "worker@example.org")
    db_session.commit()
    for email in ("teacher@example.org", "worker@example.org"):
        login(client, email)
        for method, path in _paths(logged.id):
            data = {"action": "changed", "starts_on": "2027-03-03", "status": "done"}
            answer = (client.get(path) if method == "GET"
                      else post_form(client, path, data))
            assert answer.status_code == 403, (email, method, path)
    db_session.refresh(logged)
    assert _stored(db_session) == 1 and logged.action == PATROLS


def test_a_planner_of_another_borough_cannot_see_or_change_them(client, db_session, logged):
    add_borough(db_session, code="E09000998", name="Otherham",
                bounds=(0.1, 51.44, 0.13, 51.46))
    add_user(db_session, "planner", "other@example.org", borough_code="E09000998")
    db_session.commit()
    login(client, "other@example.org")
    path = f"/mapping/hotspots/actions/{logged.id}/edit"
    assert client.get(path).status_code == 403
    answer = post_form(client, path, {"action": "changed", "status": "done"})
    assert answer.status_code == 403
    assert PATROLS not in client.get("/mapping/hotspots/actions").get_data(as_text=True)
    assert PATROLS not in client.get("/mapping/hotspots/actions.csv").get_data(as_text=True)
    assert client.get("/mapping/hotspots/actions?borough=E09000999").status_code == 403
    assert client.get(f"{NEW}?rank=1&borough=E09000999").status_code == 403
    db_session.refresh(logged)
    assert logged.action == PATROLS


def test_hostile_words_are_shown_as_text_everywhere(app, client, db_session, planted):  # noqa: F811
    login(client, "planner@example.org")
    assert _log(client, action=HOSTILE).status_code == 302
    escaped = "=HYPERLINK(&#34;http://x&#34;)&lt;script&gt;alert(1)&lt;/script&gt;"
    listing = client.get("/mapping/hotspots/actions").get_data(as_text=True)
    assert "<script>alert(1)" not in listing and escaped in listing
    rows = list(csv.reader(io.StringIO(client.get("/mapping/hotspots/actions.csv")
                                       .get_data(as_text=True))))
    assert rows[1][rows[0].index("action")] == "'" + HOSTILE  # neutralised for spreadsheets
    login(client, "teacher@example.org")
    teacher = client.get("/mapping/school-heatmap").get_data(as_text=True)
    assert "<script>alert(1)" not in teacher and escaped in teacher


def test_a_teacher_sees_actions_near_the_school_and_not_far_away(app, client, db_session,
                                                                 planted, logged):  # noqa: F811
    _create(app, db_session, planted, _far_area(3000, 3000), action="Far away patrols")
    login(client, "teacher@example.org")
    html = client.get("/mapping/school-heatmap").get_data(as_text=True)
    section = html[html.index('id="you-said-we-did"'):]
    assert PATROLS in section and "Far away patrols" not in section
    assert "Pupils said they feel unsafe after school" in section
    assert "Under way since 3 March 2027" in section


def test_actions_near_gives_plain_dicts_and_drops_those_long_ended(app, db_session, planted):  # noqa: F811
    school = lonlat(0, 0)
    today = date(2027, 9, 1)
    for name, ends_on, status in (("recent", today - timedelta(days=100), "done"),
                                  ("long ago", today - timedelta(days=200), "done"),
                                  ("ongoing", None, "in_progress")):
        _create(app, db_session, planted, _far_area(600, 0), action=name, ends_on=ends_on,
                status=status, starts_on=date(2026, 1, 5))
    _create(app, db_session, planted, _far_area(-600, 0), action="one-off long ago",
            starts_on=today - timedelta(days=300), status="done")
    with app.app_context():
        found = actions.actions_near(db_session, school[0], school[1], 1500, today)
    assert sorted(item["action"] for item in found) == ["ongoing", "recent"]
    item = next(i for i in found if i["action"] == "recent")
    assert isinstance(item, dict) and 600 < item["distance_m"] < 800
    assert item["you_said"] == ("Pupils said they feel unsafe in the evening at a place "
                                "about 650 m from school.")
    assert item["when_words"] == "Done: 5 January 2026 to 24 May 2027"
    with app.app_context():
        assert actions.actions_near(db_session, school[0], school[1], 500, today) == []


def test_when_words_say_how_far_along_an_action_is():
    start, end = date(2027, 3, 3), date(2027, 4, 30)
    assert actions.when_words("planned", start, None) == "Planned from 3 March 2027"
    assert actions.when_words("in_progress", start, end) == (
        "Under way since 3 March 2027 until 30 April 2027")
    assert actions.when_words("done", start, None) == "Done on 3 March 2027"
    assert actions.when_words("done", start, end) == "Done: 3 March 2027 to 30 April 2027"
    said = actions.read_out({"peak_time": "after_school", "ward": "Elmstead",
                             "distance_m": 412, "action": "x", "status": "planned",
                             "starts_on": start, "ends_on": None})
    assert said["you_said"] == ("Pupils said they feel unsafe after school in Elmstead "
                                "(about 400 m from school).")


def test_the_point_has_a_spatial_index(db_session):
    definition = db_session.scalar(text(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'hotspot_action' "
        "AND indexdef LIKE '%USING gist (location)%'"))
    assert definition is not None
