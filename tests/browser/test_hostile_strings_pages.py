"""In real Chromium: every hostile string stored in a haven, a school or a pupil's comment is
shown as plain text in the maps' popups and tooltips, and none of them runs."""

import pytest
from sqlalchemy import select

from core.accounts.services import create_api_token
from core.geo import transformer
from core.places.models import School
from core.places.queries import upsert_school
from core.places.readers import read_schools
from havens.models import Haven
from mapping import results, services
from mapping.models import Zone
from tests.factories import PASSWORD, add_borough, add_school, add_user
from tests.mapping.conftest import feature, square, submit
from tests.security.hostile import CORPUS, fit, write_gias

pytestmark = pytest.mark.browser
HAVENS = "/api/v1/havens"

# Every popup and tooltip of every Leaflet map on the page, opened one by one, as shown text.
SHOWN = """() => {
    const maps = Object.values(window).filter(v => v instanceof L.Map);
    const texts = [];
    for (const map of maps) {
        map.eachLayer(layer => {
            if (layer.getPopup && layer.getPopup()) {
                layer.openPopup();
                const shown = layer.getPopup().getElement();
                if (shown) { texts.push(shown.querySelector('.leaflet-popup-content').innerText); }
                layer.closePopup();
            }
            if (layer.getTooltip && layer.getTooltip()) {
                layer.openTooltip();
                const tip = layer.getTooltip().getElement();
                if (tip) { texts.push(tip.innerText); }
                layer.closeTooltip();
            }
        });
    }
    return texts;
}"""


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def shown_on_maps(page, path: str, marker: str) -> list[str]:
    """The text of every popup and tooltip on the page's maps, after checking nothing ran."""
    page.goto(path)
    page.locator(marker).first.wait_for()
    texts = page.evaluate(SHOWN)
    assert page.evaluate("() => window.pwned") is None, "a stored string ran as script"
    assert page.locator(".leaflet-popup-content img, .leaflet-tooltip img").count() == 0
    return texts


def assert_each_shown(texts: list[str], stored: list[str]) -> None:
    for value in stored:
        assert any(value in text for text in texts), f"{value!r} is not shown as typed"


@pytest.fixture
def hostile_world(client, db_session, tmp_path):
    """One haven and one school per hostile string, spread over the test borough (schools read
    from a GIAS file as `flask import schools` reads it)."""
    add_borough(db_session)
    add_user(db_session, "worker", "worker@example.org")
    _token, secret = create_api_token(db_session=db_session, email="worker@example.org")
    headers = {"Authorization": f"Bearer {secret}"}
    schools = []
    for number, text in enumerate(CORPUS):
        lon, lat = -0.012 + number * 0.0015, 51.447 + (number % 4) * 0.002
        made = client.post(HAVENS, headers=headers, json={
            "name": fit(text, 200), "business_type": "shop", "lat": lat, "lon": lon,
            "address": fit(text, 300), "opening_hours": "Mo-Su 00:00-24:00",
            "confirm_duplicate": True})
        assert made.status_code == 201, made.json
        signed = client.post(f"{HAVENS}/{made.json['id']}/visits", headers=headers,
                             json={"outcome": "signed_up", "visited_on": "2025-03-14"})
        assert signed.status_code == 201
        schools.append((100001 + number, text, text,
                        *transformer(4326, 27700).transform(lon, lat + 0.001)))
    write_gias(tmp_path / "gias.csv", schools)
    for row in read_schools(tmp_path / "gias.csv").good:
        upsert_school(db_session, row)
    db_session.commit()
    return db_session


def test_haven_names_and_addresses_are_text_in_finder_and_manage_popups(page, hostile_world):
    stored = [value for haven in hostile_world.scalars(select(Haven))
              for value in (haven.name, haven.address)]
    texts = shown_on_maps(page, "/havens/", "path.marker-haven")
    assert_each_shown(texts, stored)
    log_in(page, "worker@example.org")
    texts = shown_on_maps(page, "/havens/manage", "path.marker-haven")
    assert_each_shown(texts, stored)


def test_school_names_and_addresses_are_text_in_the_schools_map_popups(page, hostile_world):
    stored = [value for school in hostile_world.scalars(select(School))
              for value in (school.name, school.address)]
    texts = shown_on_maps(page, "/schools", "path.marker-school")
    assert_each_shown(texts, stored)


def test_pupil_comments_and_ideas_are_text_in_the_class_results_map(app, page, db_session):
    add_borough(db_session)
    add_school(db_session, 100001, "Alder Primary School")
    teacher = add_user(db_session, "teacher", "teacher@example.org", school_urns=[100001])
    with app.app_context():
        mapping_session = services.create_session(db_session=db_session, teacher=teacher,
                                                  school_urn=100001, class_label="7B",
                                                  year_group=7)
    submit(app, db_session, mapping_session, *[
        feature(square(-700 + 90 * n, 200), comment=text, suggestions=["other"],
                suggestion_other=fit(text, 200)) for n, text in enumerate(CORPUS)])
    zones = db_session.scalars(select(Zone).order_by(Zone.number)).all()
    for zone in zones:
        for what in ("comment", "suggestion"):
            results.moderate(db_session=db_session, mapping_session=mapping_session,
                             zone_id=zone.id, what=what, decision="approved")
    db_session.commit()
    stored = [value for zone in zones for value in (zone.comment, zone.suggestion_other)]
    assert len(stored) == 2 * len(CORPUS)
    log_in(page, "teacher@example.org")
    texts = shown_on_maps(page, f"/mapping/sessions/{mapping_session.id}/results",
                          "path.leaflet-interactive")
    assert_each_shown(texts, stored)
