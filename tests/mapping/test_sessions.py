"""Sessions, joining, results and moderation on real PostGIS."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.errors import Forbidden, InvalidInput, NotFound
from mapping import codes, results, services, terms
from mapping.models import NamedPlace, PupilMap, Zone
from tests.factories import add_user
from tests.mapping.conftest import feature, lonlat, move_maps_to_term, square, submit


def test_a_session_gets_an_unambiguous_code_and_a_1_5_km_area(db_session, open_session):
    code = open_session.join_code
    assert len(code) == 8 and set(code) <= set(codes.ALPHABET)
    area_km2 = db_session.scalar(text(
        "SELECT ST_Area(geography(area)) / 1e6 FROM mapping_session WHERE id = :id"),
        {"id": open_session.id})
    assert area_km2 == pytest.approx(3.14159 * 1.5 ** 2, rel=0.02)
    assert open_session.closes_at - open_session.opens_at == timedelta(hours=2)


def test_codes_are_read_as_typed_from_the_board():
    assert codes.normalise(" hpr3-9mtn ") == "HPR39MTN"
    assert codes.looks_valid("HPR39MTN") and not codes.looks_valid("HPR39MTO")
    assert not codes.looks_valid("HPR39MT") and not codes.looks_valid("HPR39MTNN")
    assert codes.display("HPR39MTN") == "HPR3-9MTN"
    assert not set("0O1IL5S2Z8B6GUVQ") & set(codes.ALPHABET)


def test_teachers_only_create_sessions_for_their_own_schools(app, db_session, teacher):
    from tests.factories import add_school
    add_school(db_session, 100002, "Birch Academy", lon=0.005, lat=51.452)
    with app.app_context(), pytest.raises(Forbidden):
        services.create_session(db_session=db_session, teacher=teacher, school_urn=100002,
                                class_label="8A", year_group=8)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"area": {"type": "Point", "coordinates": [0, 51.45]}}, "area"),
    ({"area": square(-3000, -3000, 100)}, "area"),
    ({"area": square(-3000, -3000, 6000)}, "area"),
])
def test_bad_session_areas_are_refused(app, db_session, teacher, kwargs, field):
    with app.app_context(), pytest.raises(InvalidInput) as raised:
        services.create_session(db_session=db_session, teacher=teacher, school_urn=100001,
                                class_label="7B", year_group=7, **kwargs)
    assert raised.value.field == field


def test_join_works_while_open_and_one_message_for_every_failure(app, db_session,
                                                                 open_session):
    typed = codes.display(open_session.join_code).lower()
    assert services.join(db_session=db_session, typed_code=typed).id == open_session.id
    with app.app_context():
        services.set_closed(db_session=db_session, session_id=open_session.id,
                            user=_teacher(db_session, open_session), closed=True)
    for attempt in (typed, "ACDE-FHJK", "nonsense"):
        with pytest.raises(InvalidInput, match="That code does not work"):
            services.join(db_session=db_session, typed_code=attempt)


def _teacher(db_session, mapping_session):
    from core.accounts.models import User
    return db_session.get(User, mapping_session.teacher_id)


def test_other_teachers_get_404_and_admins_get_the_session(db_session, open_session):
    other = add_user(db_session, "teacher", "other@example.org", school_urns=[100001])
    admin = add_user(db_session, "admin", "admin@example.org")
    with pytest.raises(NotFound):
        services.for_teacher_or_404(db_session=db_session, session_id=open_session.id,
                                    user=other)
    assert services.for_teacher_or_404(db_session=db_session, session_id=open_session.id,
                                       user=admin) is open_session


def test_named_places_must_be_named_and_inside_the_area(app, db_session, open_session):
    teacher = _teacher(db_session, open_session)
    with app.app_context():
        place = services.add_place(db_session=db_session, session_id=open_session.id,
                                   user=teacher, name="  the park by   the station ",
                                   area=square(100, 100))
        assert place.name == "the park by the station"
        with pytest.raises(InvalidInput, match="inside the map area"):
            services.add_place(db_session=db_session, session_id=open_session.id, user=teacher,
                               name="Far", area=square(5000, 5000))
        with pytest.raises(InvalidInput, match="name"):
            services.add_place(db_session=db_session, session_id=open_session.id, user=teacher,
                               name=" ", area=square(100, 100))
    assert db_session.scalar(select(func.count()).select_from(NamedPlace)) == 1


def test_a_place_answer_is_stored_with_the_places_area(app, db_session, open_session):
    teacher = _teacher(db_session, open_session)
    with app.app_context():
        place = services.add_place(db_session=db_session, session_id=open_session.id,
                                   user=teacher, name="The park", area=square(100, 100))
    db_session.refresh(open_session)
    submit(app, db_session, open_session, feature(None, place=place.id))
    zone = db_session.scalar(select(Zone))
    assert (zone.shape, zone.place_id, zone.drawn) == ("place", place.id, None)
    area_m2 = db_session.scalar(text("SELECT ST_Area(geography(geom)) FROM zone"))
    assert area_m2 == pytest.approx(3600, rel=0.02)


def test_tallies_count_pupils_per_answer_and_kind(app, db_session, open_session):
    submit(app, db_session, open_session,
           feature(square(100, 100), reasons=["dark", "dogs"], times=["evening"]),
           feature(square(300, 100), reasons=["dark"], times=["evening"]))
    submit(app, db_session, open_session, feature(square(100, 100), reasons=["dark"]),
           feature(square(-200, 0), kind="safe", reasons=["busy_bright"]))
    with app.app_context():
        reasons = {t.key: t for t in results.tallies(db_session=db_session,
                                                     session_id=open_session.id,
                                                     column="reasons")}
    assert (reasons["dark"].unsafe_pupils, reasons["dark"].zones) == (2, 3)
    assert reasons["dogs"].unsafe_pupils == 1 and reasons["busy_bright"].safe_pupils == 1
    assert reasons["dark"].label == "Dark or badly lit"


def test_class_grid_counts_distinct_pupils_per_hexagon(app, db_session, open_session):
    for _pupil in range(3):
        submit(app, db_session, open_session, feature(square(200, 200, 40)),
               feature(square(210, 210, 20)))
    with app.app_context():
        cells = results.class_grid(db_session=db_session, session_id=open_session.id)
    assert cells and max(cell["unsafe"] for cell in cells) == 3
    assert all(cell["safe"] == 0 for cell in cells)


def test_comments_wait_for_the_teacher_before_reaching_the_board(app, db_session,
                                                                 open_session):
    submit(app, db_session, open_session,
           feature(square(100, 100), comment="It is <b>dark</b>",
                   suggestions=["other"], suggestion_other="A youth club"))
    zone = db_session.scalar(select(Zone))
    assert (zone.comment_state, zone.other_state) == ("pending", "pending")
    board = results.pupil_text(db_session=db_session, session_id=open_session.id, board=True)
    assert board == []
    results.moderate(db_session=db_session, mapping_session=open_session, zone_id=zone.id,
                     what="comment", decision="approved")
    results.moderate(db_session=db_session, mapping_session=open_session, zone_id=zone.id,
                     what="suggestion", decision="hidden")
    board = results.pupil_text(db_session=db_session, session_id=open_session.id, board=True)
    assert [row["text"] for row in board] == ["It is <b>dark</b>"]
    teacher_view = results.pupil_text(db_session=db_session, session_id=open_session.id,
                                      board=False)
    assert [row["text"] for row in teacher_view] == ["It is <b>dark</b>"]
    with pytest.raises(InvalidInput):
        results.moderate(db_session=db_session, mapping_session=open_session, zone_id=zone.id,
                         what="comment", decision="delete")


def test_purge_deletes_only_maps_past_retention(app, db_session, open_session, runner):
    submit(app, db_session, open_session, feature(square(100, 100)))
    submit(app, db_session, open_session, feature(square(100, 100)))
    old = db_session.scalars(select(PupilMap.id).order_by(PupilMap.id)).first()
    term = move_maps_to_term(db_session, [old], days_ago=800)
    result = runner.invoke(args=["mapping", "purge-expired"])
    assert "1 pupil map(s) deleted from terms with maps older than 730 days" in result.output
    assert f"the published heatmaps of {terms.label(term)} are kept" in result.output
    assert db_session.scalar(select(func.count()).select_from(PupilMap)) == 1
    assert db_session.scalar(select(func.count()).select_from(Zone)) == 1
    assert runner.invoke(args=["mapping", "purge-expired", "--days", "0"]).exit_code == 1


def test_route_and_spot_are_stored_as_corridor_and_circle(app, db_session, open_session):
    submit(app, db_session, open_session,
           feature({"type": "LineString", "coordinates": [lonlat(0, 0), lonlat(400, 0)]}),
           feature({"type": "Point", "coordinates": lonlat(-300, -300)}, kind="safe"))
    areas = db_session.execute(text(
        "SELECT shape, ST_Area(geography(geom)), GeometryType(drawn) FROM zone ORDER BY number"
    )).all()
    assert areas[0][0] == "route" and areas[0][1] == pytest.approx(400 * 25, rel=0.03)
    assert areas[0][2] == "LINESTRING"
    assert areas[1][0] == "spot" and areas[1][1] == pytest.approx(3.1416 * 40 ** 2, rel=0.03)


def test_demo_seed_adds_sessions_with_clustered_maps(runner, db_session, app, tmp_path,
                                                     monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    maps = db_session.scalar(select(func.count()).select_from(PupilMap))
    sessions = db_session.scalar(text("SELECT count(*) FROM mapping_session"))
    assert sessions >= 5 and maps >= sessions * 15
    with app.app_context():
        from havens import queries as haven_queries
        from mapping import heatmap
        borough_id = haven_queries.borough_ids_by_code(db_session)["E99999999"]
        published = heatmap.published_cells(
            db_session=db_session, question=heatmap.Question(borough_id=borough_id,
                                                             resolution=150),
            rule=heatmap.rule_for_planners())
    assert published, "the demo borough shows a heatmap out of the box"
    open_sessions = db_session.scalar(text(
        "SELECT count(*) FROM mapping_session WHERE closes_at > now()"))
    assert open_sessions == 1


def test_hidden_text_is_gone_from_the_teachers_map_too(app, db_session, open_session):
    submit(app, db_session, open_session, feature(square(100, 100), comment="Call me Sam"))
    zone = db_session.scalar(select(Zone))
    results.moderate(db_session=db_session, mapping_session=open_session, zone_id=zone.id,
                     what="comment", decision="hidden")
    for board in (False, True):
        features = results.zone_collection(db_session=db_session, session_id=open_session.id,
                                           board=board)["features"]
        assert features[0]["properties"]["comment"] is None


def test_submitted_time_is_kept_to_the_hour_only(app, db_session, open_session):
    submit(app, db_session, open_session, feature(square(100, 100)))
    stamp = db_session.scalar(select(PupilMap.submitted_at))
    assert (stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0)


def test_an_expired_page_gives_pupils_a_plain_answer(client, open_session):
    api = client.post(f"/api/v1/sessions/{open_session.join_code}/maps", data=b"{}",
                      headers={"Content-Type": "application/geo+json"})
    assert api.status_code == 400 and api.json["error"]["code"] == "csrf_failed"
    page = client.post("/join", data={"code": "whatever"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "open too long" in html and "Log in" not in html
