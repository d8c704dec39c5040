"""Output safety: every hostile string typed into a text field comes back out of every page,
export and PDF that shows it literally (escaped once, never run) and CSV cells that hold it are
neutralised against formula injection."""

import json

import pytest
import shapely
import shapely.geometry
from sqlalchemy import select

from core.accounts.models import ApiToken
from core.accounts.services import create_api_token
from core.extensions import limiter
from core.geo import transformer
from core.places.models import Borough, School
from core.places.queries import upsert_school, upsert_ward
from core.places.readers import read_areas, read_schools
from havens.models import Haven
from havens.schemas import HavenFields
from mapping.action_models import HotspotAction
from mapping.models import MappingSession, Zone
from tests.core.accounts.helpers import login, post_form
from tests.factories import add_borough, add_user
from tests.mapping.conftest import (
    feature,
    lonlat,
    square,
    submit,
    teacher,  # noqa: F401 (the fixture)
)
from tests.mapping.test_heatmap import classes  # noqa: F401 (the fixture)
from tests.mapping.test_hotspot_actions import _log
from tests.mapping.test_hotspots import AFTER_SCHOOL_PLACE, planted  # noqa: F401
from tests.security.hostile import (
    CORPUS,
    IDS,
    assert_csv_safe,
    assert_json_has,
    assert_kept,
    assert_no_injection,
    assert_pdf_has,
    assert_shown_literally,
    fit,
    json_strings,
    parse_html,
    pdf_text,
    pdf_title,
    write_gias,
    xml_texts,
)

HAVENS = "/api/v1/havens"
HERE = (0.0, 51.45)


def _bearer(db_session, email: str) -> dict:
    _token, secret = create_api_token(db_session=db_session, email=email)
    return {"Authorization": f"Bearer {secret}"}


def _hostile_haven(client, db_session, text: str) -> Haven:
    """A haven whose every free-text field holds the string, stored through the API."""
    add_borough(db_session)
    add_user(db_session, "worker", "worker@example.org")
    headers = _bearer(db_session, "worker@example.org")
    made = client.post(HAVENS, headers=headers, json={
        "name": fit(text, 200), "business_type": "shop", "lat": HERE[1], "lon": HERE[0],
        "address": fit(text, 300), "contact_name": fit(text, 120), "notes": text,
        "opening_hours": "Mo-Su 00:00-24:00", "confirm_duplicate": True})
    assert made.status_code == 201, made.json
    visit = client.post(f"{HAVENS}/{made.json['id']}/visits", headers=headers,
                        json={"outcome": "signed_up", "visited_on": "2025-03-14", "notes": text})
    assert visit.status_code == 201, visit.json
    db_session.expire_all()
    haven = db_session.get(Haven, made.json["id"])
    for field, limit in (("name", 200), ("address", 300), ("contact_name", 120),
                         ("notes", 4000)):
        assert_kept(getattr(haven, field), fit(text, limit))
    assert_kept(haven.visits[0].notes, text)
    return haven


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_haven_text_is_shown_literally_in_pages_json_geojson_csv_and_sticker(
        client, db_session, text, tmp_path):
    haven = _hostile_haven(client, db_session, text)
    name, visit_notes = haven.name, haven.visits[0].notes
    private = (haven.address, haven.contact_name, haven.notes, visit_notes)

    public_page = client.get(f"/havens/{haven.id}").get_data(as_text=True)
    assert_shown_literally(public_page, name)
    assert_shown_literally(public_page, haven.address)
    assert_no_injection(client.get("/havens/").get_data(as_text=True))  # name: map popup only

    login(client, "worker@example.org")
    worker_page = client.get(f"/havens/{haven.id}").get_data(as_text=True)
    for value in (name, *private):
        assert_shown_literally(worker_page, value)
    edit_form = client.get(f"/havens/{haven.id}/edit").get_data(as_text=True)
    for value in (name, haven.address, haven.contact_name, haven.notes):
        assert_shown_literally(edit_form, value)
    assert_shown_literally(client.get("/havens/manage").get_data(as_text=True), name)

    one = client.get(f"{HAVENS}/{haven.id}").json
    assert (one["name"], one["address"], one["contact_name"], one["notes"]) == (
        name, haven.address, haven.contact_name, haven.notes)
    geojson = client.get(f"{HAVENS}?format=geojson")
    assert geojson.status_code == 200
    for value in (name, haven.address, haven.notes):  # contact fields are never exported
        assert_json_has(geojson.data, value)
    exported = client.get(f"{HAVENS}?format=csv")
    assert exported.status_code == 200
    assert_csv_safe(exported.get_data(as_text=True), name, haven.address, haven.notes)

    sticker = client.get(f"/havens/{haven.id}/sticker.pdf")
    assert sticker.status_code == 200
    assert_pdf_has(pdf_text(sticker.data, tmp_path), name)

    changed = post_form(client, f"/havens/{haven.id}/status",
                        {"status": "lapsed", "reason": fit(text, 200)},
                        token_page=f"/havens/{haven.id}")
    assert changed.status_code == 302
    db_session.expire_all()
    reason = db_session.get(Haven, haven.id).status_reason
    assert_kept(reason, fit(text, 200))
    assert_shown_literally(client.get(f"/havens/{haven.id}").get_data(as_text=True), reason)
    lapsed = client.get(f"{HAVENS}?format=csv&status=lapsed").get_data(as_text=True)
    assert_csv_safe(lapsed, name, reason)
    assert_json_has(client.get(f"{HAVENS}?format=geojson&status=lapsed").data, reason)


def _hostile_class(client, app, db_session, text: str) -> MappingSession:
    """A session, a named place and one pupil's approved comment and idea, all holding the
    string, stored through the teacher's forms and the pupils' submission path."""
    login(client, "teacher@example.org")
    made = post_form(client, "/mapping/sessions/new", {
        "school": "100001", "class_label": fit(text, 60), "year_group": "7", "opens_at": "",
        "closes_at": "", "expected_pupils": "28"}, token_page="/mapping/sessions/new")
    assert made.status_code == 302, made.get_data(as_text=True)
    mapping_session = db_session.scalar(select(MappingSession))
    page = f"/mapping/sessions/{mapping_session.id}"
    named = post_form(client, f"{page}/places", {"name": fit(text, 80),
                                                 "area": json.dumps(square(100, 100))},
                      token_page=page)
    assert named.status_code == 302
    submit(app, db_session, mapping_session,
           feature(square(300, 300), comment=text, suggestions=["other"],
                   suggestion_other=fit(text, 200)))
    zone = db_session.scalar(select(Zone))
    for what in ("comment", "suggestion"):
        decided = post_form(client, f"{page}/moderate", {"zone": zone.id, "what": what,
                                                         "decision": "approved"},
                            token_page=f"{page}/results")
        assert decided.status_code == 302
    db_session.expire_all()
    assert_kept(mapping_session.class_label, fit(text, 60))
    assert_kept(mapping_session.places[0].name, fit(text, 80))
    assert_kept(zone.comment, text)
    assert_kept(zone.suggestion_other, fit(text, 200))
    return mapping_session


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_class_text_is_shown_literally_to_teachers_pupils_and_in_the_summary(
        app, client, db_session, teacher, text, tmp_path):  # noqa: F811
    mapping_session = _hostile_class(client, app, db_session, text)
    label, place = mapping_session.class_label, mapping_session.places[0].name
    zone = db_session.scalar(select(Zone))
    page = f"/mapping/sessions/{mapping_session.id}"

    assert_shown_literally(client.get("/mapping/").get_data(as_text=True), label)
    session_page = client.get(page).get_data(as_text=True)
    for value in (label, place):
        assert_shown_literally(session_page, value)
    assert_no_injection(client.get(f"{page}/board").get_data(as_text=True))
    for shown in (f"{page}/results", f"{page}/show"):
        html = client.get(shown).get_data(as_text=True)
        for value in (label, zone.comment, zone.suggestion_other):
            assert_shown_literally(html, value)

    summary = client.get(f"{page}/summary.pdf")
    assert summary.status_code == 200
    words = pdf_text(summary.data, tmp_path)
    for value in (label, zone.comment, zone.suggestion_other):
        assert_pdf_has(words, value)
    counts = client.get(f"{page}/summary.csv")
    assert counts.status_code == 200
    assert_csv_safe(counts.get_data(as_text=True))

    pupil = app.test_client()
    drawing = pupil.get(f"/j/{mapping_session.join_code}", follow_redirects=True)
    assert drawing.status_code == 200
    html = drawing.get_data(as_text=True)
    assert_shown_literally(html, label)
    config = json.loads(parse_html(html).script("map-config"))
    assert place in json_strings(config)


def _imported_school(db_session, text: str, tmp_path) -> School:
    """A school whose name and street hold the string, read from a GIAS file as
    `flask import schools` reads it."""
    easting, northing = transformer(4326, 27700).transform(HERE[0] + 0.002, HERE[1] + 0.002)
    register = tmp_path / "gias.csv"
    write_gias(register, [(100001, text, text, easting, northing)])
    rows = read_schools(register)
    assert not rows.rejected
    upsert_school(db_session, rows.good[0])
    db_session.commit()
    school = db_session.scalar(select(School))
    assert_kept(school.name, fit(text, 200))
    assert_kept(school.address, fit(text, 300))
    return school


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_school_and_haven_names_are_literal_on_school_pages_finder_and_printed_map(
        client, db_session, text, tmp_path):
    haven = _hostile_haven(client, db_session, text)
    school = _imported_school(db_session, text, tmp_path)

    for page in ("/schools", f"/schools/{school.urn}"):
        html = client.get(page).get_data(as_text=True)
        assert_shown_literally(html, school.name)
    assert_shown_literally(client.get(f"/schools/{school.urn}").get_data(as_text=True),
                           school.address)
    finder = client.get(f"/havens/?school={school.urn}")
    assert finder.status_code == 200
    for value in (school.name, haven.name):
        assert_shown_literally(finder.get_data(as_text=True), value)

    listed = client.get("/api/v1/schools?format=geojson")
    assert listed.status_code == 200
    assert_json_has(listed.data, school.name)
    assert client.get(f"/api/v1/schools/{school.urn}").json["name"] == school.name

    for collection, value in (("havens", haven.name), ("schools", school.name)):
        items = f"/ogc/collections/{collection}/items"
        page = client.get(f"{items}?f=html")
        assert page.status_code == 200
        assert_shown_literally(page.get_data(as_text=True), value)
        assert_json_has(client.get(f"{items}?f=json").data, value)

    printed = client.get(f"/schools/{school.urn}/haven-map.pdf")
    assert printed.status_code == 200
    words = pdf_text(printed.data, tmp_path)
    for value in (school.name, haven.name):
        assert_pdf_has(words, value)


def _store_area_names(db_session, planted, text: str, tmp_path) -> tuple[str, ...]:  # noqa: F811
    """The ward (read from a boundary file as `flask import wards` reads it), the borough, the
    haven nearest the first hot spot and the school next to it all take the string."""
    boundary = tmp_path / "wards.geojson"
    ward = shapely.Point(lonlat(*AFTER_SCHOOL_PLACE)).buffer(0.01)
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": shapely.geometry.mapping(ward),
        "properties": {"code": "E05999999", "name": fit(text, 120)}}]}))
    area = read_areas(boundary, "code", "name").good[0]
    upsert_ward(db_session, code=area.code, name=area.name, borough_id=planted[0].borough_id,
                wkt=area.wkt)
    haven = db_session.scalar(select(Haven))
    haven.name = HavenFields(partial=True).load({"name": fit(text, 200)})["name"]
    school = db_session.scalar(select(School).where(School.urn == 100002))  # 300 m east
    school.name = area.name  # what the school reader keeps of a name (as for the ward)
    borough = db_session.get(Borough, planted[0].borough_id)
    borough.name = area.name  # boroughs are read from boundary files as wards are
    db_session.commit()
    return area.name, borough.name, haven.name, school.name


def test_hotspot_exports_briefing_and_actions_show_every_hostile_string_literally(
        app, client, db_session, planted, tmp_path):  # noqa: F811
    """One planted borough (slow to build), then each string in turn through 12 outputs."""
    db_session.add(Haven(borough_id=planted[0].borough_id, name="Corner Shop",
                         business_type="shop", status="active", opening_hours={},
                         location=f"SRID=4326;POINT({' '.join(map(str, lonlat(445, 445)))})"))
    db_session.commit()
    teacher_client = app.test_client()
    login(teacher_client, "teacher@example.org")
    login(client, "planner@example.org")
    for text in CORPUS:
        limiter.reset()  # 7 downloads per string: more than one user's export allowance
        ward, borough, haven, school = _store_area_names(db_session, planted, text, tmp_path)
        logged = _log(client, action=text, starts_on="2026-11-02", status="in_progress")
        assert logged.status_code == 302, logged.get_data(as_text=True)
        action = db_session.scalars(select(HotspotAction).order_by(HotspotAction.id.desc())
                                    ).first().action
        assert_kept(action, text)
        names = (ward, haven, school)

        page = client.get("/mapping/hotspots").get_data(as_text=True)
        for value in names:
            assert_shown_literally(page, value)
        export = "/mapping/hotspots/export"
        answer = client.get(f"{export}.geojson")
        assert answer.status_code == 200
        strings = json_strings(json.loads(answer.data))
        for value in names:
            assert any(value in s for s in strings), value  # schools are joined with "; "
        assert_csv_safe(client.get(f"{export}.csv").get_data(as_text=True), ward, haven)
        for fmt in ("kml", "gpx"):
            texts = xml_texts(client.get(f"{export}.{fmt}").data)
            for value in (ward, haven):
                assert any(value in t for t in texts), (fmt, value)
        briefing = pdf_text(client.get(f"{export}.pdf").data, tmp_path)
        for value in (ward, borough, haven):
            assert_pdf_has(briefing, value)
        heat = client.get("/mapping/heatmap/export.html")
        assert heat.status_code == 200
        assert_shown_literally(heat.get_data(as_text=True), borough)  # names: tooltips only
        snapshot = client.get("/mapping/heatmap/export.pdf")
        assert snapshot.status_code == 200
        # A 120-character name with no space runs off the one-line title (matplotlib wraps at
        # spaces only): the page holds its start, the document title all of it.
        assert_pdf_has(pdf_text(snapshot.data, tmp_path), borough[:60])
        assert borough in pdf_title(snapshot.data, tmp_path)

        assert_shown_literally(client.get("/mapping/hotspots/actions").get_data(as_text=True),
                               action)
        assert_csv_safe(client.get("/mapping/hotspots/actions.csv").get_data(as_text=True),
                        action, ward)
        said = teacher_client.get("/mapping/school-heatmap").get_data(as_text=True)
        assert_shown_literally(said, action)


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_token_labels_are_literal_on_the_admin_page(client, db_session, text):
    add_user(db_session, "admin", "admin@example.org")
    worker = add_user(db_session, "worker", "worker@example.org")
    login(client, "admin@example.org")
    page = f"/admin/users/{worker.id}"
    made = post_form(client, f"{page}/tokens", {"label": text}, token_page=page)
    assert made.status_code == 200
    label = db_session.scalar(select(ApiToken.label))
    assert_kept(label, fit(text, 80))
    assert_shown_literally(client.get(page).get_data(as_text=True), label)


def test_right_to_left_names_keep_every_letter_only_bidi_controls_go():
    typed = "\u202bمكتبة الحي\u202c \u05de\u05db\u05d5\u05dc\u05ea"
    stored = HavenFields(partial=True).load({"name": typed})["name"]
    assert stored == "مكتبة الحي \u05de\u05db\u05d5\u05dc\u05ea"


FLAWS = {
    "unescaped tag": lambda: assert_shown_literally(
        "<p><script>window.pwned=1</script></p>", "<script>window.pwned=1</script>"),
    "attribute breakout": lambda: assert_shown_literally(
        '<p title="" onmouseover="window.pwned=1">x</p>', '" onmouseover="window.pwned=1'),
    "double escaping": lambda: assert_shown_literally("<p>&amp;lt;b&amp;gt;</p>", "<b>"),
    "javascript URL": lambda: assert_shown_literally(
        '<a href="javascript:window.pwned=1">x</a>', "javascript:window.pwned=1"),
    "template literal": lambda: assert_shown_literally(
        "<script>var a = `${window.pwned=1}`;</script>", "${window.pwned=1}"),
    "formula cell": lambda: assert_csv_safe('name\r\n"=HYPERLINK(""x"")"\r\n',
                                            '=HYPERLINK("x")'),
    "escaped on the way in": lambda: assert_kept("&lt;b&gt;", "<b>"),
    "bidi control kept": lambda: assert_kept("\u202egnp.exe", "\u202egnp.exe"),
}


@pytest.mark.parametrize("flaw", FLAWS)
def test_the_checks_catch_what_they_are_for(flaw):
    """Each flaw the output tests look for makes its check fail."""
    with pytest.raises(AssertionError):
        FLAWS[flaw]()
